// Dunning cases as use cases outside the engine read and lock them.
import { sql, type UpdateObject } from 'kysely';
import type { Db } from './connect.ts';
import type { CaseRow, Database } from './schema.ts';

/** The subscription's open case (at most one), locked for the rest of the transaction. */
export async function lockOpenCaseOfSubscription(
  db: Db,
  merchantId: string,
  subscriptionId: string,
): Promise<CaseRow | undefined> {
  return db
    .selectFrom('dunning_cases')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('subscription_id', '=', subscriptionId)
    .where('status', '=', 'open')
    .forUpdate()
    .executeTakeFirst();
}

/** The id of the subscription's open case, without locking it. */
export async function findOpenCaseIdOfSubscription(
  db: Db,
  merchantId: string,
  subscriptionId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('dunning_cases')
    .select('case_id')
    .where('merchant_id', '=', merchantId)
    .where('subscription_id', '=', subscriptionId)
    .where('status', '=', 'open')
    .executeTakeFirst();
  return row?.case_id;
}

/** Every open case that charges this payment method, locked. */
export async function lockOpenCasesOfPaymentMethod(
  db: Db,
  merchantId: string,
  paymentMethodId: string,
): Promise<CaseRow[]> {
  return db
    .selectFrom('dunning_cases')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('payment_method_id', '=', paymentMethodId)
    .where('status', '=', 'open')
    .forUpdate()
    .execute();
}

export async function findCase(
  db: Db,
  merchantId: string,
  caseId: string,
): Promise<CaseRow | undefined> {
  return db
    .selectFrom('dunning_cases')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('case_id', '=', caseId)
    .executeTakeFirst();
}

export async function getCaseStatus(
  db: Db,
  merchantId: string,
  caseId: string,
): Promise<CaseRow['status']> {
  const row = await db
    .selectFrom('dunning_cases')
    .select('status')
    .where('merchant_id', '=', merchantId)
    .where('case_id', '=', caseId)
    .executeTakeFirstOrThrow();
  return row.status;
}

export async function updateCaseColumns(
  db: Db,
  merchantId: string,
  caseId: string,
  set: UpdateObject<Database, 'dunning_cases'>,
): Promise<void> {
  await db
    .updateTable('dunning_cases')
    .set(set)
    .where('merchant_id', '=', merchantId)
    .where('case_id', '=', caseId)
    .execute();
}

/** What decides whether a case's update link still works: its subscription and merchant clock. */
export async function findCaseLinkFacts(db: Db, merchantId: string, caseId: string) {
  return db
    .selectFrom('dunning_cases as c')
    .innerJoin('subscriptions as s', (j) =>
      j
        .onRef('s.merchant_id', '=', 'c.merchant_id')
        .onRef('s.subscription_id', '=', 'c.subscription_id'),
    )
    .innerJoin('merchants as m', 'm.merchant_id', 'c.merchant_id')
    .select([
      's.state',
      's.grace_days',
      's.past_due_since',
      'c.last_decline_at',
      'c.hard_declined_at',
      'c.opened_at',
      'm.test_clock_at',
    ])
    .where('c.merchant_id', '=', merchantId)
    .where('c.case_id', '=', caseId)
    .executeTakeFirst();
}

export type CaseListRow = CaseRow & { customer_id: string };

export type CaseListFilters = {
  status?: CaseRow['status'];
  category?: NonNullable<CaseRow['last_category']>;
  strategyId?: string;
  subscriptionId?: string;
  currency?: string;
  minAmountMinor?: number;
  maxAmountMinor?: number;
  openedAfter?: Date;
  openedBefore?: Date;
};

/** Where a page of cases resumes: the cursor case's opening time and id. */
export async function findCaseCursor(db: Db, merchantId: string, caseId: string) {
  return db
    .selectFrom('dunning_cases')
    .select(['opened_at', 'case_id'])
    .where('merchant_id', '=', merchantId)
    .where('case_id', '=', caseId)
    .executeTakeFirst();
}

