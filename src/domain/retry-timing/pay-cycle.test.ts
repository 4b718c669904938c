import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { learnPayCycle, type PayCycle, paydaysBetween } from './pay-cycle.ts';

/** A successful payment at `hour` local time on a local date. */
const paidAt = (isoDate: string, zone: string, hour = 10): Date =>
  DateTime.fromISO(`${isoDate}T${String(hour).padStart(2, '0')}:00`, { zone }).toJSDate();
const paidOn = (zone: string, ...dates: string[]) => dates.map((d) => paidAt(d, zone));

describe('paydaysBetween', () => {
  it('without a learned cycle uses Fridays, the 1st, the 15th and the last business day, paying weekend paydays the business day before', () => {
    expect(paydaysBetween(null, '2026-07-25', '2026-09-01')).toEqual([
      // The 1st of August is a Saturday: paid Friday the 31st, the last business day of July.
      { date: '2026-07-31', label: 'the last business day' },
      { date: '2026-08-07', label: 'a Friday (weekly or biweekly pay)' },
      { date: '2026-08-14', label: 'the 15th (a Saturday, paid the business day before)' },
      { date: '2026-08-21', label: 'a Friday (weekly or biweekly pay)' },
      { date: '2026-08-28', label: 'a Friday (weekly or biweekly pay)' },
      { date: '2026-08-31', label: 'the last business day' },
      { date: '2026-09-01', label: 'the 1st' },
    ]);
  });

  it('a weekend 1st at the start of a window is paid on the Friday before, in the window', () => {
    expect(paydaysBetween({ kind: 'monthly', dayOfMonth: 1 }, '2026-10-26', '2026-10-31')).toEqual([
      {
        date: '2026-10-30',
        label: 'learned monthly payday, the 1st (a Sunday, paid the business day before)',
      },
    ]);
  });

  it.each<[string, PayCycle, string, string, string[]]>([
    [
      'the last business day is the Friday when the month ends on a weekend',
      { kind: 'monthly', dayOfMonth: -1 },
      '2026-01-01',
      '2026-02-28',
      ['2026-01-30', '2026-02-27'],
    ],
    [
      'a monthly 31st is the 30th in April and Friday the 29th when May 31st is a Sunday',
      { kind: 'monthly', dayOfMonth: 31 },
      '2026-04-01',
      '2026-06-30',
      ['2026-04-30', '2026-05-29', '2026-06-30'],
    ],
    [
      'a semi-monthly 15th and last business day',
      { kind: 'semi_monthly', days: [15, -1] },
      '2026-01-01',
      '2026-01-31',
      ['2026-01-15', '2026-01-30'],
    ],
    [
      'a biweekly cycle reaches back from an anchor after the range',
      { kind: 'biweekly', anchor: '2026-07-03' },
      '2026-06-01',
      '2026-06-30',
      ['2026-06-05', '2026-06-19'],
    ],
    [
      'a weekly Friday payday',
      { kind: 'weekly', weekday: 5 },
      '2026-06-01',
      '2026-06-20',
      ['2026-06-05', '2026-06-12', '2026-06-19'],
    ],
  ])('%s', (_name, cycle, from, to, dates) => {
    expect(paydaysBetween(cycle, from, to).map((p) => p.date)).toEqual(dates);
  });
});

describe('learnPayCycle', () => {
  const LONDON = 'Europe/London';

  it.each<[string, Date[], PayCycle | null]>([
    [
      'two payments are too few to tell a cycle from chance',
      paidOn(LONDON, '2026-04-01', '2026-05-01'),
      null,
    ],
    [
      'payments on the 1st, one moved to Monday the 2nd, make a monthly 1st',
      paidOn(LONDON, '2026-03-02', '2026-04-01', '2026-05-01'),
      { kind: 'monthly', dayOfMonth: 1 },
    ],
    [
      'payments made on the 1st even when it is a Sunday still make a monthly 1st',
      paidOn(LONDON, '2026-02-01', '2026-03-01', '2026-04-01'),
      { kind: 'monthly', dayOfMonth: 1 },
    ],
    [
      'payments on the last business day of each month',
      paidOn(LONDON, '2026-02-27', '2026-03-31', '2026-04-30'),
      { kind: 'monthly', dayOfMonth: -1 },
    ],
    [
      'payments around the 1st and the 15th make a semi-monthly cycle, preferring the common 1st over the 2nd',
      paidOn(LONDON, '2026-01-15', '2026-02-02', '2026-02-16', '2026-03-02'),
      { kind: 'semi_monthly', days: [1, 15] },
    ],
    [
      'payments every other Friday make a biweekly cycle anchored on the latest one',
      paidOn(LONDON, '2026-05-22', '2026-06-05', '2026-06-19'),
      { kind: 'biweekly', anchor: '2026-06-19' },
    ],
    [
      'payments every Friday make a weekly cycle',
      paidOn(LONDON, '2026-05-29', '2026-06-05', '2026-06-12', '2026-06-19'),
      { kind: 'weekly', weekday: 5 },
    ],
    [
      'one off-cycle payment in four is tolerated',
      paidOn(LONDON, '2026-04-01', '2026-04-20', '2026-05-01', '2026-06-01'),
      { kind: 'monthly', dayOfMonth: 1 },
    ],
    [
      'two off-cycle payments in four leave no consistent pattern',
      paidOn(LONDON, '2026-04-01', '2026-04-09', '2026-04-20', '2026-05-01'),
      null,
    ],
    [
      'scattered payments leave no consistent pattern',
      paidOn(LONDON, '2026-03-03', '2026-04-09', '2026-05-21', '2026-06-26'),
      null,
    ],
    [
      'several payments on one day count as one payday',
      [
        paidAt('2026-04-01', LONDON, 9),
        paidAt('2026-04-01', LONDON, 15),
        paidAt('2026-05-01', LONDON),
      ],
      null,
    ],
  ])('%s', (_name, payments, expected) => {
    expect(learnPayCycle(payments, LONDON)).toEqual(expected);
  });

  it('reads the payment days in the customer zone: late on the 14th in UTC is the 15th in Auckland', () => {
    const payments = ['2026-04-14T21:00:00Z', '2026-05-14T21:00:00Z', '2026-07-14T21:00:00Z'].map(
      (s) => new Date(s),
    );
    expect(learnPayCycle(payments, 'Pacific/Auckland')).toEqual({
      kind: 'monthly',
      dayOfMonth: 15,
    });
    expect(learnPayCycle(payments, 'America/Los_Angeles')).toEqual({
      kind: 'monthly',
      dayOfMonth: 14,
    });
  });

  it('learns nothing in an unknown time zone', () => {
    expect(
      learnPayCycle(paidOn('UTC', '2026-04-01', '2026-05-01', '2026-06-01'), 'Mars/Olympus'),
    ).toBeNull();
  });
});
