import { DateTime } from 'luxon';

export const BILLING_INTERVALS = ['day', 'week', 'month', 'year'] as const;
export type BillingInterval = (typeof BILLING_INTERVALS)[number];

export type BillingCycle = {
  readonly anchorAt: Date;
  readonly interval: BillingInterval;
  readonly intervalCount: number;
};

/**
 * Start of the period with the given index, counted from the anchor rather than from the
 * previous period so month ends do not drift (Jan 31 -> Feb 28 -> Mar 31). Periods are UTC.
 */
export function periodStart(cycle: BillingCycle, index: number): Date {
  const anchor = DateTime.fromJSDate(cycle.anchorAt, { zone: 'utc' });
  const units = index * cycle.intervalCount;
  const key = `${cycle.interval}s` as 'days' | 'weeks' | 'months' | 'years';
  return anchor.plus({ [key]: units }).toJSDate();
}

export function periodBounds(cycle: BillingCycle, index: number): { start: Date; end: Date } {
  return { start: periodStart(cycle, index), end: periodStart(cycle, index + 1) };
}
