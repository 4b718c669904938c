// The strategies a simulation can compare. Preset keys run their schedule with fixed step times
// (smartRetries off) so `smart` shows what smart timing adds to the same schedule.
import { buildPreset, PRESET_KEYS, type PresetKey } from '../../domain/strategy/presets.ts';
import {
  type MessageSpec,
  type Step,
  type StrategyDefinition,
  validateStrategy,
} from '../../domain/strategy/strategy.ts';

export const STRATEGY_KEYS = [...PRESET_KEYS, 'naive', 'smart'] as const;
export type StrategyKey = (typeof STRATEGY_KEYS)[number];
export const DEFAULT_STRATEGIES: readonly StrategyKey[] = ['naive', 'gentle_30', 'smart'];

const message = (template: string): MessageSpec => ({ enabled: true, template, bcc: false });
const silent: MessageSpec = { enabled: false, template: '', bcc: false };
const step = (day: number, retry: boolean, msg: MessageSpec = silent): Step => ({
  day,
  retry,
  message: msg,
});

/**
 * The naive baseline: a fixed ladder with no smarts. Retries 1, 3, 5 and 7 days after the first
 * failure (schedule days 2, 4, 6, 8; day 1 is the failure itself), cancels 8 days after it (day 9).
 * Messages: a first notice at the failure, a reminder and a final warning with the retries.
 */
export const NAIVE_BASELINE: StrategyDefinition = {
  paymentMethodType: 'card',
  steps: [
    step(1, false, message('first_notice')),
    step(2, true),
    step(4, true, message('reminder')),
    step(6, true),
    step(8, true, message('final_warning')),
  ],
  final: { day: 9, action: 'cancel', message: message('canceled') },
  smartRetries: false,
  dunOnComponentFailure: false,
};

export function isStrategyKey(key: string): key is StrategyKey {
  return (STRATEGY_KEYS as readonly string[]).includes(key);
}

export function strategyDefinition(key: StrategyKey): StrategyDefinition {
  let def: StrategyDefinition;
  if (key === 'naive') def = NAIVE_BASELINE;
  else if (key === 'smart') def = { ...buildPreset('gentle_30', 'card'), smartRetries: true };
  else def = { ...buildPreset(key as PresetKey, 'card'), smartRetries: false };
  const problems = validateStrategy(def);
  if (problems.length > 0) {
    // A preset that fails its own validation is a bug in the code, not bad input.
    throw new Error(
      `strategy ${key} is invalid: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
    );
  }
  return def;
}

export function describeStrategy(key: StrategyKey): string {
  switch (key) {
    case 'naive':
      return 'naive fixed ladder: retries 1/3/5/7 days after the failure, cancels after 8 days';
    case 'smart':
      return 'gentle_30 with smart retries (decline-aware timing, quick retries after temporary errors)';
    default:
      return `preset ${key} at fixed step times`;
  }
}
