import { describe, expect, it } from 'vitest';
import { acceptsEvent, checkEnabledEvents } from './event-filter.ts';
import { PUBLIC_EVENT_TYPES } from './public-events.ts';

describe('acceptsEvent', () => {
  it.each([
    [['*'], 'payment.failed', true],
    [['payment.failed'], 'payment.failed', true],
    [['payment.failed'], 'payment.recovered', false],
    [['payment.failed', 'dunning.started'], 'dunning.started', true],
    [['subscription.*'], 'subscription.past_due', true],
    [['subscription.*'], 'subscription.canceled', true],
    [['subscription.*'], 'payment.failed', false],
    // A group wildcard matches whole groups only, not a prefix of a group's name.
    [['payment.*'], 'payment_method.updated', false],
    [['payment_method.*'], 'payment_method.updated', true],
    [[], 'payment.failed', false],
  ])('a filter %j receives %s: %s', (filter, type, expected) => {
    expect(acceptsEvent(filter, type)).toBe(expected);
  });
});

describe('checkEnabledEvents', () => {
  it.each([
    [['*'], ['*']],
    [
      ['payment.failed', 'dunning.*'],
      ['payment.failed', 'dunning.*'],
    ],
    [['payment.failed', 'payment.failed'], ['payment.failed']],
  ])('accepts %j', (list, expected) => {
    expect(checkEnabledEvents(list, PUBLIC_EVENT_TYPES)).toEqual({
      ok: true,
      enabledEvents: expected,
    });
  });

  it.each([
    [[], null, 'list at least one event type, or "*"'],
    [['payment.failed', 'payment.faild'], 1, '"payment.faild" is not a webhook event type'],
    [['dunning_case.decision'], 0, '"dunning_case.decision" is not a webhook event type'],
    [['nothing.*'], 0, '"nothing.*" is not a webhook event type'],
    [['.*'], 0, '".*" is not a webhook event type'],
    [['payment'], 0, '"payment" is not a webhook event type'],
  ])('refuses %j at index %s: %s', (list, index, why) => {
    expect(checkEnabledEvents(list, PUBLIC_EVENT_TYPES)).toEqual({ ok: false, index, why });
  });

  it('refuses more than 50 entries', () => {
    const list = Array.from({ length: 51 }, () => '*');
    expect(checkEnabledEvents(list, PUBLIC_EVENT_TYPES)).toMatchObject({ ok: false, index: null });
  });
});
