// The chance that an off-session retry succeeds, for a customer whose card can recover at all.
// Functional form (docs/simulation-model.md, "retrySuccess"):
//   p = min(1, base × rise(h) × decay(h) × boost(d) × factor), h = hours since the first failure,
//   d = hours since the customer's pay last arrived, factor = the customer's and card's own.
import type { RetryCurve } from './model.ts';

export function retryChance(
  curve: RetryCurve,
  hoursSinceFailure: number,
  hoursSincePayday: number,
  factor = 1,
): number {
  const h = Math.max(0, hoursSinceFailure);
  const rise = curve.riseHalfLifeHours > 0 ? 1 - 2 ** (-h / curve.riseHalfLifeHours) : 1;
  const decay = curve.floor + (1 - curve.floor) * 2 ** (-h / curve.decayHalfLifeHours);
  return Math.min(1, curve.base * rise * decay * paydayBoost(curve, hoursSincePayday) * factor);
}

/** A step (paydayBoost for paydayWindowHours), or with a half-life a boost that fades. */
function paydayBoost(curve: RetryCurve, d: number): number {
  if (!(d >= 0 && d < curve.paydayWindowHours)) return 1;
  const halfLife = curve.paydayHalfLifeHours;
  return halfLife === undefined
    ? curve.paydayBoost
    : 1 + (curve.paydayBoost - 1) * 2 ** (-d / halfLife);
}
