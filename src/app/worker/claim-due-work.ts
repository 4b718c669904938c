// Claims due work for one worker: rows are picked with FOR UPDATE SKIP LOCKED, so concurrent
// workers never wait on or take the same row, and leased until the lease ends (a worker killed
// mid-batch loses its lease, and the row becomes claimable again).
import { sql } from 'kysely';
import type { Db } from '../../adapters/db/connect.ts';

export type DueItem = { kind: 'case' | 'renewal'; merchantId: string; id: string };

export type ClaimOptions = {
  workerId: string;
  limit: number;
  leaseMs: number;
  /** Business time for live merchants; a test merchant's own clock decides what is due for it. */
  now: Date;
  merchantId?: string;
};

export async function claimDueCases(db: Db, o: ClaimOptions): Promise<DueItem[]> {
  const rows = await db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('dunning_cases as c')
      .innerJoin('merchants as m', 'm.merchant_id', 'c.merchant_id')
      .select(['c.merchant_id', 'c.case_id'])
      .where('c.status', '=', 'open')
      .where('c.next_action_at', '<=', sql<Date>`coalesce(m.test_clock_at, ${o.now})`)
      .where((eb) =>
        eb.or([eb('c.lease_until', 'is', null), eb('c.lease_until', '<', sql<Date>`now()`)]),
      )
      .$if(o.merchantId !== undefined, (qb) => qb.where('c.merchant_id', '=', o.merchantId!))
      .orderBy('c.next_action_at')
      .limit(o.limit)
      .forUpdate('c')
      .skipLocked()
      .execute();
    if (due.length === 0) return [];
    return trx
      .updateTable('dunning_cases')
      .set({
        lease_owner: o.workerId,
        lease_until: sql<Date>`now() + ${`${o.leaseMs} milliseconds`}::interval`,
      })
      .where((eb) =>
        eb(
          eb.refTuple('merchant_id', 'case_id'),
          'in',
          due.map((d) => eb.tuple(d.merchant_id, d.case_id)),
        ),
      )
      .returning(['merchant_id', 'case_id'])
      .execute();
  });
  return rows.map((r) => ({ kind: 'case', merchantId: r.merchant_id, id: r.case_id }));
}

export async function claimDueRenewals(db: Db, o: ClaimOptions): Promise<DueItem[]> {
  const rows = await db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('subscriptions as s')
      .innerJoin('merchants as m', 'm.merchant_id', 's.merchant_id')
      .select(['s.merchant_id', 's.subscription_id'])
      .where('s.next_renewal_at', '<=', sql<Date>`coalesce(m.test_clock_at, ${o.now})`)
      .where((eb) =>
        eb.or([eb('s.lease_until', 'is', null), eb('s.lease_until', '<', sql<Date>`now()`)]),
      )
      .$if(o.merchantId !== undefined, (qb) => qb.where('s.merchant_id', '=', o.merchantId!))
      .orderBy('s.next_renewal_at')
      .limit(o.limit)
      .forUpdate('s')
      .skipLocked()
      .execute();
    if (due.length === 0) return [];
    return trx
      .updateTable('subscriptions')
      .set({
        lease_owner: o.workerId,
        lease_until: sql<Date>`now() + ${`${o.leaseMs} milliseconds`}::interval`,
      })
      .where((eb) =>
        eb(
          eb.refTuple('merchant_id', 'subscription_id'),
          'in',
          due.map((d) => eb.tuple(d.merchant_id, d.subscription_id)),
        ),
      )
      .returning(['merchant_id', 'subscription_id'])
      .execute();
  });
  return rows.map((r) => ({ kind: 'renewal', merchantId: r.merchant_id, id: r.subscription_id }));
}
