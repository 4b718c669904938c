// Pure helpers of the recovery metrics: time buckets and monthly-normalized prices (docs/metrics.md).
import type { BillingInterval } from '../../domain/subscription/period.ts';

export const GRANULARITIES = ['day', 'week'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/** More buckets than this is a request for a longer period or a coarser granularity. */
export const MAX_BUCKETS = 400;

export type Bucket = { start: Date; end: Date };

const DAY_MS = 86_400_000;

/**
 * The buckets of [from, to): UTC days, or ISO weeks starting Monday 00:00 UTC. The first and last
 * are cut at `from` and `to`, so every instant of the period falls in exactly one bucket.
 */
export function bucketsOf(from: Date, to: Date, granularity: Granularity): Bucket[] {
  const buckets: Bucket[] = [];
  let start = floorTo(from, granularity);
  const step = granularity === 'day' ? DAY_MS : 7 * DAY_MS;
  while (start.getTime() < to.getTime()) {
    const end = new Date(start.getTime() + step);
    buckets.push({
      start: start.getTime() < from.getTime() ? from : start,
      end: end.getTime() > to.getTime() ? to : end,
    });
    start = end;
  }
  return buckets;
}

export function bucketCount(from: Date, to: Date, granularity: Granularity): number {
  const step = granularity === 'day' ? DAY_MS : 7 * DAY_MS;
  return Math.ceil((to.getTime() - floorTo(from, granularity).getTime()) / step);
}

function floorTo(at: Date, granularity: Granularity): Date {
  const day = Math.floor(at.getTime() / DAY_MS) * DAY_MS;
  if (granularity === 'day') return new Date(day);
  // 1970-01-01 was a Thursday: Monday-based weekday is (days + 3) mod 7.
  const weekday = (Math.floor(day / DAY_MS) + 3) % 7;
  return new Date(day - weekday * DAY_MS);
}

/** Index of the bucket holding `at`, or -1 outside [first start, last end). */
export function bucketIndex(buckets: readonly Bucket[], at: Date): number {
  const t = at.getTime();
  let lo = 0;
  let hi = buckets.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const b = buckets[mid]!;
    if (t < b.start.getTime()) hi = mid - 1;
    else if (t >= b.end.getTime()) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/**
 * A recurring price as an amount per month, in whole minor units (rounded half away from zero):
 * a month is 1/12 year, 52/12 weeks and 365/12 days.
 */
export function monthlyMinor(
  priceMinor: number,
  interval: BillingInterval,
  intervalCount: number,
): number {
  const perMonth: Record<BillingInterval, number> = {
    day: 365 / 12,
    week: 52 / 12,
    month: 1,
    year: 1 / 12,
  };
  return Math.round((priceMinor * perMonth[interval]) / intervalCount);
}

/** A ratio rounded to 4 decimals; null when nothing is divided. */
export function rate(numerator: number, denominator: number): number | null {
  if (denominator === 0) return null;
  return Math.round((numerator / denominator) * 10_000) / 10_000;
}
