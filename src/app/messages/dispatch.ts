// Delivers due customer messages. For each claimed message, three steps:
//   1. decide (one transaction): contact rules at the merchant's business time (cancel, defer or
//      go), pick the customer's channel, issue the update link and render once, then record the
//      attempt (attempts + 1 and an open message_attempts row) BEFORE the provider is called;
//   2. call the provider, outside any transaction;
//   3. settle (one transaction): sent / delivered / bounced / failed / retry later, with events.
//
// Guarantee: at least once to the provider, never lost. A message is claimed under a lease; a
// dispatcher that dies at any point leaves either no attempt (the message is simply claimed again)
// or an open attempt whose outcome is unknown, which is sent again once the lease ends. Every
// attempt of a message carries the same dedupe key — the email's Message-ID, the webhook's
// Idempotency-Key and webhook-id — so a resend after the provider had accepted it is the same
// message to the receiver, which shows it once. Slack, Discord and Telegram take no such key: only
// a process that dies between their answer and step 3 can make them show a message twice.

import { createChannels } from '../../adapters/channels/channels.ts';
import type {
  ChannelSet,
  Destination,
  OutgoingMessage,
  SendOutcome,
} from '../../adapters/channels/port.ts';
import type { Db } from '../../adapters/db/connect.ts';
import { findCustomer } from '../../adapters/db/customers.repo.ts';
import { findCase } from '../../adapters/db/dunning-cases.repo.ts';
import { getMerchant, readMerchantNow } from '../../adapters/db/merchants.repo.ts';
import {
  closeOpenMessageAttempts,
  finishMessageAttempt,
  insertMessageAttempt,
  listCustomerSendsSince,
  lockMessage,
  startMessageSend,
  updateMessage,
} from '../../adapters/db/messages.repo.ts';
import type { MessageRow } from '../../adapters/db/schema-messages.ts';
import type { MessageIntent } from '../../domain/case/message-intent.ts';
import {
  type CaseStatus,
  contactRulesOf,
  decideContact,
} from '../../domain/messages/contact-rules.ts';
import { merchantNow } from '../clock.ts';
import { outboundPolicy } from '../outbound-policy.ts';
import type { Services } from '../services.ts';
import { issueUpdateLink } from '../update-links/update-links.ts';
import { markChannelUndeliverable, suppressEmailAddress } from './bounces.ts';
import { claimDueMessages } from './claim-due-messages.ts';
import { planChannels } from './customer-channels.ts';
import { addressOf, fallbackDomain, queueFallback, triedChannels } from './fallback.ts';
import { recordMessageEvent } from './message-events.ts';
import { renderCaseMessage } from './templates/render-case-message.ts';

/** The template side's renderer (src/app/messages/templates); tests of this file's logic may pass another. */
export type RenderCaseMessage = typeof renderCaseMessage;

export type DispatchOptions = {
  limit: number;
  workerId: string;
  leaseMs: number;
  /** Only this merchant's messages (the test clock, tests). */
  merchantId?: string;
  /** Messages carried at once; keep 1 on PGlite (one connection). */
  concurrency?: number;
  /** Default: built once per Services from its config (SMTP_URL). */
  channels?: ChannelSet;
  render?: RenderCaseMessage;
  log?: (line: string) => void;
};

/** Provider errors worth another try are retried this many times in all, then the message fails. */
export const MAX_ATTEMPTS = 8;
const BACKOFF_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000];

/** Wait before attempt `attempt + 1` after a provider error: 1 min, 5 min, 30 min, 2 h, 6 h, then 12 h. */
export function retryDelayMs(attempt: number): number {
  return BACKOFF_MS[Math.min(Math.max(attempt, 1), BACKOFF_MS.length) - 1]!;
}

const channelSets = new WeakMap<object, ChannelSet>();
let storedNoticeShown = false;

