import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  endsAfterFirstFailure,
  type FieldError,
  MAX_STRATEGY_DAYS,
  type MessageSpec,
  type Step,
  type StrategyDefinition,
  stepDueAt,
  validateStrategy,
} from './strategy.ts';

const NOW = new Date('2026-03-02T15:00:00Z');

const msg = (template: string): MessageSpec => ({ enabled: true, template, bcc: false });
const off: MessageSpec = { enabled: false, template: '', bcc: false };
const step = (day: number, retry = true, message: MessageSpec = off): Step => ({
  day,
  retry,
  message,
});

const VALID: StrategyDefinition = {
  paymentMethodType: 'card',
  steps: [step(1, false, msg('first_notice')), step(4), step(8, true, msg('reminder'))],
  final: { day: 14, action: 'cancel', message: msg('canceled') },
  smartRetries: true,
  dunOnComponentFailure: true,
};

const fields = (errors: FieldError[]) => errors.map((e) => e.field);

describe('validateStrategy', () => {
  it('accepts a well-formed strategy', () => {
    expect(validateStrategy(VALID)).toEqual([]);
  });

  it.each<[string, Partial<StrategyDefinition>, string[]]>([
    [
      'an unknown payment method type',
      { paymentMethodType: 'cheque' as StrategyDefinition['paymentMethodType'] },
      ['payment_method_type'],
    ],
    ['a final day of 0', { steps: [], final: { ...VALID.final, day: 0 } }, ['final.day']],
    ['a fractional final day', { final: { ...VALID.final, day: 14.5 } }, ['final.day']],
    [
      `a final day past ${MAX_STRATEGY_DAYS}`,
      { final: { ...VALID.final, day: MAX_STRATEGY_DAYS + 1 } },
      ['final.day'],
    ],
    [
      'an unknown final action',
      { final: { ...VALID.final, action: 'delete' as StrategyDefinition['final']['action'] } },
      ['final.action'],
    ],
    ['a step on day 0', { steps: [step(0)] }, ['steps[0].day']],
    ['a step on a negative day', { steps: [step(1), step(-3)] }, ['steps[1].day']],
    ['a fractional step day', { steps: [step(1), step(2.5)] }, ['steps[1].day']],
    ['steps out of order', { steps: [step(1), step(8), step(4)] }, ['steps[2].day']],
    ['two steps on the same day', { steps: [step(1), step(4), step(4)] }, ['steps[2].day']],
    ['a step on the final day', { steps: [step(1), step(14)] }, ['steps[1].day']],
    ['a step after the final day', { steps: [step(1), step(20)] }, ['steps[1].day']],
    [
      'a message switched on without a template',
      { steps: [step(1), step(4, true, msg('   '))] },
      ['steps[1].message.template'],
    ],
    [
      'several problems at once',
      {
        paymentMethodType: 'cheque' as StrategyDefinition['paymentMethodType'],
        steps: [step(0), step(5, false, msg('')), step(3)],
        final: { day: MAX_STRATEGY_DAYS + 1, action: 'cancel', message: off },
      },
      [
        'payment_method_type',
        'final.day',
        'steps[0].day',
        'steps[1].message.template',
        'steps[2].day',
      ],
    ],
  ])('rejects %s and names the field', (_name, patch, expected) => {
    expect(fields(validateStrategy({ ...VALID, ...patch }))).toEqual(expected);
  });

  it.each([
    [[step(1), step(14)], 'steps[1].day', 'must come before the final step on day 14'],
    [[step(4), step(4)], 'steps[1].day', 'steps must be in increasing day order, one per day'],
    [[step(0)], 'steps[0].day', 'must be a whole number of at least 1'],
  ])('says what is wrong with a step day (%j)', (steps, field, message) => {
    expect(validateStrategy({ ...VALID, steps })).toEqual([{ field, message }]);
  });

  it('accepts the edges: a step on day 1 and a final step on the last allowed day', () => {
    const def = { ...VALID, steps: [step(1)], final: { ...VALID.final, day: MAX_STRATEGY_DAYS } };
    expect(validateStrategy(def)).toEqual([]);
  });

  it('accepts a step whose message is off with an empty template', () => {
    expect(validateStrategy({ ...VALID, steps: [step(3, true, off)] })).toEqual([]);
  });

  it('accepts a final step on day 1 with no other steps (end after first failure)', () => {
    const def = { ...VALID, steps: [], final: { ...VALID.final, day: 1 } };
    expect(validateStrategy(def)).toEqual([]);
  });

  it('rejects a step on day 1 when the final step is also on day 1', () => {
    const def = { ...VALID, steps: [step(1)], final: { ...VALID.final, day: 1 } };
    expect(fields(validateStrategy(def))).toEqual(['steps[0].day']);
  });

  it('rejects a final message switched on without a template', () => {
    const def = { ...VALID, final: { ...VALID.final, message: msg('') } };
    expect(fields(validateStrategy(def))).toEqual(['final.message.template']);
  });
});

describe('endsAfterFirstFailure', () => {
  it.each([
    [1, true],
    [2, false],
    [30, false],
  ])('a final step on day %i ends dunning on the first failure: %s', (day, expected) => {
    expect(endsAfterFirstFailure({ ...VALID, steps: [], final: { ...VALID.final, day } })).toBe(
      expected,
    );
  });
});

describe('stepDueAt', () => {
  const NY = 'America/New_York';

  it('puts day 1 at the failure time itself', () => {
    expect(stepDueAt(NOW, 1, NY)).toEqual(NOW);
    expect(stepDueAt(NOW, 1, 'Asia/Tokyo')).toEqual(NOW);
  });

  // NOW is 10:00 in New York (EST, UTC-5); US DST starts on 2026-03-08, after which 10:00 is 14:00Z.
  it.each([
    [2, '2026-03-03T15:00:00.000Z'],
    [6, '2026-03-07T15:00:00.000Z'],
    [7, '2026-03-08T14:00:00.000Z'],
    [8, '2026-03-09T14:00:00.000Z'],
    [14, '2026-03-15T14:00:00.000Z'],
    [30, '2026-03-31T14:00:00.000Z'],
  ])('day %i is due at %s: 10:00 New York time across the DST change', (day, expected) => {
    expect(stepDueAt(NOW, day, NY).toISOString()).toBe(expected);
  });

  it('keeps local time when DST ends too (New York, November 2026)', () => {
    const failedAt = new Date('2026-10-30T14:00:00Z'); // 10:00 EDT
    expect(stepDueAt(failedAt, 2, NY).toISOString()).toBe('2026-10-31T14:00:00.000Z');
    expect(stepDueAt(failedAt, 4, NY).toISOString()).toBe('2026-11-02T15:00:00.000Z'); // 10:00 EST
  });

  it('counts whole UTC days in a time zone without DST', () => {
    expect(stepDueAt(NOW, 8, 'UTC').toISOString()).toBe('2026-03-09T15:00:00.000Z');
    expect(stepDueAt(NOW, 8, 'Asia/Tokyo').toISOString()).toBe('2026-03-09T15:00:00.000Z');
  });

  it.each(['UTC', 'Etc/UTC', NY, 'Europe/London', 'Australia/Sydney'])(
    'gives the calendar sum in %s on every day of a year, asked once or again',
    (zone) => {
      for (let day = 1; day <= 366; day++) {
        const expected = DateTime.fromJSDate(NOW, { zone })
          .plus({ days: day - 1 })
          .toJSDate();
        expect(stepDueAt(NOW, day, zone)).toEqual(expected);
        expect(stepDueAt(NOW, day, zone)).toEqual(expected);
      }
    },
  );
});
