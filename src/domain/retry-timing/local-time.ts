import { DateTime, IANAZone } from 'luxon';
import { pickWithin } from './jitter.ts';

/** Local hours [start, end) for a morning retry; vendor lore, not data: tune it (reference/declines-sourced.md section 7). */
export const LOCAL_MORNING = { startHour: 7, endHour: 10 } as const;

/** The customer's zone, or UTC with a note when the zone is unknown, so a bad zone cannot yield an Invalid Date. */
export function resolveZone(timeZone: string): { zone: string; note: string } {
  if (IANAZone.isValidZone(timeZone)) return { zone: timeZone, note: '' };
  return { zone: 'UTC', note: ` (time zone '${timeZone}' is unknown; used UTC)` };
}

/** "Tue 16 Jun 09:12 Europe/Berlin": the customer's wall clock, as an operator reads it in a case timeline. */
export function formatLocal(at: Date, zone: string): string {
  if (zone === 'UTC') {
    const hm = at.toISOString().slice(11, 16);
    return `${WEEKDAYS[at.getUTCDay()]} ${at.getUTCDate()} ${MONTHS[at.getUTCMonth()]} ${hm} UTC`;
  }
  return `${DateTime.fromJSDate(at, { zone }).setLocale('en-US').toFormat('ccc d LLL HH:mm')} ${zone}`;
}

// In UTC the wall clock is the instant itself: no zone lookup (luxon's English names, en-US).
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** "Mon 15 Jun" for a local calendar date given as ISO (yyyy-MM-dd). */
export function formatLocalDate(isoDate: string): string {
  return DateTime.fromISO(isoDate, { zone: 'utc' }).setLocale('en-US').toFormat('ccc d LLL');
}

/** The local calendar date (yyyy-MM-dd) of an instant in `zone`. */
export function localDate(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toFormat('yyyy-MM-dd');
}

/** The instant a local calendar date begins in `zone` (luxon moves a midnight lost to DST forward). */
export function startOfLocalDate(isoDate: string, zone: string): Date {
  return DateTime.fromISO(isoDate, { zone }).startOf('day').toJSDate();
}

/**
 * The first local morning that overlaps [earliest, until), as the open part of it; null when none does.
 * Each day's morning is built from its wall-clock hours, so a DST change keeps 07:00 at 07:00.
 */
export function firstMorningSlot(
  earliest: Date,
  until: Date,
  zone: string,
): { startMs: number; endMs: number } | null {
  if (zone === 'UTC') {
    for (
      let dayMs = Math.floor(earliest.getTime() / DAY_MS) * DAY_MS;
      dayMs < until.getTime();
      dayMs += DAY_MS
    ) {
      const startMs = Math.max(dayMs + LOCAL_MORNING.startHour * HOUR_MS, earliest.getTime());
      const endMs = Math.min(dayMs + LOCAL_MORNING.endHour * HOUR_MS, until.getTime());
      if (startMs < endMs) return { startMs, endMs };
    }
    return null;
  }
  let day = DateTime.fromJSDate(earliest, { zone }).startOf('day');
  while (day.toMillis() < until.getTime()) {
    const at = (hour: number) =>
      DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour }, { zone });
    const startMs = Math.max(at(LOCAL_MORNING.startHour).toMillis(), earliest.getTime());
    const endMs = Math.min(at(LOCAL_MORNING.endHour).toMillis(), until.getTime());
    if (startMs < endMs) return { startMs, endMs };
    day = day.plus({ days: 1 });
  }
  return null;
}

/** A jittered moment in the first local morning inside [earliest, until); null when no morning fits. */
export function firstLocalMorning(
  earliest: Date,
  until: Date,
  zone: string,
  random: () => number,
): Date | null {
  const slot = firstMorningSlot(earliest, until, zone);
  return slot ? new Date(pickWithin(slot.startMs, slot.endMs, random)) : null;
}
