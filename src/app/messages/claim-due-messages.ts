// Claims due customer messages for one dispatcher, in one transaction:
// 1. queued or deferred messages whose time has come, or whose case has resolved meanwhile, are
//    leased first: they have waited longest (a message held by the cap goes before newer ones);
// 2. message rows of the outbox that fell due become `messages` rows (status queued), leased to
//    this dispatcher; the outbox row is marked delivered, the message row carries it from here.
// Rows are picked FOR UPDATE SKIP LOCKED, so concurrent dispatchers never take the same one; a
// dispatcher that dies loses its lease and the message is claimed again.
import type { Db } from '../../adapters/db/connect.ts';
import { findCaseStrategy } from '../../adapters/db/dunning-cases.repo.ts';
import {
  insertLeasedMessage,
  leaseMessages,
  lockDueMessageOutbox,
  lockWaitingMessages,
  markOutboxDelivered,
} from '../../adapters/db/messages.repo.ts';
import { newId } from '../ids.ts';

export type ClaimedMessage = { merchantId: string; messageId: string };

export type ClaimMessagesOptions = {
  workerId: string;
  limit: number;
  leaseMs: number;
  /** Wall-clock now; a test merchant's own clock decides what is due for it. */
  now: Date;
  merchantId?: string;
};

export async function claimDueMessages(db: Db, o: ClaimMessagesOptions): Promise<ClaimedMessage[]> {
  return db.transaction().execute(async (trx) => {
    const waiting = await leaseWaiting(trx, o);
    if (waiting.length >= o.limit) return waiting;
    return [...waiting, ...(await takeFromOutbox(trx, { ...o, limit: o.limit - waiting.length }))];
  });
}

async function leaseWaiting(trx: Db, o: ClaimMessagesOptions): Promise<ClaimedMessage[]> {
  const due = await lockWaitingMessages(trx, o);
  if (due.length === 0) return [];
  const leased = await leaseMessages(trx, due, { owner: o.workerId, leaseMs: o.leaseMs });
  const taken = new Set(leased.map((r) => `${r.merchant_id}/${r.message_id}`));
  // In the order they fell due (RETURNING keeps none).
  return due
    .filter((d) => taken.has(`${d.merchant_id}/${d.message_id}`))
    .map((d) => ({ merchantId: d.merchant_id, messageId: d.message_id }));
}

async function takeFromOutbox(trx: Db, o: ClaimMessagesOptions): Promise<ClaimedMessage[]> {
  const rows = await lockDueMessageOutbox(trx, o);
  const claimed: ClaimedMessage[] = [];
  for (const row of rows) {
    const p = row.payload as Record<string, unknown>;
    const caseRow = row.case_id
      ? await findCaseStrategy(trx, row.merchant_id, row.case_id)
      : undefined;
    const messageId = newId('msg');
    const {
      channel: _channel,
      template,
      bcc,
      customer_id,
      subscription_id,
      case_id: _caseId,
      step,
      intent,
      ...details
    } = p;
    await insertLeasedMessage(
      trx,
      {
        merchant_id: row.merchant_id,
        message_id: messageId,
        outbox_id: row.outbox_id,
        delivery: 0,
        case_id: row.case_id,
        subscription_id: typeof subscription_id === 'string' ? subscription_id : null,
        customer_id: String(customer_id),
        strategy_id: caseRow?.strategy_id ?? null,
        strategy_version: caseRow?.strategy_version ?? null,
        step: String(step ?? 'unknown'),
        template: String(template ?? 'unknown'),
        intent: String(intent ?? 'payment_failed'),
        hard_decline: step === 'hard_decline',
        bcc: bcc === true,
        details: JSON.stringify(details),
        // The channel is chosen when the message is sent; email is the default.
        channel: 'email',
        status: 'queued',
        dedupe_key: messageId,
        queued_at: row.available_at,
      },
      { owner: o.workerId, leaseMs: o.leaseMs },
    );
    await markOutboxDelivered(trx, row.merchant_id, row.outbox_id);
    claimed.push({ merchantId: row.merchant_id, messageId });
  }
  return claimed;
}
