// When a simulated customer is really paid: the truth the retry-success model reads, not the
// engine's guess. Money is taken to arrive at local midnight of the payday. Assumptions, not data
// (declines-sourced.md §7): weekly and biweekly pay falls on Fridays; a 1st, 15th or month-end
// payday on a weekend is paid the business day before (common US payroll practice).
import { DateTime } from 'luxon';
import type { PayCycle } from '../../domain/retry-timing/pay-cycle.ts';
import type { PayCycleKind } from './model.ts';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/** 0 = Sunday … 6 = Saturday for a day number (days since 1970-01-01, a Thursday). */
const weekday = (day: number) => (((day + 4) % 7) + 7) % 7;
const isWeekend = (day: number) => weekday(day) === 0 || weekday(day) === 6;
const dayOf = (year: number, month0: number, date: number) =>
  Math.floor(Date.UTC(year, month0, date) / DAY_MS);

function businessDayOnOrBefore(day: number): number {
  let d = day;
  while (isWeekend(d)) d--;
  return d;
}

/** Payday day numbers of one cycle in [fromDay, toDay]; biweekly uses the parity of the Friday. */
export function paydayDays(
  kind: PayCycleKind,
  parity: 0 | 1,
  fromDay: number,
  toDay: number,
): number[] {
  const out: number[] = [];
  const firstFriday = fromDay + ((5 - weekday(fromDay) + 7) % 7);
  switch (kind) {
    case 'weekly':
      for (let d = firstFriday; d <= toDay; d += 7) out.push(d);
      break;
    case 'biweekly':
      // 1970-01-02 (day 1) was a Friday: Fridays are 1 + 7k, and parity picks every other one.
      for (let d = firstFriday; d <= toDay; d += 7) if (((d - 1) / 7) % 2 === parity) out.push(d);
      break;
    case 'monthly_1st':
    case 'semi_monthly':
    case 'last_business_day': {
      const start = new Date((fromDay - 31) * DAY_MS);
      for (
        let y = start.getUTCFullYear(), m = start.getUTCMonth();
        dayOf(y, m, 1) <= toDay + 31;
        m++
      ) {
        const days =
          kind === 'monthly_1st'
            ? [dayOf(y, m, 1)]
            : kind === 'semi_monthly'
              ? [dayOf(y, m, 1), dayOf(y, m, 15)]
              : [dayOf(y, m + 1, 0)];
        for (const d of days) {
          const paid = businessDayOnOrBefore(d);
          if (paid >= fromDay && paid <= toDay) out.push(paid);
        }
      }
      break;
    }
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
  return out.sort((a, b) => a - b);
}

/** Local-midnight instants of paydays, shared by every customer with the same cycle and zone. */
export class PaydayCalendar {
  private readonly schedules = new Map<string, Float64Array>();

  constructor(
    private readonly fromDay: number,
    private readonly toDay: number,
  ) {}

  instants(kind: PayCycleKind, parity: 0 | 1, zone: string): Float64Array {
    const key = `${kind}|${kind === 'biweekly' ? parity : 0}|${zone}`;
    let out = this.schedules.get(key);
    if (!out) {
      out = Float64Array.from(paydayDays(kind, parity, this.fromDay, this.toDay), (day) => {
        const d = new Date(day * DAY_MS);
        return DateTime.fromObject(
          { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() },
          { zone },
        ).toMillis();
      });
      this.schedules.set(key, out);
    }
    return out;
  }
}

/** Hours since the latest payday at or before `atMs`; Infinity when none is known. */
export function hoursSinceLastPayday(paydays: Float64Array, atMs: number): number {
  let lo = 0;
  let hi = paydays.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (paydays[mid]! <= atMs) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found < 0 ? Number.POSITIVE_INFINITY : (atMs - paydays[found]!) / HOUR_MS;
}

/** The cycle as the engine's smart timing would know it, had it learned the customer's paydays. */
export function enginePayCycle(kind: PayCycleKind, parity: 0 | 1, fromDay: number): PayCycle {
  switch (kind) {
    case 'monthly_1st':
      return { kind: 'monthly', dayOfMonth: 1 };
    case 'semi_monthly':
      return { kind: 'semi_monthly', days: [1, 15] };
    case 'last_business_day':
      return { kind: 'monthly', dayOfMonth: -1 };
    case 'weekly':
      return { kind: 'weekly', weekday: 5 };
    case 'biweekly': {
      const anchor = paydayDays('biweekly', parity, fromDay, fromDay + 13)[0]!;
      return { kind: 'biweekly', anchor: new Date(anchor * DAY_MS).toISOString().slice(0, 10) };
    }
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}
