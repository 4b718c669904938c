// The message hard-decline dunning sends (SPEC section 4), written in the transaction that
// records the hard-declined automatic renewal. Its switches are set by setHardDeclineDunning. The
// case keeps the attempt's time (hard_declined_at): its step messages and every update link of it
// follow the link rule from then on (stepMessageAfterHardDecline, update-links.ts).
import type { Db } from '../../adapters/db/connect.ts';
import type { AttemptRow, CaseRow, SubscriptionRow } from '../../adapters/db/schema.ts';
import { updateRow } from '../../adapters/db/unit-of-work.ts';
import { updateLinkValidity } from '../../domain/subscription/update-link.ts';
import { queueMessageIn } from './cases.ts';
import { type Work, withWork } from './world.ts';

export type HardDeclineDunningSettings = { available: boolean; active: boolean };

export function hardDeclineDunningOf(settings: unknown): HardDeclineDunningSettings {
  const value = (settings as { hard_decline_dunning?: Partial<HardDeclineDunningSettings> } | null)
    ?.hard_decline_dunning;
  const available = value?.available === true;
  return { available, active: available && value?.active === true };
}

/** Called while recording a declined automatic renewal; the merchant is in the world. */
export function sendHardDeclineMessageIn(
  w: Work,
  sub: SubscriptionRow,
  attempt: AttemptRow,
  row: CaseRow,
  at: Date,
): boolean {
  if (!sub.auto_renew) return false;
  const merchant = w.world.merchants.get(sub.merchant_id);
  if (!merchant) throw new Error(`merchant ${sub.merchant_id} was not loaded`);
  if (!hardDeclineDunningOf(merchant.settings).active) return false;
  const link = updateLinkValidity(
    {
      state: 'past_due',
      graceDays: sub.grace_days,
      pastDueSince: sub.past_due_since ?? at,
      declinedAt: at,
    },
    at,
  );
  row.hard_declined_at = at;
  updateRow(
    w.unit,
    'dunning_cases',
    { merchant_id: row.merchant_id, case_id: row.case_id },
    { hard_declined_at: at },
  );
  return queueMessageIn(w.unit, {
    merchantId: sub.merchant_id,
    caseId: row.case_id,
    subscriptionId: sub.subscription_id,
    customerId: sub.customer_id,
    template: 'hard_decline',
    bcc: false,
    // One message per hard-declined attempt, however often the step is re-run.
    dedupeKey: `msg_hard_decline_${attempt.attempt_id}`,
    step: 'hard_decline',
    at,
    intent: 'new_payment_method',
    details: {
      attempt_id: attempt.attempt_id,
      update_link_expires_at: link.expiresAt?.toISOString() ?? null,
    },
  });
}

export async function sendHardDeclineMessage(
  trx: Db,
  sub: SubscriptionRow,
  attempt: AttemptRow,
  row: CaseRow,
  at: Date,
): Promise<boolean> {
  return withWork(trx, { subs: [sub] }, (w) => sendHardDeclineMessageIn(w, sub, attempt, row, at));
}
