// Hard-decline dunning (SPEC section 4): off until the operator makes it available for the
// merchant and the merchant activates it. Then each failed automatic renewal that ends in a hard
// decline on an auto-renewing subscription sends one message at once, with the update link.
import { findCaseLinkFacts } from '../../adapters/db/dunning-cases.repo.ts';
import { lockMerchant, setMerchantSettings } from '../../adapters/db/merchants.repo.ts';
import { updateLinkValidity } from '../../domain/subscription/update-link.ts';
import type { Deps } from '../deps.ts';
import {
  type HardDeclineDunningSettings,
  hardDeclineDunningOf,
} from '../engine/hard-decline-message.ts';
import { fail, ok, type Result } from '../result.ts';

/** `available` is the operator's switch; `active` the merchant's, allowed only once available. */
export async function setHardDeclineDunning(
  deps: Pick<Deps, 'db'>,
  input: { merchantId: string; available?: boolean; active?: boolean },
): Promise<Result<HardDeclineDunningSettings>> {
  return deps.db.transaction().execute(async (trx) => {
    const merchant = await lockMerchant(trx, input.merchantId);
    if (!merchant) return fail('not_found', `no merchant ${input.merchantId}`, 'merchant_id');
    const current = hardDeclineDunningOf(merchant.settings);
    const available = input.available ?? current.available;
    const wantActive = input.active ?? current.active;
    if (wantActive && !available) {
      return fail(
        'invalid_state',
        'hard-decline dunning is not available for this merchant yet',
        'active',
      );
    }
    const next = { available, active: available && wantActive };
    const settings = {
      ...((merchant.settings as Record<string, unknown>) ?? {}),
      hard_decline_dunning: next,
    };
    await setMerchantSettings(trx, input.merchantId, settings);
    return ok(next);
  });
}

/** Whether the update link of a case's hard-declined renewal still works now (the hosted page asks this). */
export async function updateLinkStatus(
  deps: Pick<Deps, 'db' | 'clock'>,
  input: { merchantId: string; caseId: string },
): Promise<Result<{ valid: boolean; expiresAt: Date | null; why: string }>> {
  const row = await findCaseLinkFacts(deps.db, input.merchantId, input.caseId);
  if (!row) return fail('not_found', `no case ${input.caseId}`, 'case_id');
  const now = row.test_clock_at ?? deps.clock.now();
  return ok(
    updateLinkValidity(
      {
        state: row.state,
        graceDays: row.grace_days,
        pastDueSince: row.past_due_since,
        declinedAt: row.last_decline_at ?? row.opened_at,
      },
      now,
    ),
  );
}
