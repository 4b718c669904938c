import { insertMerchant } from '../../adapters/db/merchants.repo.ts';
import { insertStrategy, insertStrategyVersion } from '../../adapters/db/strategies.repo.ts';
import {
  buildPreset,
  PRESET_KEYS,
  PRESETS,
  type PresetKey,
} from '../../domain/strategy/presets.ts';
import { PAYMENT_METHOD_TYPES } from '../../domain/strategy/strategy.ts';
import type { Deps } from '../deps.ts';
import { newId } from '../ids.ts';
import { fail, ok, type Result } from '../result.ts';

export type CreateMerchantInput = {
  name: string;
  mode: 'test' | 'live';
  defaultGraceDays?: number;
  /** Preset used for the default strategy of every payment-method type. */
  defaultPreset?: PresetKey;
  /** Smart retry timing for the default strategies (the presets turn it on for cards). */
  smartRetries?: boolean;
  /** Start of a test merchant's clock; defaults to now. */
  testClockAt?: Date;
  merchantId?: string;
};

export async function createMerchant(
  deps: Pick<Deps, 'db' | 'clock'>,
  input: CreateMerchantInput,
): Promise<Result<{ merchantId: string }>> {
  if (typeof input.name !== 'string' || input.name.trim() === '')
    return fail('invalid_field', 'name is required', 'name');
  if (input.mode !== 'test' && input.mode !== 'live')
    return fail('invalid_field', 'mode must be test or live', 'mode');
  const grace = input.defaultGraceDays ?? 3;
  if (!Number.isInteger(grace) || grace < 0 || grace > 90) {
    return fail(
      'invalid_field',
      'default_grace_days must be a whole number from 0 to 90',
      'default_grace_days',
    );
  }
  const preset = input.defaultPreset ?? 'gentle_30';
  if (!PRESET_KEYS.includes(preset))
    return fail(
      'invalid_field',
      `preset must be one of ${PRESET_KEYS.join(', ')}`,
      'default_preset',
    );
  if (input.testClockAt && input.mode !== 'test')
    return fail('not_test_mode', 'only a test merchant has a test clock', 'test_clock_at');

  const merchantId = input.merchantId ?? newId('mer');
  await deps.db.transaction().execute(async (trx) => {
    await insertMerchant(trx, {
      merchant_id: merchantId,
      name: input.name.trim(),
      mode: input.mode,
      test_clock_at: input.mode === 'test' ? (input.testClockAt ?? deps.clock.now()) : null,
      default_grace_days: grace,
    });
    for (const type of PAYMENT_METHOD_TYPES) {
      const strategyId = newId('str');
      await insertStrategy(trx, {
        merchant_id: merchantId,
        strategy_id: strategyId,
        name: `${PRESETS[preset].name} (${type})`,
        payment_method_type: type,
        preset,
        is_default: true,
        current_version: 1,
      });
      await insertStrategyVersion(trx, {
        merchant_id: merchantId,
        strategy_id: strategyId,
        version: 1,
        definition: JSON.stringify({
          ...buildPreset(preset, type),
          ...(input.smartRetries !== undefined ? { smartRetries: input.smartRetries } : {}),
        }),
      });
    }
  });
  return ok({ merchantId });
}
