// What the engine reads for a batch, one statement per kind of row whatever the batch size.
// Keys travel as parallel text arrays (unnest) so every statement is routed by merchant_id.
import { sql } from 'kysely';
import type { StrategyDefinition } from '../../domain/strategy/strategy.ts';
import type { Db } from './connect.ts';
import type { AttemptRow, CaseRow, PaymentMethodRow, SubscriptionRow } from './schema.ts';

export type Key = { merchantId: string; id: string };
export type ClaimedItem = {
  merchantId: string;
  id: string;
  subscriptionId: string;
  /** The merchant's test clock when the item was claimed; null for a live merchant. */
  clockAt: Date | null;
};

export type ClaimOptions = {
  workerId: string;
  limit: number;
  leaseMs: number;
  /** Business time for live merchants; a test merchant's own clock decides what is due for it. */
  now: Date;
  merchantId?: string;
};

const merchantsOf = (keys: readonly Key[]) => keys.map((k) => k.merchantId);
const idsOf = (keys: readonly Key[]) => keys.map((k) => k.id);
const scope = (o: ClaimOptions, alias: string) =>
  o.merchantId === undefined
    ? sql``
    : sql`AND ${sql.ref(`${alias}.merchant_id`)} = ${o.merchantId}`;
const interval = (ms: number) => `${ms} milliseconds`;

/**
 * Claims due open cases in one statement: picked with FOR UPDATE SKIP LOCKED (so concurrent
 * workers never wait on or take the same row) and leased until the lease ends.
 */
export async function claimDueCases(db: Db, o: ClaimOptions): Promise<ClaimedItem[]> {
  const { rows } = await sql<{
    merchant_id: string;
    case_id: string;
    subscription_id: string;
    clock_at: Date | null;
  }>`WITH due AS (
      SELECT c.merchant_id, c.case_id, m.test_clock_at FROM dunning_cases c
      JOIN merchants m ON m.merchant_id = c.merchant_id
      WHERE c.status = 'open' AND c.next_action_at <= coalesce(m.test_clock_at, ${o.now})
        AND (c.lease_until IS NULL OR c.lease_until < now()) ${scope(o, 'c')}
      ORDER BY c.next_action_at LIMIT ${o.limit}
      FOR UPDATE OF c SKIP LOCKED)
    UPDATE dunning_cases t SET lease_owner = ${o.workerId}, lease_until = now() + ${interval(o.leaseMs)}::interval
    FROM due WHERE t.merchant_id = due.merchant_id AND t.case_id = due.case_id
    RETURNING t.merchant_id, t.case_id, t.subscription_id, t.next_action_at, due.test_clock_at AS clock_at`.execute(
    db,
  );
  return rows.map((r) => ({
    merchantId: r.merchant_id,
    id: r.case_id,
    subscriptionId: r.subscription_id,
    clockAt: r.clock_at,
  }));
}

/** Claims subscriptions whose renewal is due, as claimDueCases does for cases. */
export async function claimDueRenewals(db: Db, o: ClaimOptions): Promise<ClaimedItem[]> {
  const { rows } = await sql<{
    merchant_id: string;
    subscription_id: string;
    clock_at: Date | null;
  }>`WITH due AS (
      SELECT s.merchant_id, s.subscription_id, m.test_clock_at FROM subscriptions s
      JOIN merchants m ON m.merchant_id = s.merchant_id
      WHERE s.next_renewal_at <= coalesce(m.test_clock_at, ${o.now})
        AND (s.lease_until IS NULL OR s.lease_until < now()) ${scope(o, 's')}
      ORDER BY s.next_renewal_at LIMIT ${o.limit}
      FOR UPDATE OF s SKIP LOCKED)
    UPDATE subscriptions t SET lease_owner = ${o.workerId}, lease_until = now() + ${interval(o.leaseMs)}::interval
    FROM due WHERE t.merchant_id = due.merchant_id AND t.subscription_id = due.subscription_id
    RETURNING t.merchant_id, t.subscription_id, due.test_clock_at AS clock_at`.execute(db);
  return rows.map((r) => ({
    merchantId: r.merchant_id,
    id: r.subscription_id,
    subscriptionId: r.subscription_id,
    clockAt: r.clock_at,
  }));
}

