import { DateTime } from 'luxon';

export const PAYMENT_METHOD_TYPES = ['card', 'ach', 'direct_debit', 'pay_link'] as const;
export type PaymentMethodType = (typeof PAYMENT_METHOD_TYPES)[number];

export const FINAL_ACTIONS = ['cancel', 'mark_unpaid'] as const;
export type FinalAction = (typeof FINAL_ACTIONS)[number];

/** Which message a step sends; the message issue renders these keys into templates. */
export type MessageSpec = {
  readonly enabled: boolean;
  readonly template: string;
  /** Copy the merchant's BCC address on this step's email. */
  readonly bcc: boolean;
};

export type Step = {
  /** Day offset from the first failure; day 1 is the day of the first failure itself. */
  readonly day: number;
  readonly retry: boolean;
  readonly message: MessageSpec;
};

export type FinalStep = {
  readonly day: number;
  readonly action: FinalAction;
  readonly message: MessageSpec;
};

export type StrategyDefinition = {
  readonly paymentMethodType: PaymentMethodType;
  readonly steps: readonly Step[];
  readonly final: FinalStep;
  /** Let the decline category pick the exact retry time inside each step's day (SPEC section 3). */
  readonly smartRetries: boolean;
  /** Start dunning when a charge-now component allocation fails, not only on renewals. */
  readonly dunOnComponentFailure: boolean;
};

export type FieldError = { readonly field: string; readonly message: string };

export const MAX_STRATEGY_DAYS = 120;

/** Checks a definition as an operator could have typed it; returns every problem with its field. */
export function validateStrategy(def: StrategyDefinition): FieldError[] {
  const errors: FieldError[] = [];
  if (!PAYMENT_METHOD_TYPES.includes(def.paymentMethodType)) {
    errors.push({
      field: 'payment_method_type',
      message: `must be one of ${PAYMENT_METHOD_TYPES.join(', ')}`,
    });
  }
  const finalDay = def.final.day;
  const finalDayValid =
    Number.isInteger(finalDay) && finalDay >= 1 && finalDay <= MAX_STRATEGY_DAYS;
  if (!finalDayValid) {
    errors.push({
      field: 'final.day',
      message: `must be a whole number from 1 to ${MAX_STRATEGY_DAYS}`,
    });
  }
  if (!FINAL_ACTIONS.includes(def.final.action)) {
    errors.push({ field: 'final.action', message: `must be one of ${FINAL_ACTIONS.join(', ')}` });
  }
  if (def.final.message.enabled && def.final.message.template.trim() === '') {
    errors.push({ field: 'final.message.template', message: 'is required when the message is on' });
  }
  let previousDay = 0;
  def.steps.forEach((step, i) => {
    const field = `steps[${i}].day`;
    if (!Number.isInteger(step.day) || step.day < 1) {
      errors.push({ field, message: 'must be a whole number of at least 1' });
    } else if (step.day <= previousDay) {
      errors.push({ field, message: 'steps must be in increasing day order, one per day' });
    } else if (finalDayValid && step.day >= finalDay) {
      errors.push({ field, message: `must come before the final step on day ${finalDay}` });
    }
    if (step.message.enabled && step.message.template.trim() === '') {
      errors.push({
        field: `steps[${i}].message.template`,
        message: 'is required when the message is on',
      });
    }
    previousDay = step.day;
  });
  return errors;
}

/** True when the strategy ends dunning on the very first failure (a single final step on day 1). */
export function endsAfterFirstFailure(def: StrategyDefinition): boolean {
  return def.final.day === 1;
}

/**
 * When a step's day starts for this case: the first failure's local time of day, (day - 1) local
 * days later in the customer's time zone, so DST shifts do not move it by an hour.
 */
export function stepDueAt(firstFailureAt: Date, day: number, timeZone: string): Date {
  if (day <= 1) return firstFailureAt;
  // UTC has no DST: a local day is 24 hours, so the sum is exact without a zone lookup.
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC')
    return new Date(firstFailureAt.getTime() + (day - 1) * DAY_MS);
  // A step plans, saves and reschedules against the same few days of its case: computed once.
  const key = `${firstFailureAt.getTime()} ${day} ${timeZone}`;
  const known = dueAtMs.get(key);
  if (known !== undefined) return new Date(known);
  const at = DateTime.fromJSDate(firstFailureAt, { zone: timeZone })
    .plus({ days: day - 1 })
    .toJSDate();
  if (dueAtMs.size >= DUE_AT_CACHE_SIZE) dueAtMs.clear();
  dueAtMs.set(key, at.getTime());
  return at;
}

const DAY_MS = 86_400_000;
const DUE_AT_CACHE_SIZE = 10_000;
const dueAtMs = new Map<string, number>();