/** Newest first, with each case's customer, `limit` rows after the cursor. */
export async function listCasePage(
  db: Db,
  merchantId: string,
  f: CaseListFilters,
  cursor: { opened_at: Date; case_id: string } | undefined,
  limit: number,
): Promise<CaseListRow[]> {
  return db
    .selectFrom('dunning_cases as c')
    .innerJoin('subscriptions as s', (j) =>
      j
        .onRef('s.merchant_id', '=', 'c.merchant_id')
        .onRef('s.subscription_id', '=', 'c.subscription_id'),
    )
    .selectAll('c')
    .select('s.customer_id')
    .where('c.merchant_id', '=', merchantId)
    .$if(f.status !== undefined, (q) => q.where('c.status', '=', f.status!))
    .$if(f.category !== undefined, (q) => q.where('c.last_category', '=', f.category!))
    .$if(f.strategyId !== undefined, (q) => q.where('c.strategy_id', '=', f.strategyId!))
    .$if(f.subscriptionId !== undefined, (q) =>
      q.where('c.subscription_id', '=', f.subscriptionId!),
    )
    .$if(f.currency !== undefined, (q) => q.where('c.currency', '=', f.currency!))
    .$if(f.minAmountMinor !== undefined, (q) =>
      q.where('c.amount_due_minor', '>=', f.minAmountMinor!),
    )
    .$if(f.maxAmountMinor !== undefined, (q) =>
      q.where('c.amount_due_minor', '<=', f.maxAmountMinor!),
    )
    .$if(f.openedAfter !== undefined, (q) => q.where('c.opened_at', '>=', f.openedAfter!))
    .$if(f.openedBefore !== undefined, (q) => q.where('c.opened_at', '<', f.openedBefore!))
    .$if(cursor !== undefined, (q) =>
      q.where((eb) =>
        eb(
          eb.refTuple('c.opened_at', 'c.case_id'),
          '<',
          eb.tuple(cursor!.opened_at, cursor!.case_id),
        ),
      ),
    )
    .orderBy('c.opened_at', 'desc')
    .orderBy('c.case_id', 'desc')
    .limit(limit)
    .execute();
}

/** One case with its subscription's customer. */
export async function findCaseWithCustomer(
  db: Db,
  merchantId: string,
  caseId: string,
): Promise<CaseListRow | undefined> {
  return db
    .selectFrom('dunning_cases as c')
    .innerJoin('subscriptions as s', (j) =>
      j
        .onRef('s.merchant_id', '=', 'c.merchant_id')
        .onRef('s.subscription_id', '=', 'c.subscription_id'),
    )
    .selectAll('c')
    .select('s.customer_id')
    .where('c.merchant_id', '=', merchantId)
    .where('c.case_id', '=', caseId)
    .executeTakeFirst();
}

/**
 * Holds the case for an attempt the caller is about to send: no worker retry charges it while
 * the lease (a PostgreSQL interval such as '5 minutes') runs.
 */
export async function holdCaseForAttempt(
  db: Db,
  merchantId: string,
  caseId: string,
  hold: { attemptId: string; leaseOwner: string; lease: string; retriesMade?: number },
): Promise<void> {
  await db
    .updateTable('dunning_cases')
    .set({
      pending_attempt_id: hold.attemptId,
      ...(hold.retriesMade !== undefined ? { retries_made: hold.retriesMade } : {}),
      lease_owner: hold.leaseOwner,
      lease_until: sql<Date>`now() + ${hold.lease}::interval`,
      updated_at: new Date(),
    })
    .where('merchant_id', '=', merchantId)
    .where('case_id', '=', caseId)
    .execute();
}

/** The strategy version a case runs. */
export async function findCaseStrategy(db: Db, merchantId: string, caseId: string) {
  return db
    .selectFrom('dunning_cases')
    .select(['strategy_id', 'strategy_version'])
    .where('merchant_id', '=', merchantId)
    .where('case_id', '=', caseId)
    .executeTakeFirst();
}

/** The merchant's most recently opened case. */
export async function findLatestCase(db: Db, merchantId: string): Promise<CaseRow | undefined> {
  return db
    .selectFrom('dunning_cases')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .orderBy('opened_at', 'desc')
    .orderBy('case_id', 'desc')
    .limit(1)
    .executeTakeFirst();
}
