// Dunning cases as use cases outside the engine read and lock them.
import type { UpdateObject } from 'kysely';
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
      'c.opened_at',
      'm.test_clock_at',
    ])
    .where('c.merchant_id', '=', merchantId)
    .where('c.case_id', '=', caseId)
    .executeTakeFirst();
}
