// Likely paydays, either learned from a customer's own successful payments or the defaults of
// reference/declines.md "Timing evidence": the 1st and the 15th, the last business day, and
// Fridays (most US workers are paid weekly or every two weeks, mostly on Fridays, per the BLS). A
// payday on a weekend is paid the business day before, as payroll pays. That is vendor lore and
// survey shares, not measured retry outcomes, so every rule here is a tunable heuristic.
import { DateTime, IANAZone } from 'luxon';

export type PayCycle =
  /** dayOfMonth 1..31 (clamped to short months) or -1 for the last business day. */
  | { kind: 'monthly'; dayOfMonth: number }
  /** Two days of the month, e.g. [1, 15]; -1 stands for the last business day, e.g. [15, -1]. */
  | { kind: 'semi_monthly'; days: [number, number] }
  /** Every 14 days from `anchor`, an ISO local date (yyyy-MM-dd) of a payday. */
  | { kind: 'biweekly'; anchor: string }
  /** weekday 1=Mon..7=Sun, as luxon numbers them. */
  | { kind: 'weekly'; weekday: number };

/** A likely payday as a local calendar date (yyyy-MM-dd) and the rule that produced it. */
export type Payday = { readonly date: string; readonly label: string };

export const LAST_BUSINESS_DAY = -1;
const DEFAULT_DAYS: readonly number[] = [1, 15, LAST_BUSINESS_DAY];
const FRIDAY = 5;
const WEEKDAY_NAMES = [
  '',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
  'Sunday',
];

// Calendar dates are whole days since 1970-01-01: plain arithmetic, no zone, no DST.
const DAY_MS = 86_400_000;
type YearMonth = { year: number; month: number };

function dayNumber(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / DAY_MS;
}

function parseDate(isoDate: string): number {
  const [year = Number.NaN, month = Number.NaN, day = Number.NaN] = isoDate.split('-').map(Number);
  return dayNumber(year, month, day);
}

function isoOf(dayNum: number): string {
  return new Date(dayNum * DAY_MS).toISOString().slice(0, 10);
}

/** 1=Mon..7=Sun; day 0 (1970-01-01) was a Thursday. */
function weekdayOf(dayNum: number): number {
  return ((((dayNum + 3) % 7) + 7) % 7) + 1;
}

function daysInMonth({ year, month }: YearMonth): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function yearMonthOf(dayNum: number): YearMonth {
  const d = new Date(dayNum * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1 };
}

