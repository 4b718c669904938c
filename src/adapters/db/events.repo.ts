// Every state change records its event and, in the same transaction and statement, the outbox
// rows that carry it out of the process (webhooks, when an endpoint would receive it; customer
// messages through queueMessage).
import type { Db } from './connect.ts';
import { addEvent, addMessage, flushUnit, newUnit } from './unit-of-work.ts';

export type EventInput = {
  merchantId: string;
  type: string;
  occurredAt: Date;
  subscriptionId?: string | null;
  caseId?: string | null;
  data?: Record<string, unknown>;
};

/** One event and its webhook outbox row if any, in one statement (see unit-of-work.ts). */
export async function recordEvent(trx: Db, e: EventInput): Promise<void> {
  const u = newUnit();
  addEvent(u, e);
  await flushUnit(trx, u);
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

/** Queues a customer message in the outbox and records `message.queued`, unless already queued. */
export async function queueMessage(trx: Db, m: MessageIntent): Promise<void> {
  const u = newUnit();
  addMessage(u, m);
  await flushUnit(trx, u);
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
