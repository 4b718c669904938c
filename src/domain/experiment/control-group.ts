// A control group: a share of a merchant's new cases runs the same strategy at fixed step times
// (no smart timing, no retry budget, no quick retries), so the recovery smart retries add is
// measured on the merchant's own customers, not asserted. Which cases are held out depends on the
// case id alone, so a case keeps its group whoever opens it; the comparison uses Wilson intervals.
import type { StrategyDefinition } from '../strategy/strategy.ts';

export type Cohort = 'treatment' | 'control';

/** Live merchants hold out 5 % of new cases unless they say otherwise; 0 turns it off. */
export const DEFAULT_CONTROL_SHARE = 0.05;
/** More than half held out would make the control group the product. */
export const MAX_CONTROL_SHARE = 0.5;

/**
 * The share of new cases held out. A test-mode merchant holds out none unless it sets a share: a
 * new user trying the product on the test clock should see smart retries on every case.
 */
export function controlShareOf(settings: unknown, mode: 'test' | 'live'): number {
  const share = (settings as { control_share?: unknown } | null)?.control_share;
  if (typeof share === 'number' && share >= 0 && share <= MAX_CONTROL_SHARE) return share;
  return mode === 'live' ? DEFAULT_CONTROL_SHARE : 0;
}

/** FNV-1a of the id, as a fraction in [0, 1): uniform enough for a hold-out, and stable. */
function unitOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 2 ** 32;
}

export function cohortOf(caseId: string, controlShare: number): Cohort {
  return controlShare > 0 && unitOf(caseId) < controlShare ? 'control' : 'treatment';
}

/** What a control case runs: the same steps and messages, each retry at the start of its day. */
export function controlStrategy(def: StrategyDefinition): StrategyDefinition {
  return def.smartRetries ? { ...def, smartRetries: false } : def;
}

export type GroupTally = { readonly cases: number; readonly recovered: number };
export type Interval = { readonly low: number; readonly high: number };
export type GroupRate = GroupTally & {
  readonly rate: number | null;
  readonly interval: Interval | null;
};

const Z95 = 1.959964;

/** The Wilson score interval of a proportion at 95 %: sound for small groups and rates near 0 or 1. */
export function wilson(successes: number, n: number): Interval | null {
  if (n <= 0) return null;
  const p = successes / n;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z95 / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

function rateOf(t: GroupTally): GroupRate {
  return {
    ...t,
    rate: t.cases > 0 ? t.recovered / t.cases : null,
    interval: wilson(t.recovered, t.cases),
  };
}

export type Uplift = {
  readonly treatment: GroupRate;
  readonly control: GroupRate;
  /** Treatment's recovery rate minus control's, with Newcombe's 95 % interval; null without both groups. */
  readonly difference: number | null;
  readonly interval: Interval | null;
  /** The interval excludes 0: the groups differ at the 95 % level. */
  readonly significant: boolean;
};

/** Recovery of the two groups side by side, and the difference with its 95 % interval. */
export function compareCohorts(treatment: GroupTally, control: GroupTally): Uplift {
  const t = rateOf(treatment);
  const c = rateOf(control);
  if (t.rate === null || c.rate === null || !t.interval || !c.interval)
    return { treatment: t, control: c, difference: null, interval: null, significant: false };
  const d = t.rate - c.rate;
  // Newcombe (1998), method 10: the difference's interval from the two Wilson intervals.
  const low = d - Math.sqrt((t.rate - t.interval.low) ** 2 + (c.interval.high - c.rate) ** 2);
  const high = d + Math.sqrt((t.interval.high - t.rate) ** 2 + (c.rate - c.interval.low) ** 2);
  return {
    treatment: t,
    control: c,
    difference: d,
    interval: { low, high },
    significant: low > 0 || high < 0,
  };
}
