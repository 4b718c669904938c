import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { firstMorningSlot, formatLocal, LOCAL_MORNING } from './local-time.ts';

// Instants over several years, at minutes that cross midnights and mornings, before 1970 too.
const INSTANTS = Array.from(
  { length: 2_000 },
  (_, i) => new Date(Date.UTC(1969, 11, 31, 22, 30) + i * 997_331_000),
);

/** What luxon gives in a zone, the reference for the UTC shortcut. */
function luxonSlot(earliest: Date, until: Date, zone: string) {
  let day = DateTime.fromJSDate(earliest, { zone }).startOf('day');
  while (day.toMillis() < until.getTime()) {
    const at = (hour: number) => day.set({ hour }).toMillis();
    const startMs = Math.max(at(LOCAL_MORNING.startHour), earliest.getTime());
    const endMs = Math.min(at(LOCAL_MORNING.endHour), until.getTime());
    if (startMs < endMs) return { startMs, endMs };
    day = day.plus({ days: 1 });
  }
  return null;
}

describe('local time in UTC', () => {
  it('formats the wall clock exactly as luxon does', () => {
    for (const at of INSTANTS)
      expect(formatLocal(at, 'UTC')).toBe(
        `${DateTime.fromJSDate(at, { zone: 'UTC' }).setLocale('en-US').toFormat('ccc d LLL HH:mm')} UTC`,
      );
  });

  it('finds the same first morning as luxon, within a few hours or a few days', () => {
    for (const earliest of INSTANTS)
      for (const spanMs of [3_600_000, 5 * 3_600_000, 30 * 3_600_000, 4 * 86_400_000]) {
        const until = new Date(earliest.getTime() + spanMs);
        expect(firstMorningSlot(earliest, until, 'UTC')).toEqual(luxonSlot(earliest, until, 'UTC'));
      }
  });
});
