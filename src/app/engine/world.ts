// What the engine knows while it decides: every row a batch of steps may read, loaded up front in
// one statement per kind (adapters/db/engine.repo.ts), and the unit of work it writes into. The
// decisions themselves read only from here, so a batch of 100 costs what a batch of 1 does.

import type { Db } from '../../adapters/db/connect.ts';
import {
  type DefaultStrategy,
  type Key,
  loadCredentialAttempts,
  loadDefaultStrategies,
  loadMerchants,
  loadPaymentMethods,
  loadStrategyVersions,
  loadSubscribers,
  lockCredentials,
  lockGroupMembers,
  lockOpenCasesOf,
  type MerchantFacts,
  type StrategyVersionKey,
  type SubscriberFacts,
  strategyVersionKey,
} from '../../adapters/db/engine.repo.ts';
import type { CaseRow, PaymentMethodRow, SubscriptionRow } from '../../adapters/db/schema.ts';
import { flushUnit, newUnit, type Unit } from '../../adapters/db/unit-of-work.ts';
import type { DeclineCategory } from '../../domain/declines/categories.ts';
import type { CredentialAttempt, RetryAdvice } from '../../domain/network-rules/types.ts';
import type { StrategyDefinition } from '../../domain/strategy/strategy.ts';

export type World = {
  readonly merchants: Map<string, MerchantFacts>;
  /** By merchant/payment method. */
  readonly paymentMethods: Map<string, PaymentMethodRow>;
  /** The customer of each subscription (time zone, latest payments), by merchant/subscription. */
  readonly subscribers: Map<string, SubscriberFacts>;
  /** Group members (locked) by merchant/primary subscription. */
  readonly members: Map<string, SubscriptionRow[]>;
  /** The open case (locked) by merchant/subscription, when asked for. */
  readonly openCases: Map<string, CaseRow>;
  /** Default strategy by merchant/payment-method type. */
  readonly defaults: Map<string, DefaultStrategy>;
  /** Definitions by merchant/strategy/version. */
  readonly strategies: Map<string, StrategyDefinition>;
  /** Attempts on each credential (merchant/fingerprint), pending ones included. */
  readonly histories: Map<string, CredentialAttempt[]>;
};

/** One batch (or one API call) at work: what it read and what it will write. */
export type Work = { readonly world: World; readonly unit: Unit };

export const key = (merchantId: string, id: string): string => `${merchantId}/${id}`;

export type WorldNeeds = {
  subs: readonly SubscriptionRow[];
  cases?: readonly CaseRow[];
  /** Lock and load the open case of every subscription (renewals, reported failures). */
  openCases?: boolean;
  /** Lock the cases' credentials and load their attempts (decisions that may charge). */
  credentials?: boolean;
  /** The same for the subscriptions' own payment methods (renewals). */
  subscriptionCredentials?: boolean;
  /** Payment methods to load besides those of the subscriptions and cases. */
  paymentMethods?: readonly Key[];
  /** Subscriptions whose customer to load besides those of the subscriptions and cases. */
  subscribersOf?: readonly Key[];
};

