// Bounces (SPEC section 5): an address refused at send time (SMTP 5xx) or reported later (a DSN or
// a JSON notice posted to POST /v1/bounces) is marked undeliverable, no email goes to it again,
// the message falls back to another channel of the customer, and the merchant hears of it through
// `customer.email_bounced` and `message.bounced` (which feed outbound webhooks).
import {
  insertEmailSuppression,
  markCustomerChannelUndeliverable,
} from '../../adapters/db/channels.repo.ts';
import type { Db } from '../../adapters/db/connect.ts';
import { listCustomerIdsByEmail } from '../../adapters/db/customers.repo.ts';
import { recordEvent } from '../../adapters/db/events.repo.ts';
import { readMerchantNow } from '../../adapters/db/merchants.repo.ts';
import { lockBouncedEmail, updateMessage } from '../../adapters/db/messages.repo.ts';
import type { MessageRow } from '../../adapters/db/schema-messages.ts';
import { parseDeliveryReport } from '../../adapters/email/dsn.ts';
import { fail, ok, type Result } from '../result.ts';
import type { Services } from '../services.ts';
import { queueFallback } from './fallback.ts';
import { recordMessageEvent } from './message-events.ts';

export type BounceSource = 'smtp' | 'dsn' | 'api';

/** Marks an address undeliverable; tells the merchant once per address. Returns false if it already was. */
export async function suppressEmailAddress(
  trx: Db,
  input: {
    merchantId: string;
    address: string;
    reason: string;
    statusCode: string | null;
    source: BounceSource;
    messageId: string | null;
    at: Date;
  },
): Promise<boolean> {
  const address = input.address.trim().toLowerCase();
  const inserted = await insertEmailSuppression(trx, {
    merchant_id: input.merchantId,
    address,
    reason: input.reason,
    status_code: input.statusCode,
    source: input.source,
    message_id: input.messageId,
    suppressed_at: input.at,
  });
  if (!inserted) return false;
  const customerIds = await listCustomerIdsByEmail(trx, input.merchantId, address);
  for (const customerId of customerIds)
    await recordEvent(trx, {
      merchantId: input.merchantId,
      type: 'customer.email_bounced',
      occurredAt: input.at,
      data: {
        customer_id: customerId,
        email: address,
        reason: input.reason,
        status_code: input.statusCode,
        source: input.source,
        message_id: input.messageId,
      },
    });
  return true;
}

/** A chat or webhook destination that no longer exists (404/410, blocked bot) is not used again. */
export async function markChannelUndeliverable(
  trx: Db,
  m: MessageRow,
  reason: string,
  at: Date,
): Promise<void> {
  const changed = await markCustomerChannelUndeliverable(
    trx,
    { merchantId: m.merchant_id, customerId: m.customer_id, channel: m.channel },
    reason,
    at,
  );
  if (changed)
    await recordEvent(trx, {
      merchantId: m.merchant_id,
      type: 'customer.channel_undeliverable',
      occurredAt: at,
      data: { customer_id: m.customer_id, channel: m.channel, reason, message_id: m.message_id },
    });
}

// --- inbound notices: POST /v1/bounces ---------------------------------------------------------

export type BounceNotice =
  | {
      kind: 'json';
      email: string;
      /** hard: the address does not exist; complaint: the recipient refuses our mail;
       *  soft: a temporary failure; delivered: the receiving server confirmed delivery. */
      type: 'hard' | 'soft' | 'complaint' | 'delivered';
      messageId?: string | null;
      reason?: string | null;
    }
  | { kind: 'dsn'; raw: string; contentType?: string };

export type BounceOutcome = {
  email: string;
  outcome: 'suppressed' | 'already_suppressed' | 'delivered' | 'ignored';
  reason: string;
  messageId: string | null;
  fallbackMessageId: string | null;
};

type Notice = {
  address: string;
  type: 'hard' | 'soft' | 'complaint' | 'delivered';
  reason: string;
  statusCode: string | null;
  messageId: string | null;
  source: BounceSource;
};

