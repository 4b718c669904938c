// The card a customer enters on the update page becomes the subscription's once a charge on it
// pays, or its bank only asks the customer to authenticate it (the challenge that follows confirms
// the card on file); a declined card never replaces the one on file. The page applies this to its
// own answer, and the worker to a page charge it re-sent after the page's process lost the answer.
import type { CaseRow, PaymentMethodRow, SubscriptionRow } from '../../adapters/db/schema.ts';
import { addEvent, type Unit, updateRow } from '../../adapters/db/unit-of-work.ts';
import type { AttemptOutcomeRecord } from './attempts.ts';

/** The idempotency keys of one link's charges on one case, numbered from 1 after this prefix. */
export function updateLinkKeyPrefix(caseId: string, linkId: string): string {
  return `${caseId}:update_link:${linkId}:`;
}

/** The link a charge was made from, read back from its idempotency key; null for other charges. */
export function linkOfAttemptKey(idempotencyKey: string): string | null {
  return /:update_link:([^:]+):\d+$/.exec(idempotencyKey)?.[1] ?? null;
}

export function adoptsNewCard(outcome: AttemptOutcomeRecord): boolean {
  return (
    outcome.kind === 'succeeded' ||
    (outcome.kind === 'declined' && outcome.classification.category === 'authentication_required')
  );
}

/** Makes `pm` the subscription's and the case's method, with its event, in the unit of work. */
export function adoptCardIn(
  unit: Unit,
  row: CaseRow,
  sub: SubscriptionRow,
  pm: PaymentMethodRow,
  linkId: string,
  at: Date,
): void {
  updateRow(
    unit,
    'subscriptions',
    { merchant_id: sub.merchant_id, subscription_id: sub.subscription_id },
    { payment_method_id: pm.payment_method_id, updated_at: new Date() },
  );
  updateRow(
    unit,
    'dunning_cases',
    { merchant_id: row.merchant_id, case_id: row.case_id },
    { payment_method_id: pm.payment_method_id, payment_method_type: pm.type },
  );
  addEvent(unit, {
    merchantId: row.merchant_id,
    type: 'payment_method.updated',
    occurredAt: at,
    subscriptionId: row.subscription_id,
    caseId: row.case_id,
    data: {
      payment_method_id: pm.payment_method_id,
      replaced: sub.payment_method_id,
      source: 'customer',
      via: 'update_link',
      link_id: linkId,
    },
  });
}
