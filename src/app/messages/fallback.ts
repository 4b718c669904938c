// Falling back to another channel: after a bounce or a refusal, the same message (same step,
// template and case) goes to the customer's next channel that can reach them.
import type { Destination } from '../../adapters/channels/port.ts';
import type { Db } from '../../adapters/db/connect.ts';
import { getMerchant } from '../../adapters/db/merchants.repo.ts';
import {
  insertMessage,
  listRefusedChannelsOfOutbox,
  maxDeliveryOfOutbox,
} from '../../adapters/db/messages.repo.ts';
import type { MessageRow } from '../../adapters/db/schema-messages.ts';
import { newId } from '../ids.ts';
import { planChannels } from './customer-channels.ts';
import { recordMessageEvent } from './message-events.ts';

/**
 * After a bounce or a refusal, the same message goes to the customer's next channel that can
 * reach them and has not been tried for it. Returns the new message's id, or null when none is left.
 */
export async function queueFallback(
  trx: Db,
  m: MessageRow,
  at: Date,
  publicUrl: string,
): Promise<string | null> {
  const merchant = await getMerchant(trx, m.merchant_id);
  const plan = await planChannels(trx, {
    merchantId: m.merchant_id,
    customerId: m.customer_id,
    merchant,
    bcc: m.bcc,
    fallbackFromDomain: fallbackDomain(publicUrl),
  });
  const tried = await triedChannels(trx, m);
  tried.add(m.channel);
  const next = plan.find((p) => p.destination && !tried.has(p.channel));
  if (!next) return null;
  const lastDelivery = await maxDeliveryOfOutbox(trx, m.merchant_id, m.outbox_id);
  const messageId = newId('msg');
  const { update_url: _used, ...details } = m.details as Record<string, unknown>;
  const row = {
    merchant_id: m.merchant_id,
    message_id: messageId,
    outbox_id: m.outbox_id,
    delivery: Number(lastDelivery ?? m.delivery) + 1,
    case_id: m.case_id,
    subscription_id: m.subscription_id,
    customer_id: m.customer_id,
    strategy_id: m.strategy_id,
    strategy_version: m.strategy_version,
    step: m.step,
    template: m.template,
    intent: m.intent,
    hard_decline: m.hard_decline,
    bcc: m.bcc,
    details: JSON.stringify(details),
    channel: next.channel,
    to_address: addressOf(next.destination!),
    status: 'queued' as const,
    dedupe_key: messageId,
    queued_at: at,
  };
  await insertMessage(trx, row);
  await recordMessageEvent(trx, { ...m, ...row }, 'message.queued', at, {
    fallback_of: m.message_id,
  });
  return messageId;
}

/** Channels already refused for this message (earlier deliveries of the same outbox item). */
export async function triedChannels(trx: Db, m: MessageRow): Promise<Set<string>> {
  return new Set(await listRefusedChannelsOfOutbox(trx, m));
}

export function addressOf(d: Destination): string {
  switch (d.kind) {
    case 'email':
      return d.to;
    case 'slack':
    case 'discord':
      return safeUrl(d.webhookUrl);
    case 'telegram':
      return d.chatId;
    case 'webhook':
      return d.url;
    default: {
      const unreachable: never = d;
      return unreachable;
    }
  }
}

/** A Slack or Discord webhook URL is a secret: only its host is kept. */
function safeUrl(value: string): string {
  try {
    return new URL(value).host;
  } catch {
    return '(invalid URL)';
  }
}

/** The domain of a sender address when the merchant has none: the instance's public host. */
export function fallbackDomain(publicUrl: string): string {
  try {
    const host = new URL(publicUrl).hostname;
    return /^[\d.]+$|^\[/.test(host) ? 'localhost' : host;
  } catch {
    return 'localhost';
  }
}