export async function reportBounce(
  services: Services,
  merchantId: string,
  input: BounceNotice,
): Promise<Result<BounceOutcome[]>> {
  let notices: Notice[];
  if (input.kind === 'dsn') {
    const report = await parseDeliveryReport(input.raw, input.contentType).catch(() => null);
    if (!report || report.recipients.length === 0)
      return fail(
        'invalid_field',
        'the body is not a delivery status notification (RFC 3464 multipart/report with a message/delivery-status part naming a recipient)',
        'body',
      );
    const messageId = messageIdOf(report.originalMessageId);
    notices = report.recipients.map((r) => ({
      address: r.address,
      type: dsnType(r.action, r.status),
      reason: r.diagnostic ?? `${r.action}${r.status ? ` ${r.status}` : ''}`,
      statusCode: r.status,
      messageId,
      source: 'dsn',
    }));
  } else {
    notices = [
      {
        address: input.email.trim().toLowerCase(),
        type: input.type,
        reason: input.reason ?? `${input.type} bounce reported`,
        statusCode: null,
        messageId: input.messageId ?? null,
        source: 'api',
      },
    ];
  }
  return services.db.transaction().execute(async (trx) => {
    const at = await readMerchantNow(trx, merchantId, services.clock);
    const outcomes: BounceOutcome[] = [];
    for (const notice of notices)
      outcomes.push(await applyNotice(services, trx, merchantId, at, notice));
    return ok(outcomes);
  });
}

/** RFC 3464 section 2.3.3 and RFC 3463: failed with a 5.x.x status is permanent, 4.x.x is not. */
function dsnType(action: string, status: string | null): Notice['type'] {
  if (action === 'delivered' || action === 'relayed') return 'delivered';
  if (action === 'failed' && (status === null || status.startsWith('5'))) return 'hard';
  return 'soft';
}

/** Our message id from the Message-ID we set: `<msg_…@domain>`. */
function messageIdOf(header: string | null): string | null {
  return header ? (/^<(msg_[0-9a-z]+)@/.exec(header)?.[1] ?? null) : null;
}

async function applyNotice(
  services: Services,
  trx: Db,
  merchantId: string,
  at: Date,
  n: Notice,
): Promise<BounceOutcome> {
  const m = await findMessage(trx, merchantId, n);
  const base = { email: n.address, messageId: m?.message_id ?? null, fallbackMessageId: null };
  if (n.type === 'soft')
    return {
      ...base,
      outcome: 'ignored',
      reason: 'a temporary failure: the sending server retries it',
    };
  if (n.type === 'delivered') {
    if (m && m.status === 'sent') {
      await updateMessage(trx, merchantId, m.message_id, { status: 'delivered', delivered_at: at });
      await recordMessageEvent(trx, m, 'message.delivered', at, { source: n.source });
    }
    return { ...base, outcome: 'delivered', reason: 'delivery confirmed' };
  }
  const newly = await suppressEmailAddress(trx, {
    merchantId,
    address: n.address,
    reason: n.reason,
    statusCode: n.statusCode,
    source: n.source,
    messageId: m?.message_id ?? null,
    at,
  });
  let fallbackMessageId: string | null = null;
  if (m && (m.status === 'sent' || m.status === 'delivered')) {
    await updateMessage(trx, merchantId, m.message_id, {
      status: 'bounced',
      bounced_at: at,
      status_reason: n.reason,
    });
    await recordMessageEvent(trx, m, 'message.bounced', at, {
      reason: n.reason,
      status_code: n.statusCode,
      source: n.source,
    });
    fallbackMessageId = await queueFallback(
      trx,
      { ...m, status: 'bounced' },
      at,
      services.config.publicUrl,
    );
  }
  return {
    ...base,
    outcome: newly ? 'suppressed' : 'already_suppressed',
    reason: n.reason,
    fallbackMessageId,
  };
}

/** The message a notice is about: the one its Message-ID names, else the last email sent to the address. */
async function findMessage(
  trx: Db,
  merchantId: string,
  n: Notice,
): Promise<MessageRow | undefined> {
  return lockBouncedEmail(trx, merchantId, n.address, n.messageId);
}