/** Locks subscriptions in key order (so two batches never wait on each other in a cycle). */
export async function lockSubscriptions(trx: Db, keys: readonly Key[]): Promise<SubscriptionRow[]> {
  if (keys.length === 0) return [];
  const { rows } = await sql<SubscriptionRow>`SELECT s.* FROM subscriptions s
    JOIN unnest(${merchantsOf(keys)}::text[], ${idsOf(keys)}::text[]) AS k(merchant_id, id)
      ON s.merchant_id = k.merchant_id AND s.subscription_id = k.id
    ORDER BY s.merchant_id, s.subscription_id FOR UPDATE OF s`.execute(trx);
  return rows;
}

/** Locks the cases this worker still holds the lease of; the others were taken over. */
export async function lockLeasedCases(
  trx: Db,
  keys: readonly Key[],
  workerId: string,
): Promise<CaseRow[]> {
  if (keys.length === 0) return [];
  const { rows } = await sql<CaseRow>`SELECT c.* FROM dunning_cases c
    JOIN unnest(${merchantsOf(keys)}::text[], ${idsOf(keys)}::text[]) AS k(merchant_id, id)
      ON c.merchant_id = k.merchant_id AND c.case_id = k.id
    WHERE c.lease_owner = ${workerId}
    ORDER BY c.merchant_id, c.case_id FOR UPDATE OF c`.execute(trx);
  return rows;
}

/** The open case of each subscription, locked (after its subscription). */
export async function lockOpenCasesOf(trx: Db, subs: readonly Key[]): Promise<CaseRow[]> {
  if (subs.length === 0) return [];
  const { rows } = await sql<CaseRow>`SELECT c.* FROM dunning_cases c
    JOIN unnest(${merchantsOf(subs)}::text[], ${idsOf(subs)}::text[]) AS k(merchant_id, id)
      ON c.merchant_id = k.merchant_id AND c.subscription_id = k.id
    WHERE c.status = 'open'
    ORDER BY c.merchant_id, c.case_id FOR UPDATE OF c`.execute(trx);
  return rows;
}

/** Group members of these subscriptions (primaries), locked after their primary. */
export async function lockGroupMembers(
  trx: Db,
  primaries: readonly Key[],
): Promise<SubscriptionRow[]> {
  if (primaries.length === 0) return [];
  const { rows } = await sql<SubscriptionRow>`SELECT s.* FROM subscriptions s
    JOIN unnest(${merchantsOf(primaries)}::text[], ${idsOf(primaries)}::text[]) AS k(merchant_id, id)
      ON s.merchant_id = k.merchant_id AND s.primary_subscription_id = k.id
    ORDER BY s.merchant_id, s.subscription_id FOR UPDATE OF s`.execute(trx);
  return rows;
}

/**
 * Serializes decisions on each payment credential across workers until the transaction ends,
 * so the network caps hold (SPEC section 4). Sorted, so two batches never wait in a cycle.
 */
