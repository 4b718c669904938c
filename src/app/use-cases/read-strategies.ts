// Reading strategies: the list with each one's current definition, one with its version history,
// and the presets a new strategy can start from.
import type { Db } from '../../adapters/db/connect.ts';
import {
  findStrategyRow,
  listStrategyRows,
  listStrategyVersions,
  loadStrategyVersion,
  type StrategyListRow,
} from '../../adapters/db/strategies.repo.ts';
import {
  buildPreset,
  PRESET_KEYS,
  PRESETS,
  type PresetKey,
} from '../../domain/strategy/presets.ts';
import type { StrategyDefinition } from '../../domain/strategy/strategy.ts';
import { fail, ok, type Result } from '../result.ts';

export type StrategyRecord = { row: StrategyListRow; definition: StrategyDefinition };

/** Every strategy of the merchant (a handful: one or a few per payment-method type), oldest first. */
export async function listStrategies(db: Db, merchantId: string): Promise<StrategyRecord[]> {
  const rows = await listStrategyRows(db, merchantId);
  const out: StrategyRecord[] = [];
  for (const row of rows)
    out.push({
      row,
      definition: await loadStrategyVersion(db, merchantId, row.strategy_id, row.current_version),
    });
  return out;
}

export async function getStrategy(
  db: Db,
  merchantId: string,
  strategyId: string,
): Promise<Result<StrategyRecord & { versions: { version: number; created_at: Date }[] }>> {
  const row = await findStrategyRow(db, merchantId, strategyId);
  if (!row) return fail('not_found', `no strategy ${strategyId}`, 'id');
  const versions = await listStrategyVersions(db, merchantId, strategyId);
  const definition = await loadStrategyVersion(db, merchantId, strategyId, row.current_version);
  return ok({ row, definition, versions });
}

/** The presets, each built for cards (the API shows them for any type through `payment_method_type`). */
export function listPresets(): {
  key: PresetKey;
  name: string;
  description: string;
  definition: StrategyDefinition;
}[] {
  return PRESET_KEYS.map((key) => ({
    key,
    name: PRESETS[key].name,
    description: PRESETS[key].description,
    definition: buildPreset(key, 'card'),
  }));
}