export async function loadWorld(trx: Db, needs: WorldNeeds): Promise<World> {
  const subs = needs.subs;
  const subKeys: Key[] = subs.map((s) => ({ merchantId: s.merchant_id, id: s.subscription_id }));
  const openRows = needs.openCases ? await lockOpenCasesOf(trx, subKeys) : [];
  const cases = [...(needs.cases ?? []), ...openRows];
  const merchantIds = [...new Set([...subs, ...cases].map((r) => r.merchant_id))];
  const pmKeys = uniqueKeys([
    ...(needs.paymentMethods ?? []),
    ...subs.flatMap((s) => (s.payment_method_id ? [key2(s.merchant_id, s.payment_method_id)] : [])),
    ...cases.flatMap((c) =>
      c.payment_method_id ? [key2(c.merchant_id, c.payment_method_id)] : [],
    ),
  ]);
  // One connection per transaction: the loads run one after another.
  const merchants = await loadMerchants(trx, merchantIds);
  const pms = await loadPaymentMethods(trx, pmKeys);
  const subscribers = await loadSubscribers(
    trx,
    uniqueKeys([
      ...subKeys,
      ...cases.map((c) => key2(c.merchant_id, c.subscription_id)),
      ...(needs.subscribersOf ?? []),
    ]),
  );
  const members = await lockGroupMembers(
    trx,
    subKeys.filter((_, i) => subs[i]!.primary_subscription_id === null),
  );
  // Default strategies only matter where a case may be opened.
  const defaults = needs.openCases ? await loadDefaultStrategies(trx, merchantIds) : [];
  const versions: StrategyVersionKey[] = [
    ...cases.map((c) => ({
      merchantId: c.merchant_id,
      strategyId: c.strategy_id,
      version: c.strategy_version,
    })),
    ...defaults.map((d) => ({
      merchantId: d.merchant_id,
      strategyId: d.strategy_id,
      version: d.current_version,
    })),
  ];
  const world: World = {
    merchants: new Map(merchants.map((m) => [m.merchant_id, m])),
    paymentMethods: new Map(pms.map((p) => [key(p.merchant_id, p.payment_method_id), p])),
    subscribers: new Map(subscribers.map((c) => [key(c.merchant_id, c.subscription_id), c])),
    members: new Map(),
    openCases: new Map(openRows.map((c) => [key(c.merchant_id, c.subscription_id), c])),
    defaults: new Map(defaults.map((d) => [key(d.merchant_id, d.payment_method_type), d])),
    strategies: await loadStrategyVersions(trx, versions),
    histories: new Map(),
  };
  for (const m of members) push(world.members, key(m.merchant_id, m.primary_subscription_id!), m);

  if (needs.credentials || needs.subscriptionCredentials) {
    const charged = [
      ...(needs.credentials ? (needs.cases ?? []) : []),
      ...(needs.subscriptionCredentials ? subs : []),
    ];
    const credentials = charged.flatMap((c) => {
      const pm = c.payment_method_id
        ? world.paymentMethods.get(key(c.merchant_id, c.payment_method_id))
        : undefined;
      return pm && pm.type !== 'pay_link'
        ? [{ merchantId: pm.merchant_id, credential: pm.fingerprint }]
        : [];
    });
    await lockCredentials(
      trx,
      credentials.map((c) => key(c.merchantId, c.credential)),
    );
    for (const c of credentials) world.histories.set(key(c.merchantId, c.credential), []);
    const distinct = [
      ...new Map(credentials.map((c) => [key(c.merchantId, c.credential), c])).values(),
    ];
    for (const a of await loadCredentialAttempts(trx, distinct))
      world.histories.get(key(a.merchant_id, a.credential!))?.push(credentialAttemptOf(a));
  }
  return world;
}

/** Runs `decide` against a world loaded for one call, then writes what it recorded. */
export async function withWork<T>(trx: Db, needs: WorldNeeds, decide: (w: Work) => T): Promise<T> {
  const w: Work = { world: await loadWorld(trx, needs), unit: newUnit() };
  const out = decide(w);
  await flushUnit(trx, w.unit);
  return out;
}

/** An attempt as the network rules read it; one still pending counts as a reattempt made. */
export function credentialAttemptOf(a: {
  requested_at: Date;
  status: string;
  amount_minor: number;
  category: string | null;
  visa_category: number | null;
  advice: unknown;
  max_representments: number | null;
  representment_window_days: number | null;
}): CredentialAttempt {
  return {
    at: a.requested_at,
    outcome: a.status === 'succeeded' ? 'succeeded' : 'declined',
    amountMinor: a.amount_minor,
    category: (a.category as DeclineCategory | null) ?? null,
    visaCategory: (a.visa_category as 1 | 2 | 3 | 4 | null) ?? null,
    advice: (a.advice as RetryAdvice | null) ?? { kind: 'none' },
    maxRepresentments: a.max_representments,
    representmentWindowDays: a.representment_window_days,
    answered: a.status !== 'pending',
  };
}

export function strategyIn(w: World, merchantId: string, strategyId: string, version: number) {
  const def = w.strategies.get(strategyVersionKey(merchantId, strategyId, version));
  if (!def) throw new Error(`strategy ${strategyId} v${version} was not loaded`);
  return def;
}

export function paymentMethodIn(
  w: World,
  merchantId: string,
  paymentMethodId: string | null,
): PaymentMethodRow | undefined {
  return paymentMethodId ? w.paymentMethods.get(key(merchantId, paymentMethodId)) : undefined;
}

function key2(merchantId: string, id: string): Key {
  return { merchantId, id };
}

function uniqueKeys(keys: Key[]): Key[] {
  return [...new Map(keys.map((k) => [key(k.merchantId, k.id), k])).values()];
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