export async function lockCredentials(trx: Db, keys: readonly string[]): Promise<void> {
  const sorted = [...new Set(keys)].sort();
  if (sorted.length === 0) return;
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(${sorted}::text[]) AS k`.execute(
    trx,
  );
}

export type MerchantFacts = {
  merchant_id: string;
  mode: 'test' | 'live';
  test_clock_at: Date | null;
  settings: Record<string, unknown>;
};

export async function loadMerchants(trx: Db, ids: readonly string[]): Promise<MerchantFacts[]> {
  if (ids.length === 0) return [];
  return trx
    .selectFrom('merchants')
    .select(['merchant_id', 'mode', 'test_clock_at', 'settings'])
    .where('merchant_id', '=', sql<string>`ANY(${[...new Set(ids)]}::text[])`)
    .execute();
}

export async function loadPaymentMethods(
  trx: Db,
  keys: readonly Key[],
): Promise<PaymentMethodRow[]> {
  if (keys.length === 0) return [];
  const { rows } = await sql<PaymentMethodRow>`SELECT p.* FROM payment_methods p
    JOIN unnest(${merchantsOf(keys)}::text[], ${idsOf(keys)}::text[]) AS k(merchant_id, id)
      ON p.merchant_id = k.merchant_id AND p.payment_method_id = k.id`.execute(trx);
  return rows;
}

export type SubscriberFacts = {
  merchant_id: string;
  subscription_id: string;
  customer_id: string;
  time_zone: string;
  payment_times: Date[];
};

/** The customer of each subscription: time zone and latest successful payments. */
export async function loadSubscribers(trx: Db, subs: readonly Key[]): Promise<SubscriberFacts[]> {
  if (subs.length === 0) return [];
  const { rows } = await sql<SubscriberFacts>`SELECT s.merchant_id, s.subscription_id,
      c.customer_id, c.time_zone, c.payment_times
    FROM unnest(${merchantsOf(subs)}::text[], ${idsOf(subs)}::text[]) AS k(merchant_id, id)
    JOIN subscriptions s ON s.merchant_id = k.merchant_id AND s.subscription_id = k.id
    JOIN customers c ON c.merchant_id = s.merchant_id AND c.customer_id = s.customer_id`.execute(
    trx,
  );
  // Array elements arrive as strings on some drivers.
  return rows.map((r) => ({ ...r, payment_times: r.payment_times.map((t) => new Date(t)) }));
}

export type CredentialAttemptRow = Pick<
  AttemptRow,
  | 'merchant_id'
  | 'credential'
  | 'requested_at'
  | 'status'
  | 'amount_minor'
  | 'category'
  | 'visa_category'
  | 'advice'
  | 'max_representments'
  | 'representment_window_days'
>;

/** Every attempt on these credentials, pending ones included (they are reattempts in flight). */
export async function loadCredentialAttempts(
  trx: Db,
  keys: readonly { merchantId: string; credential: string }[],
): Promise<CredentialAttemptRow[]> {
  if (keys.length === 0) return [];
  const { rows } = await sql<CredentialAttemptRow>`SELECT a.merchant_id, a.credential,
      a.requested_at, a.status, a.amount_minor, a.category, a.visa_category, a.advice,
      a.max_representments, a.representment_window_days
    FROM unnest(${keys.map((k) => k.merchantId)}::text[], ${keys.map((k) => k.credential)}::text[]) AS k(merchant_id, credential)
    JOIN payment_attempts a ON a.merchant_id = k.merchant_id AND a.credential = k.credential`.execute(
    trx,
  );
  return rows;
}

export async function loadAttempts(trx: Db, keys: readonly Key[]): Promise<AttemptRow[]> {
  if (keys.length === 0) return [];
  const { rows } = await sql<AttemptRow>`SELECT a.* FROM payment_attempts a
    JOIN unnest(${merchantsOf(keys)}::text[], ${idsOf(keys)}::text[]) AS k(merchant_id, id)
      ON a.merchant_id = k.merchant_id AND a.attempt_id = k.id`.execute(trx);
  return rows;
}

/** The renewal charge of each subscription's next period, by its start. */
export async function loadRenewalCharges(
  trx: Db,
  keys: readonly { merchantId: string; subscriptionId: string; periodStart: Date }[],
): Promise<{ merchant_id: string; subscription_id: string; charge_id: string }[]> {
  if (keys.length === 0) return [];
  const { rows } = await sql<{
    merchant_id: string;
    subscription_id: string;
    charge_id: string;
  }>`SELECT c.merchant_id, c.subscription_id, c.charge_id FROM charges c
    JOIN unnest(${keys.map((k) => k.merchantId)}::text[], ${keys.map((k) => k.subscriptionId)}::text[],
      ${keys.map((k) => k.periodStart.toISOString())}::timestamptz[]) AS k(merchant_id, subscription_id, period_start)
      ON c.merchant_id = k.merchant_id AND c.subscription_id = k.subscription_id
        AND c.kind = 'renewal' AND c.period_start = k.period_start`.execute(trx);
  return rows;
}

export type DefaultStrategy = {
  merchant_id: string;
  payment_method_type: StrategyDefinition['paymentMethodType'];
  strategy_id: string;
  current_version: number;
};

export async function loadDefaultStrategies(
  trx: Db,
  merchantIds: readonly string[],
): Promise<DefaultStrategy[]> {
  if (merchantIds.length === 0) return [];
  return trx
    .selectFrom('strategies')
    .select(['merchant_id', 'payment_method_type', 'strategy_id', 'current_version'])
    .where('merchant_id', '=', sql<string>`ANY(${[...new Set(merchantIds)]}::text[])`)
    .where('is_default', '=', true)
    .execute();
}

// Versions never change once written, so a process may keep them.
const versionCache = new Map<string, StrategyDefinition>();
const versionKey = (merchantId: string, strategyId: string, version: number) =>
  `${merchantId}/${strategyId}/${version}`;

export type StrategyVersionKey = { merchantId: string; strategyId: string; version: number };

/** Strategy definitions by `merchant/strategy/version`, from the process cache or one query. */
export async function loadStrategyVersions(
  trx: Db,
  keys: readonly StrategyVersionKey[],
): Promise<Map<string, StrategyDefinition>> {
  const out = new Map<string, StrategyDefinition>();
  const missing: StrategyVersionKey[] = [];
  for (const k of keys) {
    const key = versionKey(k.merchantId, k.strategyId, k.version);
    const cached = versionCache.get(key);
    if (cached) out.set(key, cached);
    else if (!missing.some((m) => versionKey(m.merchantId, m.strategyId, m.version) === key))
      missing.push(k);
  }
  if (missing.length === 0) return out;
  const { rows } = await sql<{
    merchant_id: string;
    strategy_id: string;
    version: number;
    definition: unknown;
  }>`SELECT v.merchant_id, v.strategy_id, v.version, v.definition FROM strategy_versions v
    JOIN unnest(${missing.map((k) => k.merchantId)}::text[], ${missing.map((k) => k.strategyId)}::text[],
      ${missing.map((k) => k.version)}::int[]) AS k(merchant_id, strategy_id, version)
      ON v.merchant_id = k.merchant_id AND v.strategy_id = k.strategy_id AND v.version = k.version`.execute(
    trx,
  );
  for (const r of rows) {
    const def = (
      typeof r.definition === 'string' ? JSON.parse(r.definition) : r.definition
    ) as StrategyDefinition;
    const key = versionKey(r.merchant_id, r.strategy_id, r.version);
    versionCache.set(key, def);
    out.set(key, def);
  }
  return out;
}

export { versionKey as strategyVersionKey };

/** A case's subscription and its merchant's test clock, to carry the case outside a claim. */
export async function loadCaseTarget(
  db: Db,
  merchantId: string,
  caseId: string,
): Promise<{ subscription_id: string; test_clock_at: Date | null } | undefined> {
  return db
    .selectFrom('dunning_cases as c')
    .innerJoin('merchants as m', 'm.merchant_id', 'c.merchant_id')
    .select(['c.subscription_id', 'm.test_clock_at'])
    .where('c.merchant_id', '=', merchantId)
    .where('c.case_id', '=', caseId)
    .executeTakeFirst();
}

export async function findAttemptByKey(
  db: Db,
  merchantId: string,
  idempotencyKey: string,
): Promise<AttemptRow | undefined> {
  return db
    .selectFrom('payment_attempts')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
}
