import type { StrategyDefinition } from '../../domain/strategy/strategy.ts';
import type { Db } from './connect.ts';
import { loadStrategyVersions, strategyVersionKey } from './engine.repo.ts';

/** One strategy version's definition (kept by the process: versions never change). */
export async function loadStrategyVersion(
  db: Db,
  merchantId: string,
  strategyId: string,
  version: number,
): Promise<StrategyDefinition> {
  const defs = await loadStrategyVersions(db, [{ merchantId, strategyId, version }]);
  const def = defs.get(strategyVersionKey(merchantId, strategyId, version));
  if (!def) throw new Error(`no version ${version} of strategy ${strategyId}`);
  return def;
}

/** The merchant's default strategy for a payment-method type, at its current version. */
export async function defaultStrategyFor(
  db: Db,
  merchantId: string,
  type: StrategyDefinition['paymentMethodType'],
) {
  return db
    .selectFrom('strategies')
    .select(['strategy_id', 'current_version'])
    .where('merchant_id', '=', merchantId)
    .where('payment_method_type', '=', type)
    .where('is_default', '=', true)
    .executeTakeFirst();
}

export type StrategyListRow = {
  strategy_id: string;
  name: string;
  payment_method_type: StrategyDefinition['paymentMethodType'];
  preset: string | null;
  is_default: boolean;
  current_version: number;
  created_at: Date;
};

const LIST_COLUMNS = [
  'strategy_id',
  'name',
  'payment_method_type',
  'preset',
  'is_default',
  'current_version',
  'created_at',
] as const;

/** Every strategy of the merchant, oldest first. */
export async function listStrategyRows(db: Db, merchantId: string): Promise<StrategyListRow[]> {
  return db
    .selectFrom('strategies')
    .select(LIST_COLUMNS)
    .where('merchant_id', '=', merchantId)
    .orderBy('created_at')
    .orderBy('strategy_id')
    .execute();
}

export async function findStrategyRow(
  db: Db,
  merchantId: string,
  strategyId: string,
): Promise<StrategyListRow | undefined> {
  return db
    .selectFrom('strategies')
    .select(LIST_COLUMNS)
    .where('merchant_id', '=', merchantId)
    .where('strategy_id', '=', strategyId)
    .executeTakeFirst();
}

/** A strategy's versions, oldest first. */
export async function listStrategyVersions(db: Db, merchantId: string, strategyId: string) {
  return db
    .selectFrom('strategy_versions')
    .select(['version', 'created_at'])
    .where('merchant_id', '=', merchantId)
    .where('strategy_id', '=', strategyId)
    .orderBy('version')
    .execute();
}

export async function lockStrategy(db: Db, merchantId: string, strategyId: string) {
  return db
    .selectFrom('strategies')
    .select(['current_version', 'payment_method_type'])
    .where('merchant_id', '=', merchantId)
    .where('strategy_id', '=', strategyId)
    .forUpdate()
    .executeTakeFirst();
}

export async function setStrategyVersion(
  db: Db,
  merchantId: string,
  strategyId: string,
  set: { current_version: number; name: string },
): Promise<void> {
  await db
    .updateTable('strategies')
    .set(set)
    .where('merchant_id', '=', merchantId)
    .where('strategy_id', '=', strategyId)
    .execute();
}

export async function insertStrategy(
  db: Db,
  row: {
    merchant_id: string;
    strategy_id: string;
    name: string;
    payment_method_type: StrategyDefinition['paymentMethodType'];
    preset: string | null;
    is_default: boolean;
    current_version: number;
  },
): Promise<void> {
  await db.insertInto('strategies').values(row).execute();
}

export async function insertStrategyVersion(
  db: Db,
  row: { merchant_id: string; strategy_id: string; version: number; definition: string },
): Promise<void> {
  await db.insertInto('strategy_versions').values(row).execute();
}

/** Makes this strategy the merchant's one default for its payment-method type. */
export async function makeDefaultStrategy(
  db: Db,
  merchantId: string,
  strategyId: string,
  type: StrategyDefinition['paymentMethodType'],
): Promise<void> {
  await db
    .updateTable('strategies')
    .set({ is_default: false })
    .where('merchant_id', '=', merchantId)
    .where('payment_method_type', '=', type)
    .where('is_default', '=', true)
    .execute();
  await db
    .updateTable('strategies')
    .set({ is_default: true })
    .where('merchant_id', '=', merchantId)
    .where('strategy_id', '=', strategyId)
    .execute();
}

export async function getStrategyName(
  db: Db,
  merchantId: string,
  strategyId: string,
): Promise<string> {
  const row = await db
    .selectFrom('strategies')
    .select('name')
    .where('merchant_id', '=', merchantId)
    .where('strategy_id', '=', strategyId)
    .executeTakeFirstOrThrow();
  return row.name;
}

/** The id and name of each of the merchant's strategies. */
export async function listStrategyNames(db: Db, merchantId: string) {
  return db
    .selectFrom('strategies')
    .select(['strategy_id', 'name'])
    .where('merchant_id', '=', merchantId)
    .execute();
}
