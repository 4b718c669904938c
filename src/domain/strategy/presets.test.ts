import { describe, expect, it } from 'vitest';
import { buildPreset, PRESET_KEYS, PRESETS } from './presets.ts';
import { endsAfterFirstFailure, PAYMENT_METHOD_TYPES, validateStrategy } from './strategy.ts';

const ALL = PRESET_KEYS.flatMap((key) => PAYMENT_METHOD_TYPES.map((type) => [key, type] as const));

describe('presets', () => {
  it.each(ALL)('%s validates for %s payment methods', (key, type) => {
    const def = buildPreset(key, type);
    expect(validateStrategy(def)).toEqual([]);
    expect(def.paymentMethodType).toBe(type);
  });

  it.each(PRESET_KEYS)('%s has a name and a description for the picker', (key) => {
    expect(PRESETS[key].name).not.toBe('');
    expect(PRESETS[key].description).not.toBe('');
  });

  it.each([
    ['gentle_30', [1, 4, 8, 13, 19, 25], [4, 8, 13, 19, 25], 30, 'cancel'],
    ['firm_14', [1, 3, 6, 9, 12], [3, 6, 9, 12], 14, 'mark_unpaid'],
    ['one_step', [], [], 1, 'cancel'],
  ] as const)(
    '%s runs steps on days %j, retries on %j, ends on day %i with %s',
    (key, days, retryDays, finalDay, action) => {
      const def = buildPreset(key, 'card');
      expect(def.steps.map((s) => s.day)).toEqual(days);
      expect(def.steps.filter((s) => s.retry).map((s) => s.day)).toEqual(retryDays);
      expect(def.final).toMatchObject({ day: finalDay, action });
    },
  );

  it.each([
    ['gentle_30', ['first_notice', 'reminder', 'reminder', 'final_warning'], 'canceled'],
    ['firm_14', ['first_notice', 'reminder', 'final_warning'], 'unpaid'],
    ['one_step', [], 'canceled'],
  ] as const)('%s sends escalating messages %j and then "%s"', (key, templates, finalTemplate) => {
    const def = buildPreset(key, 'card');
    expect(def.steps.filter((s) => s.message.enabled).map((s) => s.message.template)).toEqual(
      templates,
    );
    expect(def.final.message).toMatchObject({ enabled: true, template: finalTemplate });
  });

  it.each(['gentle_30', 'firm_14'] as const)(
    '%s copies the merchant BCC only on the final warning',
    (key) => {
      const bcc = buildPreset(key, 'card').steps.filter((s) => s.message.bcc);
      expect(bcc.map((s) => s.message.template)).toEqual(['final_warning']);
    },
  );

  it.each(PAYMENT_METHOD_TYPES)('one_step ends dunning after the first failure for %s', (type) => {
    const def = buildPreset('one_step', type);
    expect(endsAfterFirstFailure(def)).toBe(true);
    expect(def.steps).toEqual([]);
  });

  it.each(ALL.filter(([key]) => key !== 'one_step'))(
    '%s does not end after the first failure for %s',
    (key, type) => {
      expect(endsAfterFirstFailure(buildPreset(key, type))).toBe(false);
    },
  );

  it.each(ALL)('%s uses smart retries for %s only when it is a card', (key, type) => {
    const expected = key !== 'one_step' && type === 'card';
    expect(buildPreset(key, type).smartRetries).toBe(expected);
  });

  it('builds a fresh definition each time, so editing one leaves the preset intact', () => {
    const a = buildPreset('gentle_30', 'card');
    const b = buildPreset('gentle_30', 'card');
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
    expect(a.steps).not.toBe(b.steps);
  });
});
