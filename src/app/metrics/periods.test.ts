import { describe, expect, it } from 'vitest';
import { bucketCount, bucketIndex, bucketsOf, monthlyMinor, rate } from './periods.ts';

const at = (iso: string) => new Date(iso);
const isoOf = (b: { start: Date; end: Date }) => [b.start.toISOString(), b.end.toISOString()];

describe('bucketsOf', () => {
  it('cuts a period into UTC days, the first and last cut at the period bounds', () => {
    const buckets = bucketsOf(at('2026-03-01T12:00:00Z'), at('2026-03-03T06:00:00Z'), 'day');
    expect(buckets.map(isoOf)).toEqual([
      ['2026-03-01T12:00:00.000Z', '2026-03-02T00:00:00.000Z'],
      ['2026-03-02T00:00:00.000Z', '2026-03-03T00:00:00.000Z'],
      ['2026-03-03T00:00:00.000Z', '2026-03-03T06:00:00.000Z'],
    ]);
  });

  it('starts weeks on Monday 00:00 UTC', () => {
    // 2026-03-04 is a Wednesday; the Mondays are 2026-03-02 and 2026-03-09.
    const buckets = bucketsOf(at('2026-03-04T00:00:00Z'), at('2026-03-16T00:00:00Z'), 'week');
    expect(buckets.map(isoOf)).toEqual([
      ['2026-03-04T00:00:00.000Z', '2026-03-09T00:00:00.000Z'],
      ['2026-03-09T00:00:00.000Z', '2026-03-16T00:00:00.000Z'],
    ]);
    expect(bucketCount(at('2026-03-04T00:00:00Z'), at('2026-03-16T00:00:00Z'), 'week')).toBe(2);
  });

  it('puts every instant of the period in exactly one bucket', () => {
    const buckets = bucketsOf(at('2026-03-01T00:00:00Z'), at('2026-03-08T00:00:00Z'), 'day');
    expect(bucketIndex(buckets, at('2026-03-01T00:00:00Z'))).toBe(0);
    expect(bucketIndex(buckets, at('2026-03-04T23:59:59.999Z'))).toBe(3);
    expect(bucketIndex(buckets, at('2026-03-07T23:59:59.999Z'))).toBe(6);
    expect(bucketIndex(buckets, at('2026-03-08T00:00:00Z'))).toBe(-1);
    expect(bucketIndex(buckets, at('2026-02-28T23:59:59.999Z'))).toBe(-1);
  });
});

describe('monthlyMinor', () => {
  it.each([
    [2000, 'month', 1, 2000],
    [6000, 'month', 3, 2000],
    [12_000, 'year', 1, 1000],
    [1000, 'week', 1, 4333],
    [100, 'day', 1, 3042],
    [999, 'year', 1, 83],
  ] as const)('%i per %s, every %i, is %i a month', (price, interval, count, expected) => {
    expect(monthlyMinor(price, interval, count)).toBe(expected);
  });
});

describe('rate', () => {
  it('rounds to four decimals and is null with nothing to divide', () => {
    expect(rate(1, 3)).toBe(0.3333);
    expect(rate(2, 3)).toBe(0.6667);
    expect(rate(0, 0)).toBeNull();
  });
});
