import { describe, expect, it } from 'vitest';
import { enginePayCycle } from './engine-knowledge.ts';
import { DAY_MS, type PaySchedule } from './paydays.ts';

const day = (iso: string) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
const plain = { weekend: 'before', holidays: 'none', arrivalHour: 0 } as const;

describe('what the engine learns of a pay schedule', () => {
  it.each<[string, PaySchedule, unknown]>([
    ['the 1st', { frequency: 'monthly', day: 1, ...plain }, { kind: 'monthly', dayOfMonth: 1 }],
    [
      'the last day, as its last business day',
      { frequency: 'monthly', day: 31, ...plain },
      { kind: 'monthly', dayOfMonth: -1 },
    ],
    ['the 25th', { frequency: 'monthly', day: 25, ...plain }, { kind: 'monthly', dayOfMonth: 25 }],
    [
      'the 15th and the last day',
      { frequency: 'semimonthly', days: [15, 31], ...plain },
      { kind: 'semi_monthly', days: [15, -1] },
    ],
    ['Fridays', { frequency: 'weekly', weekday: 'fri', ...plain }, { kind: 'weekly', weekday: 5 }],
    [
      'every other Friday from 13 March 2026',
      { frequency: 'biweekly', weekday: 'fri', parity: 0, ...plain },
      { kind: 'biweekly', anchor: '2026-03-13' },
    ],
    [
      'every other Friday from 6 March 2026',
      { frequency: 'biweekly', weekday: 'fri', parity: 1, ...plain },
      { kind: 'biweekly', anchor: '2026-03-06' },
    ],
  ])('%s', (_, schedule, expected) => {
    expect(enginePayCycle(schedule, day('2026-03-02'))).toEqual(expected);
  });
});
