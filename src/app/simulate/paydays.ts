// When a simulated customer is really paid: the world's truth that the retry-success model reads,
// written apart from the engine's pay-cycle guesses (src/domain/retry-timing), which it must not
// import. Assumptions, not data (declines-sourced.md §7); docs/simulation-model.md "payCalendars".
// A payday on a weekend or a listed bank holiday is paid the business day before (US payroll
// practice, the default) or after; money arrives at `arrivalHour` local time on the day paid.
import { DateTime } from 'luxon';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const HOLIDAY_CALENDARS = ['none', 'us_federal', 'target'] as const;
export type HolidayCalendar = (typeof HOLIDAY_CALENDARS)[number];
export const WEEKEND_RULES = ['before', 'after'] as const;
export type WeekendRule = (typeof WEEKEND_RULES)[number];

/** Day of month 31 means the month's last day (clamped: 28 February, 30 April, …). */
export type PaySchedule = (
  | { readonly frequency: 'weekly'; readonly weekday: Weekday }
  /** `parity` picks one of the two alternating fortnights. */
  | { readonly frequency: 'biweekly'; readonly weekday: Weekday; readonly parity: 0 | 1 }
  | { readonly frequency: 'semimonthly'; readonly days: readonly [number, number] }
  | { readonly frequency: 'monthly'; readonly day: number }
) & {
  readonly weekend: WeekendRule;
  readonly holidays: HolidayCalendar;
  readonly arrivalHour: number;
};

/** 0 = Monday … 6 = Sunday for a day number (days since 1970-01-01, a Thursday). */
export const weekdayIndex = (day: number) => (((day + 3) % 7) + 7) % 7;
export const dayOf = (year: number, month0: number, date: number) =>
  Math.floor(Date.UTC(year, month0, date) / DAY_MS);
const lastDayOf = (year: number, month0: number) =>
  new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();

/** The n-th (1-based) weekday `wd` (0 = Monday) of a month; n = -1 for the last one. */
function nthWeekday(year: number, month0: number, wd: number, n: number): number {
  if (n > 0) {
    const first = dayOf(year, month0, 1);
    return first + ((wd - weekdayIndex(first) + 7) % 7) + 7 * (n - 1);
  }
  const last = dayOf(year, month0, lastDayOf(year, month0));
  return last - ((weekdayIndex(last) - wd + 7) % 7);
}

/** Easter Sunday (Gregorian; the anonymous algorithm of Meeus/Jones/Butcher). */
function easter(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const date = ((h + l - 7 * m + 114) % 31) + 1;
  return dayOf(year, month - 1, date);
}

/**
 * Bank closing days of one year. us_federal: the Federal Reserve's holidays (a Sunday holiday is
 * observed on the Monday, a Saturday one not at all: federalreserve.gov/aboutthefed/k8.htm).
 * target: the TARGET2 closing days (ecb.europa.eu): 1 Jan, Good Friday, Easter Monday, 1 May, 25–26 Dec.
 */
export function holidaysOf(calendar: HolidayCalendar, year: number): number[] {
  switch (calendar) {
    case 'none':
      return [];
    case 'us_federal': {
      const fixed = [
        [0, 1],
        [5, 19],
        [6, 4],
        [10, 11],
        [11, 25],
      ].map(([m, d]) => dayOf(year, m!, d!));
      const observed = fixed.map((d) => (weekdayIndex(d) === 6 ? d + 1 : d));
      const floating = [
        nthWeekday(year, 0, 0, 3), // Martin Luther King Jr. Day
        nthWeekday(year, 1, 0, 3), // Washington's Birthday
        nthWeekday(year, 4, 0, -1), // Memorial Day
        nthWeekday(year, 8, 0, 1), // Labor Day
        nthWeekday(year, 9, 0, 2), // Columbus Day
        nthWeekday(year, 10, 3, 4), // Thanksgiving
      ];
      return [...observed, ...floating];
    }
    case 'target': {
      const e = easter(year);
      return [
        dayOf(year, 0, 1),
        e - 2,
        e + 1,
        dayOf(year, 4, 1),
        dayOf(year, 11, 25),
        dayOf(year, 11, 26),
      ];
    }
    default: {
      const unreachable: never = calendar;
      return unreachable;
    }
  }
}

class BusinessDays {
  private readonly closed = new Set<number>();
  private readonly years = new Set<number>();

  constructor(private readonly calendar: HolidayCalendar) {}

