import { describe, expect, it } from 'vitest';
import { DAY_MS, hoursSinceLastPayday, PaydayCalendar, paydayDays } from './paydays.ts';
import { retryChance } from './retry-chance.ts';

const day = (iso: string) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
const iso = (d: number) => new Date(d * DAY_MS).toISOString().slice(0, 10);
const between = (
  kind: Parameters<typeof paydayDays>[0],
  from: string,
  to: string,
  parity: 0 | 1 = 0,
) => paydayDays(kind, parity, day(from), day(to)).map(iso);

describe('simulated paydays', () => {
  it('pays weekly on Fridays and biweekly on every other Friday', () => {
    expect(between('weekly', '2026-03-01', '2026-03-21')).toEqual([
      '2026-03-06',
      '2026-03-13',
      '2026-03-20',
    ]);
    const a = between('biweekly', '2026-03-01', '2026-03-31', 0);
    const b = between('biweekly', '2026-03-01', '2026-03-31', 1);
    expect([...a, ...b].sort()).toEqual(['2026-03-06', '2026-03-13', '2026-03-20', '2026-03-27']);
    expect(a).toHaveLength(2);
  });

  it('pays a weekend 1st or 15th on the Friday before', () => {
    // 1 March and 15 March 2026 are Sundays; 1 April is a Wednesday.
    expect(between('semi_monthly', '2026-02-25', '2026-04-10')).toEqual([
      '2026-02-27',
      '2026-03-13',
      '2026-04-01',
    ]);
    expect(between('monthly_1st', '2026-02-25', '2026-04-10')).toEqual([
      '2026-02-27',
      '2026-04-01',
    ]);
  });

  it('pays on the last business day of the month', () => {
    // 31 May 2026 is a Sunday.
    expect(between('last_business_day', '2026-05-01', '2026-06-30')).toEqual([
      '2026-05-29',
      '2026-06-30',
    ]);
  });

  it('counts hours since the latest payday at local midnight', () => {
    const calendar = new PaydayCalendar(day('2026-03-01'), day('2026-03-31'));
    const fridays = calendar.instants('weekly', 0, 'America/New_York');
    // Friday 13 March 2026 starts at 04:00Z in New York (EDT from 8 March).
    expect(hoursSinceLastPayday(fridays, Date.parse('2026-03-13T10:00:00Z'))).toBe(6);
    expect(hoursSinceLastPayday(fridays, Date.parse('2026-03-01T00:00:00Z'))).toBe(
      Number.POSITIVE_INFINITY,
    );
  });
});

describe('retry success chance', () => {
  const curve = {
    recoverableShare: 1,
    base: 0.2,
    riseHalfLifeHours: 0,
    decayHalfLifeHours: 100,
    floor: 0.5,
    paydayBoost: 3,
    paydayWindowHours: 72,
  };

  it('is base × decay × payday boost, capped at 1', () => {
    expect(retryChance(curve, 0, 1000)).toBeCloseTo(0.2);
    // One decay half-life later: floor + (1 - floor) / 2 = 0.75 of base.
    expect(retryChance(curve, 100, 1000)).toBeCloseTo(0.15);
    expect(retryChance(curve, 100, 10)).toBeCloseTo(0.45);
    expect(retryChance({ ...curve, base: 0.9 }, 0, 10)).toBe(1);
  });

  it('rises from 0 after the failure when the curve has a rise', () => {
    const rising = { ...curve, riseHalfLifeHours: 2, paydayBoost: 1 };
    expect(retryChance(rising, 0, 1000)).toBe(0);
    expect(retryChance(rising, 2, 1000)).toBeCloseTo(0.2 * 0.5 * (0.5 + 0.5 * 2 ** (-2 / 100)));
  });
});
