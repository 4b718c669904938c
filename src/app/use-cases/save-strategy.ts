import {
  insertStrategy,
  insertStrategyVersion,
  lockStrategy,
  makeDefaultStrategy,
  setStrategyVersion,
} from '../../adapters/db/strategies.repo.ts';
import { buildPreset, PRESET_KEYS, type PresetKey } from '../../domain/strategy/presets.ts';
import {
  type PaymentMethodType,
  type StrategyDefinition,
  validateStrategy,
} from '../../domain/strategy/strategy.ts';
import type { Deps } from '../deps.ts';
import { newId } from '../ids.ts';
import { fail, ok, type Result } from '../result.ts';

export type SaveStrategyInput = {
  merchantId: string;
  /** Omit to create a new strategy; give it to write a new version of an existing one. */
  strategyId?: string;
  name: string;
  definition?: StrategyDefinition;
  preset?: PresetKey;
  /** With a preset: the payment-method type it is for (card by default). */
  paymentMethodType?: PaymentMethodType;
  makeDefault?: boolean;
};

/**
 * Creates a strategy, or a new version of one. Running cases keep the version they started
 * with; cases opened afterwards use the new one.
 */
export async function saveStrategy(
  deps: Pick<Deps, 'db'>,
  input: SaveStrategyInput,
): Promise<Result<{ strategyId: string; version: number }>> {
  if (!input.definition && !input.preset)
    return fail('invalid_field', 'give a definition or a preset', 'definition');
  if (input.preset && !PRESET_KEYS.includes(input.preset))
    return fail('invalid_field', `preset must be one of ${PRESET_KEYS.join(', ')}`, 'preset');
  const def = input.definition ?? buildPreset(input.preset!, input.paymentMethodType ?? 'card');
  const errors = validateStrategy(def);
  if (errors.length > 0)
    return fail('invalid_field', errors[0]!.message, `definition.${errors[0]!.field}`);
  if (!input.name?.trim()) return fail('invalid_field', 'name is required', 'name');

  return deps.db.transaction().execute(async (trx) => {
    let strategyId = input.strategyId;
    let version = 1;
    if (strategyId) {
      const existing = await lockStrategy(trx, input.merchantId, strategyId);
      if (!existing) return fail('not_found', `no strategy ${strategyId}`, 'strategy_id');
      if (existing.payment_method_type !== def.paymentMethodType) {
        return fail(
          'invalid_field',
          'a strategy keeps its payment-method type',
          'definition.payment_method_type',
        );
      }
      version = existing.current_version + 1;
      await setStrategyVersion(trx, input.merchantId, strategyId, {
        current_version: version,
        name: input.name.trim(),
      });
    } else {
      strategyId = newId('str');
      await insertStrategy(trx, {
        merchant_id: input.merchantId,
        strategy_id: strategyId,
        name: input.name.trim(),
        payment_method_type: def.paymentMethodType,
        preset: input.preset ?? null,
        is_default: false,
        current_version: 1,
      });
    }
    await insertStrategyVersion(trx, {
      merchant_id: input.merchantId,
      strategy_id: strategyId,
      version,
      definition: JSON.stringify(def),
    });
    if (input.makeDefault) {
      await makeDefaultStrategy(trx, input.merchantId, strategyId, def.paymentMethodType);
    }
    return ok({ strategyId, version });
  });
}
