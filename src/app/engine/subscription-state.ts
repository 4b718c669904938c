// Subscription state changes go through the domain's transition table; a group-scoped case moves
// the primary and its members together (SPEC section 2, subscription groups).
import type { Db } from '../../adapters/db/connect.ts';
import { recordEvent } from '../../adapters/db/events.repo.ts';
import type { SubscriptionRow } from '../../adapters/db/schema.ts';
import {
  type SubscriptionEvent,
  type SubscriptionState,
  transition,
} from '../../domain/subscription/state.ts';

const EVENT_FOR_STATE: Record<SubscriptionState, string> = {
  active: 'subscription.active',
  past_due: 'subscription.past_due',
  unpaid: 'subscription.unpaid',
  canceled: 'subscription.canceled',
};

export async function applySubscriptionEvent(
  trx: Db,
  sub: SubscriptionRow,
  event: SubscriptionEvent,
  at: Date,
  options: { scope: 'subscription' | 'group'; reason: string; caseId?: string | null },
): Promise<void> {
  const targets = [sub];
  if (options.scope === 'group') {
    const members = await trx
      .selectFrom('subscriptions')
      .selectAll()
      .where('merchant_id', '=', sub.merchant_id)
      .where('primary_subscription_id', '=', sub.subscription_id)
      .where('state', '!=', 'canceled')
      .forUpdate()
      .execute();
    targets.push(...members);
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
    await trx
      .updateTable('subscriptions')
      .set({
        state,
        past_due_since: state === 'past_due' ? (target.past_due_since ?? at) : null,
        canceled_at: state === 'canceled' ? at : null,
        // A canceled subscription accrues nothing: no renewal falls due any more.
        ...(state === 'canceled' ? { next_renewal_at: null } : {}),
        updated_at: new Date(),
      })
      .where('merchant_id', '=', target.merchant_id)
      .where('subscription_id', '=', target.subscription_id)
      .execute();
    await recordEvent(trx, {
      merchantId: target.merchant_id,
      type:
        target.state === 'canceled' && state === 'active'
          ? 'subscription.reactivated'
          : EVENT_FOR_STATE[state],
      occurredAt: at,
      subscriptionId: target.subscription_id,
      caseId: options.caseId ?? null,
      data: {
        from: target.state,
        to: state,
        reason: options.reason,
        ...(target !== sub ? { via_group_primary: sub.subscription_id } : {}),
      },
    });
  }
}
