// Every state change records its event and, in the same transaction, the outbox rows that
// carry it out of the process (webhooks now; customer messages through queueMessage).
import type { Db } from './connect.ts';

export type EventInput = {
  merchantId: string;
  type: string;
  occurredAt: Date;
  subscriptionId?: string | null;
  caseId?: string | null;
  data?: Record<string, unknown>;
};

export async function recordEvent(trx: Db, e: EventInput): Promise<number> {
  const payload = {
    type: e.type,
    subscription_id: e.subscriptionId ?? null,
    case_id: e.caseId ?? null,
    ...e.data,
  };
  const { event_id } = await trx
    .insertInto('events')
    .values({
      merchant_id: e.merchantId,
      type: e.type,
      subscription_id: e.subscriptionId ?? null,
      case_id: e.caseId ?? null,
      data: JSON.stringify(e.data ?? {}),
      occurred_at: e.occurredAt,
    })
    .returning('event_id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('outbox')
    .values({
      merchant_id: e.merchantId,
      topic: 'webhook',
      event_id,
      case_id: e.caseId ?? null,
      dedupe_key: `evt_${event_id}`,
      payload: JSON.stringify({ ...payload, event_id, occurred_at: e.occurredAt.toISOString() }),
      available_at: e.occurredAt,
    })
    .execute();
  return event_id;
}

export type MessageIntent = {
  merchantId: string;
  caseId: string;
  subscriptionId: string;
  customerId: string;
  template: string;
  bcc: boolean;
  /** Stable per case and step, so a re-run step never queues the same message twice. */
  dedupeKey: string;
  step: string;
  at: Date;
  /** What the message asks the customer to do (new card, authenticate, …). */
  intent?: string;
  /** Extra fields for the message, e.g. when its update link stops working. */
  details?: Record<string, unknown>;
};

/** Queues a customer message in the outbox and records `message.queued`. Returns false if already queued. */
export async function queueMessage(trx: Db, m: MessageIntent): Promise<boolean> {
  const inserted = await trx
    .insertInto('outbox')
    .values({
      merchant_id: m.merchantId,
      topic: 'message',
      event_id: null,
      case_id: m.caseId,
      dedupe_key: m.dedupeKey,
      payload: JSON.stringify({
        channel: 'email',
        template: m.template,
        bcc: m.bcc,
        customer_id: m.customerId,
        subscription_id: m.subscriptionId,
        case_id: m.caseId,
        step: m.step,
        intent: m.intent ?? 'payment_failed',
        ...m.details,
      }),
      available_at: m.at,
    })
    .onConflict((oc) => oc.columns(['merchant_id', 'dedupe_key']).doNothing())
    .returning('outbox_id')
    .executeTakeFirst();
  if (!inserted) return false;
  await recordEvent(trx, {
    merchantId: m.merchantId,
    type: 'message.queued',
    occurredAt: m.at,
    subscriptionId: m.subscriptionId,
    caseId: m.caseId,
    data: {
      template: m.template,
      intent: m.intent ?? 'payment_failed',
      step: m.step,
      channel: 'email',
      outbox_id: inserted.outbox_id,
    },
  });
  return true;
}

/** A resolved case sends nothing more: undelivered messages queued for it are canceled. */
export async function cancelPendingMessages(
  trx: Db,
  merchantId: string,
  caseId: string,
  at: Date,
): Promise<void> {
  await trx
    .updateTable('outbox')
    .set({ canceled_at: at })
    .where('merchant_id', '=', merchantId)
    .where('case_id', '=', caseId)
    .where('topic', '=', 'message')
    .where('delivered_at', 'is', null)
    .where('canceled_at', 'is', null)
    .execute();
}
