// What the engine's smart timing would know of a customer's pay, had it learned the cycle
// (`engine.knownPayCycleShare`): the world's schedule in the engine's PayCycle terms. The engine's
// terms cannot say everything (holidays, a payday moved after a weekend, the hour money arrives):
// a learned cycle is close to the truth, not the truth.
import type { PayCycle } from '../../domain/retry-timing/pay-cycle.ts';
import { DAY_MS, firstNominalPayday, type PaySchedule, WEEKDAYS } from './paydays.ts';

/** Last day of the month in the engine's terms (its "last business day", -1). */
const LAST = -1;

export function enginePayCycle(schedule: PaySchedule, fromDay: number): PayCycle {
  const dayOfMonth = (d: number) => (d === 31 ? LAST : d);
  switch (schedule.frequency) {
    case 'monthly':
      return { kind: 'monthly', dayOfMonth: dayOfMonth(schedule.day) };
    case 'semimonthly':
      return {
        kind: 'semi_monthly',
        days: [dayOfMonth(schedule.days[0]), dayOfMonth(schedule.days[1])],
      };
    case 'weekly':
      return { kind: 'weekly', weekday: WEEKDAYS.indexOf(schedule.weekday) + 1 };
    case 'biweekly': {
      const anchor = firstNominalPayday(schedule, fromDay);
      return { kind: 'biweekly', anchor: new Date(anchor * DAY_MS).toISOString().slice(0, 10) };
    }
    default: {
      const unreachable: never = schedule;
      return unreachable;
    }
  }
}