function addMonths({ year, month }: YearMonth, months: number): YearMonth {
  const index = year * 12 + (month - 1) + months;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

/** Monday to Friday; bank holidays are not modelled (no holiday calendar per country yet). */
function isBusinessDay(dayNum: number): boolean {
  return weekdayOf(dayNum) <= 5;
}

/**
 * The payday for `day` of a month. A day past the month's end is its last day (the 31st of April
 * is the 30th). A weekend payday is paid the business day before, as payroll pays (a retry on the
 * Monday after lands days after the money arrived, when much of it may be spent).
 */
function monthlyPayday(
  ym: YearMonth,
  day: number,
  weekend: 'before' | 'after' = 'before',
): { date: number; nominal: number } {
  const last = dayNumber(ym.year, ym.month, daysInMonth(ym));
  if (day === LAST_BUSINESS_DAY) {
    let d = last;
    while (!isBusinessDay(d)) d -= 1;
    return { date: d, nominal: d };
  }
  const nominal = Math.min(dayNumber(ym.year, ym.month, day), last);
  const step = weekend === 'before' ? -1 : 1;
  let d = nominal;
  while (!isBusinessDay(d)) d += step;
  return { date: d, nominal };
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

function dayName(day: number): string {
  return day === LAST_BUSINESS_DAY ? 'the last business day' : `the ${ordinal(day)}`;
}

/** Likely paydays from `firstDate` to `lastDate` (local ISO dates, both included), earliest first. */
export function paydaysBetween(
  cycle: PayCycle | null,
  firstDate: string,
  lastDate: string,
): Payday[] {
  const start = parseDate(firstDate);
  const end = parseDate(lastDate);
  const found = new Map<number, string>();
  const add = (d: number, label: string) => {
    if (d >= start && d <= end && !found.has(d)) found.set(d, label);
  };
  const byDayOfMonth = (days: readonly number[], learned: string | null) => {
    // To the month after: a payday on a weekend at a month's start is paid in the month before.
    const last = addMonths(yearMonthOf(end), 1);
    for (let ym = yearMonthOf(start); ; ym = addMonths(ym, 1)) {
      for (const day of days) {
        const p = monthlyPayday(ym, day);
        const base = learned ? `${learned}, ${dayName(day)}` : dayName(day);
        const moved = `a ${WEEKDAY_NAMES[weekdayOf(p.nominal)]}, paid the business day before`;
        add(p.date, p.date === p.nominal ? base : `${base} (${moved})`);
      }
      if (ym.year === last.year && ym.month === last.month) break;
    }
  };

  const everyWeekday = (weekday: number, label: string) => {
    const offset = (((weekday - weekdayOf(start)) % 7) + 7) % 7;
    for (let d = start + offset; d <= end; d += 7) add(d, label);
  };

  if (cycle === null) {
    byDayOfMonth(DEFAULT_DAYS, null);
    everyWeekday(FRIDAY, 'a Friday (weekly or biweekly pay)');
  } else {
    switch (cycle.kind) {
      case 'monthly':
        byDayOfMonth([cycle.dayOfMonth], 'learned monthly payday');
        break;
      case 'semi_monthly':
        byDayOfMonth(cycle.days, 'learned semi-monthly payday');
        break;
      case 'biweekly': {
        const anchor = parseDate(cycle.anchor);
        const label = `learned biweekly payday (every other ${WEEKDAY_NAMES[weekdayOf(anchor)]} from ${cycle.anchor})`;
        for (let d = anchor + 14 * Math.ceil((start - anchor) / 14); d <= end; d += 14)
          add(d, label);
        break;
      }
      case 'weekly': {
        everyWeekday(cycle.weekday, `learned weekly payday (${WEEKDAY_NAMES[cycle.weekday]})`);
        break;
      }
      default: {
        const unreachable: never = cycle;
        return unreachable;
      }
    }
  }
  return [...found.entries()]
    .sort(([a], [b]) => a - b)
    .map(([d, label]) => ({ date: isoOf(d), label }));
}

/** Fewer distinct payment days than this cannot tell a cycle from chance. */
export const MIN_PAYMENTS_FOR_CYCLE = 3;
/** Share of payment days a cycle must explain: one off-cycle payment in four is tolerated. */
export const MIN_CYCLE_SHARE = 0.75;
/** A semi-monthly cycle needs each of its two days seen this often, else it is a monthly one plus noise. */
const MIN_HITS_PER_SEMI_MONTHLY_DAY = 2;

type Candidate = {
  cycle: PayCycle;
  matches: number;
  /** Hits on the day itself rather than on the business day before, where a weekend moves it. */
  exact: number;
  /** Strictness: monthly 0, semi-monthly 1, biweekly 2, weekly 3. */
  rank: number;
};

const MONTH_DAYS = [...Array.from({ length: 31 }, (_, i) => i + 1), LAST_BUSINESS_DAY];

/** Per payment date, the days of the month (1..31, -1) it can be the payday of. */
type DayHits = ReadonlyMap<number, 'exact' | 'moved'>;

/**
 * A payment on the day itself counts even on a weekend; on the business day before or after a
 * weekend payday, as moved (payroll pays before; a bank may post the money after).
 */
function dayHits(d: number): DayHits {
  const hits = new Map<number, 'exact' | 'moved'>();
  const ym = yearMonthOf(d);
  for (const day of MONTH_DAYS) {
    for (const month of [addMonths(ym, -1), ym, addMonths(ym, 1)]) {
      for (const weekend of ['before', 'after'] as const) {
        const p = monthlyPayday(month, day, weekend);
        if (p.nominal === d) hits.set(day, 'exact');
        else if (p.date === d && !hits.has(day)) hits.set(day, 'moved');
      }
    }
  }
  return hits;
}

function commonDays(cycle: PayCycle): number {
  const days =
    cycle.kind === 'monthly' ? [cycle.dayOfMonth] : cycle.kind === 'semi_monthly' ? cycle.days : [];
  return days.filter((d) => DEFAULT_DAYS.includes(d)).length;
}

function monthlyCandidates(hits: readonly DayHits[]): Candidate[] {
  return MONTH_DAYS.map((day) => ({
    cycle: { kind: 'monthly', dayOfMonth: day },
    matches: hits.filter((h) => h.has(day)).length,
    exact: hits.filter((h) => h.get(day) === 'exact').length,
    rank: 0,
  }));
}

function semiMonthlyCandidates(hits: readonly DayHits[]): Candidate[] {
  const out: Candidate[] = [];
  const count = (day: number) => hits.filter((h) => h.has(day)).length;
  // Two paydays 10 to 20 days apart (1st & 15th, 5th & 20th, 15th & last business day).
  for (let a = 1; a <= 21; a++) {
    if (count(a) < MIN_HITS_PER_SEMI_MONTHLY_DAY) continue;
    const seconds = Array.from({ length: 11 }, (_, i) => a + 10 + i).filter((b) => b <= 31);
    if (a >= 5) seconds.push(LAST_BUSINESS_DAY);
    for (const b of seconds) {
      if (count(b) < MIN_HITS_PER_SEMI_MONTHLY_DAY) continue;
      out.push({
        cycle: { kind: 'semi_monthly', days: [a, b] },
        matches: hits.filter((h) => h.has(a) || h.has(b)).length,
        exact: hits.filter((h) => h.get(a) === 'exact' || h.get(b) === 'exact').length,
        rank: 1,
      });
    }
  }
  return out;
}

function biweeklyCandidates(dates: readonly number[]): Candidate[] {
  return dates.map((anchor) => {
    const onCycle = dates.filter((d) => (d - anchor) % 14 === 0);
    return {
      cycle: { kind: 'biweekly', anchor: isoOf(onCycle[onCycle.length - 1] ?? anchor) },
      matches: onCycle.length,
      exact: onCycle.length,
      rank: 2,
    };
  });
}

function weeklyCandidates(dates: readonly number[]): Candidate[] {
  return [1, 2, 3, 4, 5, 6, 7].map((weekday) => {
    const matches = dates.filter((d) => weekdayOf(d) === weekday).length;
    return { cycle: { kind: 'weekly', weekday }, matches, exact: matches, rank: 3 };
  });
}

/**
 * Learns a pay cycle from the customer's past successful payment times, read as local dates in
 * their zone. Null when the evidence is too thin: fewer than 3 distinct payment days, an unknown
 * zone, or no cycle that explains at least 3 of them and 3 in 4 overall. Ties go to the stricter
 * cycle (monthly, semi-monthly, biweekly, weekly), then to the common paydays (weekend moves can
 * make the 2nd fit as well as the 1st), then to the one hit most often without a weekend move.
 * Renewals that always succeed on the billing day teach that day: still a day the money was there.
 */
export function learnPayCycle(
  successfulPayments: readonly Date[],
  timeZone: string,
): PayCycle | null {
  if (!IANAZone.isValidZone(timeZone)) return null;
  const localDays = successfulPayments
    .filter((p) => Number.isFinite(p.getTime()))
    .map((p) => parseDate(DateTime.fromJSDate(p, { zone: timeZone }).toFormat('yyyy-MM-dd')));
  const dates = [...new Set(localDays)].sort((a, b) => a - b);
  if (dates.length < MIN_PAYMENTS_FOR_CYCLE) return null;
  const hits = dates.map(dayHits);

  const fitting = [
    ...monthlyCandidates(hits),
    ...semiMonthlyCandidates(hits),
    ...biweeklyCandidates(dates),
    ...weeklyCandidates(dates),
  ].filter(
    (c) => c.matches >= MIN_PAYMENTS_FOR_CYCLE && c.matches / dates.length >= MIN_CYCLE_SHARE,
  );
  fitting.sort(
    (x, y) =>
      y.matches - x.matches ||
      x.rank - y.rank ||
      commonDays(y.cycle) - commonDays(x.cycle) ||
      y.exact - x.exact,
  );
  return fitting[0]?.cycle ?? null;
}
