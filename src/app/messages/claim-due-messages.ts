// Claims due customer messages for one dispatcher, in one transaction:
// 1. queued or deferred messages whose time has come, or whose case has resolved meanwhile, are
//    leased first: they have waited longest (a message held by the cap goes before newer ones);
// 2. message rows of the outbox that fell due become `messages` rows (status queued), leased to
//    this dispatcher; the outbox row is marked delivered, the message row carries it from here.
// Rows are picked FOR UPDATE SKIP LOCKED, so concurrent dispatchers never take the same one; a
// dispatcher that dies loses its lease and the message is claimed again.
import { sql } from 'kysely';
import type { Db } from '../../adapters/db/connect.ts';
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
  const due = await trx
    .selectFrom('messages as g')
    .innerJoin('merchants as mm', 'mm.merchant_id', 'g.merchant_id')
    .leftJoin('dunning_cases as c', (join) =>
      join.onRef('c.merchant_id', '=', 'g.merchant_id').onRef('c.case_id', '=', 'g.case_id'),
    )
    .select(['g.merchant_id', 'g.message_id'])
    .where('g.status', 'in', ['queued', 'deferred'])
    .where((eb) =>
      eb.or([
        eb.and([
          eb.or([
            eb('g.deferred_until', 'is', null),
            eb('g.deferred_until', '<=', sql<Date>`coalesce(mm.test_clock_at, ${o.now})`),
          ]),
          eb.or([eb('g.retry_at', 'is', null), eb('g.retry_at', '<=', o.now)]),
        ]),
        // A case that resolved cancels its waiting messages now, not when they fall due.
        eb('c.status', 'in', ['recovered', 'stopped']),
        eb.and([eb('c.status', 'in', ['canceled', 'unpaid']), eb('g.step', '<>', 'final')]),
      ]),
    )
    .where((eb) =>
      eb.or([eb('g.lease_until', 'is', null), eb('g.lease_until', '<', sql<Date>`now()`)]),
    )
    .$if(o.merchantId !== undefined, (qb) => qb.where('g.merchant_id', '=', o.merchantId!))
    .orderBy(sql`coalesce(g.deferred_until, g.queued_at)`)
    .limit(o.limit)
    .forUpdate('g')
    .skipLocked()
    .execute();
  if (due.length === 0) return [];
  const leased = await trx
    .updateTable('messages')
    .set({ lease_owner: o.workerId, lease_until: leaseUntil(o.leaseMs) })
    .where((eb) =>
      eb(
        eb.refTuple('merchant_id', 'message_id'),
        'in',
        due.map((d) => eb.tuple(d.merchant_id, d.message_id)),
      ),
    )
    .returning(['merchant_id', 'message_id'])
    .execute();
  const taken = new Set(leased.map((r) => `${r.merchant_id}/${r.message_id}`));
  // In the order they fell due (RETURNING keeps none).
  return due
    .filter((d) => taken.has(`${d.merchant_id}/${d.message_id}`))
    .map((d) => ({ merchantId: d.merchant_id, messageId: d.message_id }));
}

async function takeFromOutbox(trx: Db, o: ClaimMessagesOptions): Promise<ClaimedMessage[]> {
  const rows = await trx
    .selectFrom('outbox as ob')
    .innerJoin('merchants as mm', 'mm.merchant_id', 'ob.merchant_id')
    .select(['ob.merchant_id', 'ob.outbox_id', 'ob.case_id', 'ob.payload', 'ob.available_at'])
    .where('ob.topic', '=', 'message')
    .where('ob.delivered_at', 'is', null)
    .where('ob.canceled_at', 'is', null)
    .where('ob.available_at', '<=', sql<Date>`coalesce(mm.test_clock_at, ${o.now})`)
    .$if(o.merchantId !== undefined, (qb) => qb.where('ob.merchant_id', '=', o.merchantId!))
    .orderBy('ob.available_at')
    .limit(o.limit)
    .forUpdate('ob')
    .skipLocked()
    .execute();
  const claimed: ClaimedMessage[] = [];
  for (const row of rows) {
    const p = row.payload as Record<string, unknown>;
    const caseRow = row.case_id
      ? await trx
          .selectFrom('dunning_cases')
          .select(['strategy_id', 'strategy_version'])
          .where('merchant_id', '=', row.merchant_id)
          .where('case_id', '=', row.case_id)
          .executeTakeFirst()
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
    await trx
      .insertInto('messages')
      .values({
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
        lease_owner: o.workerId,
        lease_until: leaseUntil(o.leaseMs),
      })
      .execute();
    await trx
      .updateTable('outbox')
      .set({ delivered_at: sql<Date>`now()` })
      .where('merchant_id', '=', row.merchant_id)
      .where('outbox_id', '=', row.outbox_id)
      .execute();
    claimed.push({ merchantId: row.merchant_id, messageId });
  }
  return claimed;
}

function leaseUntil(leaseMs: number) {
  return sql<Date>`now() + ${`${leaseMs} milliseconds`}::interval`;
}