/** Claims due messages and carries each as far as it goes now. Returns how many were claimed. */
export async function dispatchDueMessages(
  services: Services,
  options: DispatchOptions,
): Promise<number> {
  const ctx: Ctx = {
    services,
    db: services.db,
    workerId: options.workerId,
    leaseMs: options.leaseMs,
    channels: options.channels ?? channelsFor(services),
    render: options.render ?? renderCaseMessage,
    log: options.log ?? ((line) => process.stderr.write(`${line}\n`)),
  };
  const claimed = await claimDueMessages(services.db, {
    workerId: options.workerId,
    limit: options.limit,
    leaseMs: options.leaseMs,
    now: services.clock.now(),
    ...(options.merchantId ? { merchantId: options.merchantId } : {}),
  });
  let next = 0;
  const lane = async () => {
    while (next < claimed.length) {
      const item = claimed[next++]!;
      try {
        await deliver(ctx, item.merchantId, item.messageId);
      } catch (error) {
        // The message keeps its lease (and any open attempt) and is claimed again after it.
        ctx.log(
          `dunner messages: ${item.messageId} failed, retried after its lease: ${(error as Error).stack ?? error}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, lane));
  return claimed.length;
}

/** The channels of a Services object, built from its config once and reused (SMTP connections). */
export function channelsFor(services: Services): ChannelSet {
  let set = channelSets.get(services);
  if (!set) {
    set = createChannels({ smtpUrl: services.config.smtpUrl });
    channelSets.set(services, set);
  }
  return set;
}

type Ctx = {
  services: Services;
  db: Db;
  workerId: string;
  leaseMs: number;
  channels: ChannelSet;
  render: RenderCaseMessage;
  log: (line: string) => void;
};

type Prepared =
  | { kind: 'done' }
  | {
      kind: 'send';
      attempt: number;
      outgoing: OutgoingMessage;
      destination: Destination;
    };

async function deliver(ctx: Ctx, merchantId: string, messageId: string): Promise<void> {
  const prepared = await ctx.db
    .transaction()
    .execute((trx) => prepare(ctx, trx, merchantId, messageId));
  if (prepared.kind === 'done') return;
  const outcome = await sendThrough(ctx.channels, prepared.outgoing, prepared.destination);
  await ctx.db
    .transaction()
    .execute((trx) => settle(ctx, trx, merchantId, messageId, prepared.attempt, outcome));
}

function sendThrough(
  channels: ChannelSet,
  message: OutgoingMessage,
  destination: Destination,
): Promise<SendOutcome> {
  switch (destination.kind) {
    case 'email':
      if (!channels.email) throw new Error('no SMTP server configured');
      return channels.email.send(message, destination);
    case 'slack':
      return channels.slack.send(message, destination);
    case 'discord':
      return channels.discord.send(message, destination);
    case 'telegram':
      return channels.telegram.send(message, destination);
    case 'webhook':
      return channels.webhook.send(message, destination);
    default: {
      const unreachable: never = destination;
      return unreachable;
    }
  }
}

async function prepare(
  ctx: Ctx,
  trx: Db,
  merchantId: string,
  messageId: string,
): Promise<Prepared> {
  const m = await lockMessage(trx, merchantId, messageId);
  if (!m || (m.status !== 'queued' && m.status !== 'deferred') || m.lease_owner !== ctx.workerId)
    return { kind: 'done' };
  const merchant = await getMerchant(trx, merchantId);
  const at = merchantNow(merchant, ctx.services.clock);

  // An attempt left open was cut short after the provider may have taken it: its outcome is unknown.
  await closeOpenMessageAttempts(
    trx,
    merchantId,
    messageId,
    at,
    'no outcome recorded (the dispatcher stopped or lost its lease); sent again with the same dedupe key',
  );

  const caseRow = m.case_id ? await findCase(trx, merchantId, m.case_id) : undefined;
  const customer = await findCustomer(trx, merchantId, m.customer_id);
  const rules = contactRulesOf(merchant.settings);
  const decision = decideContact({
    now: at,
    timeZone: customer?.time_zone ?? 'UTC',
    rules,
    caseStatus: (caseRow?.status as CaseStatus | undefined) ?? null,
    step: m.step,
    intent: m.intent,
    recentSends: rules.cap ? await recentSends(trx, m, at, rules.cap.perDays) : [],
    deadline: linkDeadline(m),
  });
  if (decision.kind === 'cancel') {
    await update(trx, m, {
      status: 'canceled',
      canceled_at: at,
      status_reason: decision.why,
      ...released,
    });
    await recordMessageEvent(trx, m, 'message.canceled', at, {
      rule: decision.rule,
      why: decision.why,
    });
    return { kind: 'done' };
  }
  if (decision.kind === 'defer') {
    const changed = m.deferred_until?.getTime() !== decision.until.getTime();
    await update(trx, m, {
      status: 'deferred',
      deferred_until: decision.until,
      status_reason: decision.why,
      ...released,
    });
    if (changed)
      await recordMessageEvent(trx, m, 'message.deferred', at, {
        rule: decision.rule,
        why: decision.why,
        until: decision.until.toISOString(),
      });
    return { kind: 'done' };
  }

  // The channel: chosen before the first attempt; later attempts resend the same message there.
  const plan = await planChannels(trx, {
    merchantId,
    customerId: m.customer_id,
    merchant,
    bcc: m.bcc,
    fallbackFromDomain: fallbackDomain(ctx.services.config.publicUrl),
  });
  let route = plan.find((p) => p.channel === m.channel && p.destination);
  if (m.attempts === 0 && m.subject === null) {
    const tried = await triedChannels(trx, m);
    route = plan.find((p) => p.destination && !tried.has(p.channel));
    if (!route) {
      const why = `no channel can reach the customer${plan.length ? `: ${plan.map((p) => p.problem ?? `${p.channel} already tried`).join('; ')}` : ''}`;
      await update(trx, m, {
        status: 'failed',
        failed_at: at,
        status_reason: why,
        last_error: why,
        ...released,
      });
      await recordMessageEvent(trx, m, 'message.failed', at, { reason: why });
      return { kind: 'done' };
    }
  } else if (!route) {
    const problem =
      plan.find((p) => p.channel === m.channel)?.problem ?? `${m.channel} was removed`;
    await failAndFallBack(ctx, trx, m, at, `${m.channel} can no longer be used: ${problem}`);
    return { kind: 'done' };
  }
  const destination = route.destination!;
  const channel = route.channel;
  const to = addressOf(destination);

  // Render once, with its own update link; every attempt sends exactly this content.
  let content =
    m.subject === null
      ? null
      : { subject: m.subject, html: m.html_body ?? '', text: m.text_body ?? '' };
  let updateUrl = (m.details as { update_url?: string }).update_url ?? null;
  if (!content) {
    const expires = (m.details as { update_link_expires_at?: string | null })
      .update_link_expires_at;
    const link = await issueUpdateLink(trx, {
      merchantId,
      caseId: m.case_id!,
      messageId: m.message_id,
      at,
      publicUrl: ctx.services.config.publicUrl,
      ...(expires ? { expiresAt: new Date(expires) } : {}),
    });
    updateUrl = link.url;
    const rendered = await ctx.render(trx, {
      merchantId,
      caseId: m.case_id!,
      templateKey: m.template,
      // decideContact sent it on: the intent is one of MESSAGE_INTENTS.
      intent: m.intent as MessageIntent,
      details: m.details,
      updateUrl: link.url,
      updateLinkExpiresAt: link.expiresAt,
      channel: channel === 'email' ? 'email' : 'chat',
      at,
    });
    if (!rendered.ok) {
      const why = `the template ${m.template} could not be rendered: ${rendered.error.message}`;
      await update(trx, m, {
        channel,
        to_address: to,
        status: 'failed',
        failed_at: at,
        status_reason: why,
        last_error: why,
        ...released,
      });
      await recordMessageEvent(trx, { ...m, channel, to_address: to }, 'message.failed', at, {
        reason: why,
      });
      return { kind: 'done' };
    }
    content = rendered.value;
    await update(trx, m, {
      channel,
      to_address: to,
      from_address: destination.kind === 'email' ? destination.from : null,
      bcc_address: destination.kind === 'email' ? destination.bcc : null,
      subject: content.subject,
      html_body: content.html,
      text_body: content.text,
      update_link_id: link.linkId,
      details: JSON.stringify({ ...m.details, update_url: link.url }),
    });
  }
  const current = { ...m, channel, to_address: to };

  if (channel === 'email' && !ctx.channels.email) {
    if (!storedNoticeShown) {
      storedNoticeShown = true;
      ctx.log(
        'dunner messages: SMTP_URL is not set, so customer emails are stored, not sent; read them with GET /v1/messages or in the dashboard.',
      );
    }
    await update(trx, m, {
      status: 'stored',
      stored_at: at,
      status_reason: 'no SMTP server configured',
      ...released,
    });
    await recordMessageEvent(trx, current, 'message.stored', at);
    return { kind: 'done' };
  }

  const attempt = m.attempts + 1;
  // The provider gets a whole lease: no other dispatcher takes the message while it answers.
  await startMessageSend(trx, m.merchant_id, m.message_id, { attempt, leaseMs: ctx.leaseMs });
  await insertMessageAttempt(trx, {
    merchant_id: merchantId,
    message_id: messageId,
    attempt,
    channel,
    started_at: at,
  });
  return {
    kind: 'send',
    attempt,
    destination:
      destination.kind === 'email' && m.subject !== null
        ? storedEmail(m, destination)
        : destination,
    outgoing: {
      messageId,
      dedupeKey: m.dedupe_key,
      subject: content.subject,
      text: content.text,
      html: content.html,
      updateUrl,
      sentAt: ctx.services.clock.now(),
      allowLoopback: outboundPolicy(ctx.services.config, merchant.mode).allowLoopback,
      meta: {
        merchantId,
        customerId: m.customer_id,
        caseId: m.case_id,
        subscriptionId: m.subscription_id,
        step: m.step,
        intent: m.intent,
      },
    },
  };
}

async function settle(
  ctx: Ctx,
  trx: Db,
  merchantId: string,
  messageId: string,
  attempt: number,
  outcome: SendOutcome,
): Promise<void> {
  const m = await lockMessage(trx, merchantId, messageId);
  if (!m) return;
  const at = await readMerchantNow(trx, merchantId, ctx.services.clock);
  await finishMessageAttempt(trx, merchantId, messageId, attempt, {
    finished_at: at,
    outcome: outcome.kind,
    provider_id: outcome.kind === 'accepted' ? outcome.providerId : null,
    error: outcome.kind === 'accepted' ? null : outcome.reason,
  });
  if (m.status !== 'queued' && m.status !== 'deferred') return;
  // A late answer to an older attempt changes nothing unless it says the message went out.
  if (attempt !== m.attempts && outcome.kind !== 'accepted') return;

  switch (outcome.kind) {
    case 'accepted': {
      const confirmed = m.channel !== 'email';
      await update(trx, m, {
        status: confirmed ? 'delivered' : 'sent',
        sent_at: at,
        delivered_at: confirmed ? at : null,
        provider_id: outcome.providerId,
        status_reason: null,
        ...released,
      });
      await recordMessageEvent(trx, m, 'message.sent', at, { attempts: m.attempts });
      if (confirmed) await recordMessageEvent(trx, m, 'message.delivered', at);
      return;
    }
    case 'bounced': {
      await update(trx, m, {
        status: 'bounced',
        sent_at: at,
        bounced_at: at,
        status_reason: outcome.reason,
        last_error: outcome.reason,
        ...released,
      });
      await recordMessageEvent(trx, m, 'message.bounced', at, {
        reason: outcome.reason,
        status_code: outcome.statusCode,
        source: 'smtp',
      });
      if (m.to_address)
        await suppressEmailAddress(trx, {
          merchantId,
          address: m.to_address,
          reason: outcome.reason,
          statusCode: outcome.statusCode,
          source: 'smtp',
          messageId: m.message_id,
          at,
        });
      await queueFallback(trx, m, at, ctx.services.config.publicUrl);
      return;
    }
    case 'rejected': {
      if (outcome.gone) await markChannelUndeliverable(trx, m, outcome.reason, at);
      await failAndFallBack(ctx, trx, m, at, outcome.reason);
      return;
    }
    case 'failed': {
      if (m.attempts >= MAX_ATTEMPTS) {
        await failAndFallBack(
          ctx,
          trx,
          m,
          at,
          `gave up after ${m.attempts} attempts: ${outcome.reason}`,
        );
        return;
      }
      await update(trx, m, {
        retry_at: new Date(ctx.services.clock.now().getTime() + retryDelayMs(m.attempts)),
        last_error: outcome.reason,
        ...released,
      });
      return;
    }
    default: {
      const unreachable: never = outcome;
      return unreachable;
    }
  }
}

async function failAndFallBack(ctx: Ctx, trx: Db, m: MessageRow, at: Date, reason: string) {
  await update(trx, m, {
    status: 'failed',
    failed_at: at,
    status_reason: reason,
    last_error: reason,
    ...released,
  });
  await recordMessageEvent(trx, m, 'message.failed', at, { reason });
  await queueFallback(trx, m, at, ctx.services.config.publicUrl);
}

/** When this customer's other messages went out, inside the cap's window. */
async function recentSends(trx: Db, m: MessageRow, at: Date, perDays: number): Promise<Date[]> {
  const since = new Date(at.getTime() - perDays * 86_400_000);
  const rows = await listCustomerSendsSince(trx, m, since);
  return rows.map((r) => (r.sent_at ?? r.stored_at)!);
}

/** When the message's update link stops working, if the message says (hard-decline messages). */
function linkDeadline(m: MessageRow): Date | null {
  const raw = (m.details as { update_link_expires_at?: unknown }).update_link_expires_at;
  if (typeof raw !== 'string') return null;
  const at = new Date(raw);
  return Number.isNaN(at.getTime()) ? null : at;
}

async function update(
  trx: Db,
  m: MessageRow,
  set: Parameters<typeof updateMessage>[3],
): Promise<void> {
  await updateMessage(trx, m.merchant_id, m.message_id, set);
}

const released = { lease_owner: null, lease_until: null } as const;

/** Once rendered, an email is resent from what was stored: same sender, same BCC. */
function storedEmail(m: MessageRow, planned: Extract<Destination, { kind: 'email' }>): Destination {
  return {
    kind: 'email',
    to: m.to_address ?? planned.to,
    from: m.from_address ?? planned.from,
    bcc: m.bcc_address,
  };
}
