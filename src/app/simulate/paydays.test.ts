import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { legacyPayCalendar } from './model.ts';
import {
  DAY_MS,
  holidaysOf,
  hoursSinceLastPayday,
  PaydayCalendar,
  type PaySchedule,
  paydayDays,
} from './paydays.ts';
import { retryChance } from './retry-chance.ts';

const day = (iso: string) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
const iso = (d: number) => new Date(d * DAY_MS).toISOString().slice(0, 10);
const plain = { weekend: 'before', holidays: 'none', arrivalHour: 0 } as const;
const between = (schedule: PaySchedule, from: string, to: string) =>
  paydayDays(schedule, day(from), day(to)).map(iso);

const fridays: PaySchedule = { frequency: 'weekly', weekday: 'fri', ...plain };
const biweekly = (parity: 0 | 1): PaySchedule => ({
  frequency: 'biweekly',
  weekday: 'fri',
  parity,
  ...plain,
});
const monthly = (d: number, more: Partial<PaySchedule> = {}): PaySchedule =>
  ({ frequency: 'monthly', day: d, ...plain, ...more }) as PaySchedule;

describe('simulated paydays', () => {
  it('pays weekly on Fridays and biweekly on every other Friday', () => {
    expect(between(fridays, '2026-03-01', '2026-03-21')).toEqual([
      '2026-03-06',
      '2026-03-13',
      '2026-03-20',
    ]);
    const a = between(biweekly(0), '2026-03-01', '2026-03-31');
    const b = between(biweekly(1), '2026-03-01', '2026-03-31');
    expect([...a, ...b].sort()).toEqual(['2026-03-06', '2026-03-13', '2026-03-20', '2026-03-27']);
    // One fortnight: 13 and 27 March, 10 April, 14 days apart.
    expect(between(biweekly(0), '2026-03-01', '2026-04-15')).toEqual([
      '2026-03-13',
      '2026-03-27',
      '2026-04-10',
    ]);
  });

  it('pays weekly on any weekday the calendar names', () => {
    expect(between({ ...fridays, weekday: 'tue' }, '2026-03-01', '2026-03-15')).toEqual([
      '2026-03-03',
      '2026-03-10',
    ]);
  });

  it('pays the 31st on the last day of short months, a Saturday payday on the Friday', () => {
    // 28 Feb 2026 is a Saturday: paid Friday 27 Feb; 31 March is a Tuesday; 30 April a Thursday.
    expect(between(monthly(31), '2026-02-01', '2026-04-30')).toEqual([
      '2026-02-27',
      '2026-03-31',
      '2026-04-30',
    ]);
    // 2028 is a leap year: 29 Feb 2028 is a Tuesday.
    expect(between(monthly(31), '2028-02-01', '2028-02-29')).toEqual(['2028-02-29']);
    // The 25th of April 2026 is a Saturday: paid Friday the 24th, or Monday the 27th if after.
    expect(between(monthly(25), '2026-04-01', '2026-04-30')).toEqual(['2026-04-24']);
    expect(between(monthly(25, { weekend: 'after' }), '2026-04-01', '2026-04-30')).toEqual([
      '2026-04-27',
    ]);
  });

  it('pays semimonthly on both days, e.g. the 15th and the last day', () => {
    // 15 March 2026 is a Sunday: paid Friday 13 March; 31 May is a Sunday: paid Friday 29 May.
    const schedule: PaySchedule = { frequency: 'semimonthly', days: [15, 31], ...plain };
    expect(between(schedule, '2026-03-01', '2026-03-31')).toEqual(['2026-03-13', '2026-03-31']);
    expect(between(schedule, '2026-05-20', '2026-05-31')).toEqual(['2026-05-29']);
  });

  it('pays the business day before a bank holiday on the calendar', () => {
    // Christmas 2026 and New Year's Day 2027 are Fridays: US weekly pay comes on the Thursdays.
    const us: PaySchedule = { ...fridays, holidays: 'us_federal' };
    expect(between(us, '2026-12-20', '2027-01-05')).toEqual(['2026-12-24', '2026-12-31']);
    expect(between(fridays, '2026-12-20', '2027-01-05')).toEqual(['2026-12-25', '2027-01-01']);
    // TARGET: 1 May 2026 is a Friday, a closing day: monthly pay on the 1st comes on 30 April.
    expect(between(monthly(1, { holidays: 'target' }), '2026-04-25', '2026-05-05')).toEqual([
      '2026-04-30',
    ]);
  });

  it('knows the US federal and TARGET holidays of a year', () => {
    const us = holidaysOf('us_federal', 2026).map(iso).sort();
    expect(us).toEqual([
      '2026-01-01',
      '2026-01-19',
      '2026-02-16',
      '2026-05-25',
      '2026-06-19',
      '2026-07-04', // a Saturday: the Federal Reserve does not move it
      '2026-09-07',
      '2026-10-12',
      '2026-11-11',
      '2026-11-26',
      '2026-12-25',
    ]);
    // Easter 2026 is 5 April: Good Friday 3 April, Easter Monday 6 April.
    expect(holidaysOf('target', 2026).map(iso).sort()).toEqual([
      '2026-01-01',
      '2026-04-03',
      '2026-04-06',
      '2026-05-01',
      '2026-12-25',
      '2026-12-26',
    ]);
  });

  it('reads the older payCycles kinds as the calendars they always meant', () => {
    const scheduleOf = (kind: Parameters<typeof legacyPayCalendar>[0]) => {
      const c = legacyPayCalendar(kind, 1);
      if (c.frequency === 'monthly') return monthly(Number(Object.keys(c.daysOfMonth)[0]));
      if (c.frequency === 'semimonthly') return { ...c, ...plain } as PaySchedule;
      return { frequency: c.frequency, weekday: 'fri', parity: 0, ...plain } as PaySchedule;
    };
    // 1 March and 15 March 2026 are Sundays; 31 May 2026 is a Sunday.
    expect(between(scheduleOf('semi_monthly'), '2026-02-25', '2026-04-10')).toEqual([
      '2026-02-27',
      '2026-03-13',
      '2026-04-01',
    ]);
    expect(between(scheduleOf('monthly_1st'), '2026-02-25', '2026-04-10')).toEqual([
      '2026-02-27',
      '2026-04-01',
    ]);
    expect(between(scheduleOf('last_business_day'), '2026-05-01', '2026-06-30')).toEqual([
      '2026-05-29',
      '2026-06-30',
    ]);
  });

  it('counts hours since pay arrived, at local midnight or the calendar arrival hour', () => {
    const calendar = new PaydayCalendar(day('2026-03-01'), day('2026-03-31'));
    const ny = calendar.instants(fridays, 'America/New_York');
    // Friday 13 March 2026 starts at 04:00Z in New York (EDT from 8 March).
    expect(hoursSinceLastPayday(ny, Date.parse('2026-03-13T10:00:00Z'))).toBe(6);
    expect(hoursSinceLastPayday(ny, Date.parse('2026-03-01T00:00:00Z'))).toBe(
      Number.POSITIVE_INFINITY,
    );
    // Arriving at 06:00 local: at 10:00Z (06:00 EDT) pay has just arrived; an hour earlier the
    // last pay was the Friday before, 06:00 EST = 11:00Z (a week less the hour and the DST hour).
    const at6 = calendar.instants({ ...fridays, arrivalHour: 6 }, 'America/New_York');
    expect(hoursSinceLastPayday(at6, Date.parse('2026-03-13T10:00:00Z'))).toBe(0);
    expect(hoursSinceLastPayday(at6, Date.parse('2026-03-13T09:00:00Z'))).toBe(7 * 24 - 2);
  });
});

describe('the world apart from the engine', () => {
  it('computes paydays without the engine’s pay-cycle code', () => {
    const source = readFileSync(fileURLToPath(new URL('./paydays.ts', import.meta.url)), 'utf8');
    const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports).toEqual(['luxon']);
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

  it('fades the payday boost over the days since payday when it has a half-life', () => {
    const fading = { ...curve, floor: 1, paydayHalfLifeHours: 24 };
    expect(retryChance(fading, 0, 0)).toBeCloseTo(0.6);
    // A day after payday the extra (boost − 1) has halved: 1 + 2 / 2 = 2.
    expect(retryChance(fading, 0, 24)).toBeCloseTo(0.4);
    expect(retryChance(fading, 0, 72)).toBeCloseTo(0.2);
  });

  it('scales with the customer and card factor', () => {
    expect(retryChance(curve, 0, 1000, 0.5)).toBeCloseTo(0.1);
    expect(retryChance(curve, 0, 10, 10)).toBe(1);
  });
});
