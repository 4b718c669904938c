import { describe, expect, it } from 'vitest';
import {
  collectsAutomatically,
  SUBSCRIPTION_STATES,
  type SubscriptionEvent,
  type SubscriptionState,
  transition,
} from './state.ts';

const EVENTS = {
  charge_failed: { kind: 'charge_failed' },
  'charge_succeeded, balance 0': { kind: 'charge_succeeded', balanceAfterMinor: 0 },
  'charge_succeeded, balance left': { kind: 'charge_succeeded', balanceAfterMinor: 1500 },
  'payment_applied, balance 0': { kind: 'payment_applied', balanceAfterMinor: 0 },
  'payment_applied, balance left': { kind: 'payment_applied', balanceAfterMinor: 1500 },
  'payment_applied, in credit': { kind: 'payment_applied', balanceAfterMinor: -200 },
  'final_action cancel': { kind: 'final_action', action: 'cancel' },
  'final_action mark_unpaid': { kind: 'final_action', action: 'mark_unpaid' },
  canceled: { kind: 'canceled' },
  reactivated: { kind: 'reactivated' },
} as const satisfies Record<string, SubscriptionEvent>;

type EventName = keyof typeof EVENTS;
type Outcome = SubscriptionState | 'refused';

// Every state × every event: the resulting state, or 'refused'.
const TABLE: Record<SubscriptionState, Record<EventName, Outcome>> = {
  active: {
    charge_failed: 'past_due',
    'charge_succeeded, balance 0': 'active',
    'charge_succeeded, balance left': 'active',
    'payment_applied, balance 0': 'active',
    'payment_applied, balance left': 'active',
    'payment_applied, in credit': 'active',
    'final_action cancel': 'refused',
    'final_action mark_unpaid': 'refused',
    canceled: 'canceled',
    reactivated: 'refused',
  },
  past_due: {
    charge_failed: 'past_due',
    'charge_succeeded, balance 0': 'active',
    'charge_succeeded, balance left': 'past_due',
    'payment_applied, balance 0': 'active',
    'payment_applied, balance left': 'past_due',
    'payment_applied, in credit': 'active',
    'final_action cancel': 'canceled',
    'final_action mark_unpaid': 'unpaid',
    canceled: 'canceled',
    reactivated: 'refused',
  },
  unpaid: {
    charge_failed: 'unpaid',
    'charge_succeeded, balance 0': 'active',
    'charge_succeeded, balance left': 'unpaid',
    'payment_applied, balance 0': 'active',
    'payment_applied, balance left': 'unpaid',
    'payment_applied, in credit': 'active',
    'final_action cancel': 'refused',
    'final_action mark_unpaid': 'refused',
    canceled: 'canceled',
    reactivated: 'refused',
  },
  canceled: {
    charge_failed: 'refused',
    'charge_succeeded, balance 0': 'refused',
    'charge_succeeded, balance left': 'refused',
    'payment_applied, balance 0': 'refused',
    'payment_applied, balance left': 'refused',
    'payment_applied, in credit': 'refused',
    'final_action cancel': 'refused',
    'final_action mark_unpaid': 'refused',
    canceled: 'refused',
    reactivated: 'active',
  },
};

const ROWS = SUBSCRIPTION_STATES.flatMap((state) =>
  (Object.keys(EVENTS) as EventName[]).map((event) => [state, event, TABLE[state][event]] as const),
);

describe('subscription transition table', () => {
  it('covers every state and every event', () => {
    expect(ROWS).toHaveLength(SUBSCRIPTION_STATES.length * Object.keys(EVENTS).length);
  });

  it.each(ROWS)('%s + %s → %s', (state, eventName, expected) => {
    const result = transition(state, EVENTS[eventName]);
    if (expected === 'refused') {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).not.toBe('');
    } else {
      expect(result).toEqual({ ok: true, state: expected, changed: expected !== state });
    }
  });

  it('reaches past_due only through a failed charge', () => {
    const intoPastDue = ROWS.filter(
      ([state, , expected]) => expected === 'past_due' && state !== 'past_due',
    );
    expect(intoPastDue.map(([state, event]) => `${state} + ${event}`)).toEqual([
      'active + charge_failed',
    ]);
  });

  it('reactivates a canceled subscription and refuses every other event on it', () => {
    const accepted = ROWS.filter(
      ([state, , expected]) => state === 'canceled' && expected !== 'refused',
    );
    expect(accepted.map(([, event]) => event)).toEqual(['reactivated']);
  });

  it.each([
    ['a payment', 'payment_applied'],
    ['a retried renewal', 'charge_succeeded'],
  ] as const)(
    'an unpaid subscription returns to active when %s brings the balance to 0',
    (_, kind) => {
      expect(transition('unpaid', { kind, balanceAfterMinor: 0 })).toEqual({
        ok: true,
        state: 'active',
        changed: true,
      });
      expect(transition('unpaid', { kind, balanceAfterMinor: 1 })).toEqual({
        ok: true,
        state: 'unpaid',
        changed: false,
      });
    },
  );

  it('explains why a refused event was refused', () => {
    expect(transition('active', { kind: 'final_action', action: 'cancel' })).toEqual({
      ok: false,
      reason: 'final action applies to past_due, not active',
    });
    expect(transition('unpaid', { kind: 'reactivated' })).toEqual({
      ok: false,
      reason: 'only a canceled subscription can be reactivated, not unpaid',
    });
  });
});

describe('collectsAutomatically', () => {
  it.each([
    ['active', true],
    ['past_due', true],
    ['unpaid', false],
    ['canceled', false],
  ] as const)('a %s subscription is charged automatically: %s', (state, expected) => {
    expect(collectsAutomatically(state)).toBe(expected);
  });
});
