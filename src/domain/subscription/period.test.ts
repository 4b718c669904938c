import { describe, expect, it } from 'vitest';
import { type BillingCycle, periodBounds, periodStart } from './period.ts';

const iso = (d: Date) => d.toISOString();
const starts = (cycle: BillingCycle, count: number) =>
  Array.from({ length: count }, (_, i) => iso(periodStart(cycle, i)));

describe('periodStart', () => {
  it('keeps a month-end anchor on the month end without drifting: Jan 31 → Feb 28 → Mar 31', () => {
    const cycle: BillingCycle = {
      anchorAt: new Date('2026-01-31T15:00:00Z'),
      interval: 'month',
      intervalCount: 1,
    };
    expect(starts(cycle, 6)).toEqual([
      '2026-01-31T15:00:00.000Z',
      '2026-02-28T15:00:00.000Z',
      '2026-03-31T15:00:00.000Z',
      '2026-04-30T15:00:00.000Z',
      '2026-05-31T15:00:00.000Z',
      '2026-06-30T15:00:00.000Z',
    ]);
  });

  it('lands on Feb 29 in a leap year from a Jan 30 anchor and returns to the 30th', () => {
    const cycle: BillingCycle = {
      anchorAt: new Date('2028-01-30T00:00:00Z'),
      interval: 'month',
      intervalCount: 1,
    };
    expect(starts(cycle, 3)).toEqual([
      '2028-01-30T00:00:00.000Z',
      '2028-02-29T00:00:00.000Z',
      '2028-03-30T00:00:00.000Z',
    ]);
  });

  it('renews a yearly plan anchored on Feb 29 on Feb 28, and on Feb 29 again in leap years', () => {
    const cycle: BillingCycle = {
      anchorAt: new Date('2024-02-29T09:30:00Z'),
      interval: 'year',
      intervalCount: 1,
    };
    expect(starts(cycle, 5)).toEqual([
      '2024-02-29T09:30:00.000Z',
      '2025-02-28T09:30:00.000Z',
      '2026-02-28T09:30:00.000Z',
      '2027-02-28T09:30:00.000Z',
      '2028-02-29T09:30:00.000Z',
    ]);
  });

  it.each([
    ['day', 1, 3, '2026-03-05T15:00:00.000Z'],
    ['day', 10, 2, '2026-03-22T15:00:00.000Z'],
    ['week', 1, 1, '2026-03-09T15:00:00.000Z'],
    ['week', 2, 2, '2026-03-30T15:00:00.000Z'],
    ['month', 3, 1, '2026-06-02T15:00:00.000Z'],
    ['month', 1, 12, '2027-03-02T15:00:00.000Z'],
    ['year', 1, 1, '2027-03-02T15:00:00.000Z'],
    ['year', 2, 1, '2028-03-02T15:00:00.000Z'],
  ] as const)(
    'a %s cycle of %i: period %i starts %s (counted in UTC)',
    (interval, intervalCount, index, expected) => {
      const cycle: BillingCycle = {
        anchorAt: new Date('2026-03-02T15:00:00Z'),
        interval,
        intervalCount,
      };
      expect(iso(periodStart(cycle, index))).toBe(expected);
    },
  );

  it('counts days in UTC, so a US DST change does not move the renewal hour', () => {
    const cycle: BillingCycle = {
      anchorAt: new Date('2026-03-07T15:00:00Z'),
      interval: 'day',
      intervalCount: 1,
    };
    expect(starts(cycle, 3)).toEqual([
      '2026-03-07T15:00:00.000Z',
      '2026-03-08T15:00:00.000Z',
      '2026-03-09T15:00:00.000Z',
    ]);
  });
});

describe('periodBounds', () => {
  it('ends each period exactly where the next one starts', () => {
    const cycle: BillingCycle = {
      anchorAt: new Date('2026-01-31T15:00:00Z'),
      interval: 'month',
      intervalCount: 1,
    };
    for (let i = 0; i < 12; i++) {
      expect(periodBounds(cycle, i).end).toEqual(periodBounds(cycle, i + 1).start);
    }
    expect(periodBounds(cycle, 1)).toEqual({
      start: new Date('2026-02-28T15:00:00Z'),
      end: new Date('2026-03-31T15:00:00Z'),
    });
  });
});
