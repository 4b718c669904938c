// The chance that an off-session retry succeeds, for a customer whose card can recover at all.
// Functional form (docs/simulation-model.md, "retrySuccess"):
//   p = min(1, base × rise(h) × decay(h) × boost(d)), h = hours since the first failure,
//   d = hours since the customer's latest payday.
import type { RetryCurve } from './model.ts';

export function retryChance(
  curve: RetryCurve,
  hoursSinceFailure: number,
  hoursSincePayday: number,
): number {
  const h = Math.max(0, hoursSinceFailure);
  const rise = curve.riseHalfLifeHours > 0 ? 1 - 2 ** (-h / curve.riseHalfLifeHours) : 1;
  const decay = curve.floor + (1 - curve.floor) * 2 ** (-h / curve.decayHalfLifeHours);
  const boost =
    hoursSincePayday >= 0 && hoursSincePayday < curve.paydayWindowHours ? curve.paydayBoost : 1;
  return Math.min(1, curve.base * rise * decay * boost);
}
