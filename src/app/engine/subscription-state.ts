// Subscription state changes go through the domain's transition table; a group-scoped case moves
// the primary and its members together (SPEC section 2, subscription groups).
import type { Db } from '../../adapters/db/connect.ts';
import type { SubscriptionRow } from '../../adapters/db/schema.ts';
import { addEvent, updateRow } from '../../adapters/db/unit-of-work.ts';
import {
  type SubscriptionEvent,
  type SubscriptionState,
  transition,
} from '../../domain/subscription/state.ts';
import { key, type Work, withWork } from './world.ts';

const EVENT_FOR_STATE: Record<SubscriptionState, string> = {
  active: 'subscription.active',
  past_due: 'subscription.past_due',
  unpaid: 'subscription.unpaid',
  canceled: 'subscription.canceled',
};

export type SubscriptionEventOptions = {
  scope: 'subscription' | 'group';
  reason: string;
  caseId?: string | null;
};

/** Moves the subscription (and a group's members, loaded in the world) through one event. */
export function applySubscriptionEventIn(
  w: Work,
  sub: SubscriptionRow,
  event: SubscriptionEvent,
  at: Date,
  options: SubscriptionEventOptions,
): void {
  const targets = [sub];
  if (options.scope === 'group') {
    const members = w.world.members.get(key(sub.merchant_id, sub.subscription_id)) ?? [];
    targets.push(...members.filter((m) => m.state !== 'canceled'));
  }
  for (const target of targets) {
    // Members follow the primary's case; their own balance does not decide their state.
    const memberEvent: SubscriptionEvent =
      target !== sub && (event.kind === 'charge_succeeded' || event.kind === 'payment_applied')
        ? { ...event, balanceAfterMinor: 0 }
        : event;
    const next = transition(target.state, memberEvent);
    if (!next.ok || !next.changed) continue;
    const state = next.state;
    const from = target.state;
    const patch: Partial<SubscriptionRow> = {
      state,
      past_due_since: state === 'past_due' ? (target.past_due_since ?? at) : null,
      canceled_at: state === 'canceled' ? at : null,
      // A canceled subscription accrues nothing: no renewal falls due any more.
      ...(state === 'canceled' ? { next_renewal_at: null } : {}),
      updated_at: new Date(),
    };
    Object.assign(target, patch);
    updateRow(
      w.unit,
      'subscriptions',
      { merchant_id: target.merchant_id, subscription_id: target.subscription_id },
      patch,
    );
    addEvent(w.unit, {
      merchantId: target.merchant_id,
      type:
        from === 'canceled' && state === 'active'
          ? 'subscription.reactivated'
          : EVENT_FOR_STATE[state],
      occurredAt: at,
      subscriptionId: target.subscription_id,
      caseId: options.caseId ?? null,
      data: {
        from,
        to: state,
        reason: options.reason,
        ...(target !== sub ? { via_group_primary: sub.subscription_id } : {}),
      },
    });
  }
}

export async function applySubscriptionEvent(
  trx: Db,
  sub: SubscriptionRow,
  event: SubscriptionEvent,
  at: Date,
  options: SubscriptionEventOptions,
): Promise<void> {
  const copy = { ...sub };
  await withWork(trx, { subs: [copy] }, (w) =>
    applySubscriptionEventIn(w, copy, event, at, options),
  );
}
