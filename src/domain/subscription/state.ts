// Subscription states (SPEC section 2):
// - active:   paid up; the engine renews it at each period end.
// - past_due: a charge failed and a dunning case is open; reached only through a failed charge.
// - unpaid:   the final action gave up collecting; charges keep accruing, no automatic attempts;
//             back to active when a payment clears the balance or a retried renewal succeeds.
// - canceled: accrues nothing and is never charged; can be reactivated.

export const SUBSCRIPTION_STATES = ['active', 'past_due', 'unpaid', 'canceled'] as const;
export type SubscriptionState = (typeof SUBSCRIPTION_STATES)[number];

export type SubscriptionEvent =
  | { kind: 'charge_failed' }
  | { kind: 'charge_succeeded'; balanceAfterMinor: number }
  | { kind: 'payment_applied'; balanceAfterMinor: number }
  | { kind: 'final_action'; action: 'cancel' | 'mark_unpaid' }
  | { kind: 'canceled' }
  | { kind: 'reactivated' };

export type Transition =
  | { ok: true; state: SubscriptionState; changed: boolean }
  | { ok: false; reason: string };

export function transition(state: SubscriptionState, event: SubscriptionEvent): Transition {
  const to = (next: SubscriptionState): Transition => ({
    ok: true,
    state: next,
    changed: next !== state,
  });
  const refuse = (reason: string): Transition => ({ ok: false, reason });
  switch (event.kind) {
    case 'charge_failed':
      if (state === 'canceled') return refuse('a canceled subscription is never charged');
      // unpaid stays unpaid: it accrues but is no longer dunned.
      return to(state === 'unpaid' ? 'unpaid' : 'past_due');
    case 'charge_succeeded':
    case 'payment_applied':
      if (state === 'canceled') return refuse('a canceled subscription takes no payments');
      return to(event.balanceAfterMinor <= 0 ? 'active' : state);
    case 'final_action':
      if (state !== 'past_due') return refuse(`final action applies to past_due, not ${state}`);
      return to(event.action === 'cancel' ? 'canceled' : 'unpaid');
    case 'canceled':
      if (state === 'canceled') return refuse('already canceled');
      return to('canceled');
    case 'reactivated':
      if (state !== 'canceled')
        return refuse(`only a canceled subscription can be reactivated, not ${state}`);
      return to('active');
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

/** Whether the engine may charge this subscription automatically (renewals and retries). */
export function collectsAutomatically(state: SubscriptionState): boolean {
  return state === 'active' || state === 'past_due';
}
