import type { StrategyDefinition } from '../../domain/strategy/strategy.ts';
import type { Db } from './connect.ts';

// Versions never change once written, so a process may keep them.
const versionCache = new Map<string, StrategyDefinition>();

export async function loadStrategyVersion(
  db: Db,
  merchantId: string,
  strategyId: string,
  version: number,
): Promise<StrategyDefinition> {
  const key = `${merchantId}/${strategyId}/${version}`;
  const cached = versionCache.get(key);
  if (cached) return cached;
  const row = await db
    .selectFrom('strategy_versions')
    .select('definition')
    .where('merchant_id', '=', merchantId)
    .where('strategy_id', '=', strategyId)
    .where('version', '=', version)
    .executeTakeFirstOrThrow();
  const def = (
    typeof row.definition === 'string' ? JSON.parse(row.definition) : row.definition
  ) as StrategyDefinition;
  versionCache.set(key, def);
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