  isOpen(day: number): boolean {
    if (weekdayIndex(day) >= 5) return false;
    if (this.calendar === 'none') return true;
    const year = new Date(day * DAY_MS).getUTCFullYear();
    if (!this.years.has(year)) {
      this.years.add(year);
      for (const d of holidaysOf(this.calendar, year)) this.closed.add(d);
    }
    return !this.closed.has(day);
  }

  /** The day money is paid for a nominal payday: itself, or the nearest open day before/after. */
  paid(day: number, rule: WeekendRule): number {
    let d = day;
    const step = rule === 'before' ? -1 : 1;
    while (!this.isOpen(d)) d += step;
    return d;
  }
}

/** The nominal paydays (before weekend and holiday moves) of a schedule, months around the range. */
function nominalDays(schedule: PaySchedule, fromDay: number, toDay: number): number[] {
  const out: number[] = [];
  switch (schedule.frequency) {
    case 'weekly':
    case 'biweekly': {
      const wd = WEEKDAYS.indexOf(schedule.weekday);
      // Reach back a week so a payday moved forward into the range is not missed.
      const start = fromDay - 7;
      const first = start + ((wd - weekdayIndex(start) + 7) % 7);
      const step = schedule.frequency === 'weekly' ? 7 : 14;
      let d = first;
      // Fortnights are counted from the first such weekday on or after 1970-01-01 (day 0).
      if (schedule.frequency === 'biweekly' && fortnightOf(d, wd) !== schedule.parity) d += 7;
      for (; d <= toDay + 7; d += step) out.push(d);
      break;
    }
    case 'semimonthly':
    case 'monthly': {
      const days = schedule.frequency === 'monthly' ? [schedule.day] : schedule.days;
      const start = new Date((fromDay - 31) * DAY_MS);
      for (
        let y = start.getUTCFullYear(), m = start.getUTCMonth();
        dayOf(y, m, 1) <= toDay + 31;
        m++
      ) {
        const last = lastDayOf(y, m);
        for (const date of days) out.push(dayOf(y, m, Math.min(date, last)));
      }
      break;
    }
    default: {
      const unreachable: never = schedule;
      return unreachable;
    }
  }
  return out;
}

/** Which of the two alternating fortnights a weekday `wd` on day `day` falls in. */
export function fortnightOf(day: number, wd: number): 0 | 1 {
  const firstEver = (wd - weekdayIndex(0) + 7) % 7;
  return (Math.floor((day - firstEver) / 7) % 2 === 0 ? 0 : 1) as 0 | 1;
}

/** Day numbers on which the schedule's pay lands in [fromDay, toDay], ascending. */
export function paydayDays(schedule: PaySchedule, fromDay: number, toDay: number): number[] {
  const business = new BusinessDays(schedule.holidays);
  const out = new Set<number>();
  for (const nominal of nominalDays(schedule, fromDay, toDay)) {
    const paid = business.paid(nominal, schedule.weekend);
    if (paid >= fromDay && paid <= toDay) out.add(paid);
  }
  return [...out].sort((a, b) => a - b);
}

/** The first nominal payday on or after `fromDay` (what a learner of the cycle would anchor to). */
export function firstNominalPayday(schedule: PaySchedule, fromDay: number): number {
  return nominalDays(schedule, fromDay, fromDay + 62).find((d) => d >= fromDay)!;
}

const scheduleKey = (s: PaySchedule, zone: string) => {
  const when =
    s.frequency === 'weekly'
      ? s.weekday
      : s.frequency === 'biweekly'
        ? `${s.weekday}${s.parity}`
        : s.frequency === 'monthly'
          ? s.day
          : s.days.join('+');
  return `${s.frequency}|${when}|${s.weekend}|${s.holidays}|${s.arrivalHour}|${zone}`;
};

/** Instants money arrives (local `arrivalHour` on each day paid), shared per schedule and zone. */
export class PaydayCalendar {
  private readonly schedules = new Map<string, Float64Array>();

  constructor(
    private readonly fromDay: number,
    private readonly toDay: number,
  ) {}

  instants(schedule: PaySchedule, zone: string): Float64Array {
    const key = scheduleKey(schedule, zone);
    let out = this.schedules.get(key);
    if (!out) {
      out = Float64Array.from(paydayDays(schedule, this.fromDay, this.toDay), (day) => {
        const d = new Date(day * DAY_MS);
        return DateTime.fromObject(
          {
            year: d.getUTCFullYear(),
            month: d.getUTCMonth() + 1,
            day: d.getUTCDate(),
            hour: schedule.arrivalHour,
          },
          { zone },
        ).toMillis();
      });
      this.schedules.set(key, out);
    }
    return out;
  }
}

/** Hours since the latest arrival of pay at or before `atMs`; Infinity when none is known. */
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
