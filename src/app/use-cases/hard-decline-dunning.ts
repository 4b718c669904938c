// Hard-decline dunning (SPEC section 4): off until the operator makes it available for the
// merchant and the merchant activates it. Then each failed automatic renewal that ends in a hard
// decline on an auto-renewing subscription sends one message at once, with the update link.
import { findCaseLinkFacts } from '../../adapters/db/dunning-cases.repo.ts';
import { recordEvent } from '../../adapters/db/events.repo.ts';
import {
  listMerchantIds,
  lockMerchant,
  readMerchantNow,
  setMerchantSettings,
} from '../../adapters/db/merchants.repo.ts';
import { updateLinkValidity } from '../../domain/subscription/update-link.ts';
import type { Deps } from '../deps.ts';
import {
  type HardDeclineDunningSettings,
  hardDeclineDunningOf,
} from '../engine/hard-decline-message.ts';
import { fail, ok, type Result } from '../result.ts';

/**
 * `available` is the operator's switch (CLI `dunner merchant hard-decline-dunning`, or
 * DUNNER_HARD_DECLINE_DUNNING_MERCHANTS at `serve` start); `active` the merchant's, allowed only
 * once available. Making it unavailable switches it off too; the merchant activates it again.
 */
export async function setHardDeclineDunning(
  deps: Pick<Deps, 'db' | 'clock'>,
  input: { merchantId: string; available?: boolean; active?: boolean },
): Promise<Result<HardDeclineDunningSettings & { changed: boolean }>> {
  return deps.db.transaction().execute(async (trx) => {
    const merchant = await lockMerchant(trx, input.merchantId);
    if (!merchant) return fail('not_found', `no merchant ${input.merchantId}`, 'merchant_id');
    const current = hardDeclineDunningOf(merchant.settings);
    const available = input.available ?? current.available;
    if (input.active === true && !available) {
      return fail(
        'invalid_state',
        'hard-decline dunning is not available for this merchant yet',
        'active',
      );
    }
    const next = { available, active: available && (input.active ?? current.active) };
    const changed = next.available !== current.available || next.active !== current.active;
    if (!changed) return ok({ ...next, changed });
    const settings = {
      ...((merchant.settings as Record<string, unknown>) ?? {}),
      hard_decline_dunning: next,
    };
    await setMerchantSettings(trx, input.merchantId, settings);
    await recordEvent(trx, {
      merchantId: input.merchantId,
      type: 'merchant.updated',
      occurredAt: await readMerchantNow(trx, input.merchantId, deps.clock),
      data: { changed: ['hard_decline_dunning'], hard_decline_dunning: next },
    });
    return ok({ ...next, changed });
  });
}

/**
 * The operator's configuration at `serve` start: each listed merchant (every merchant for `all`)
 * is made available as the CLI's `--available` does, and stays so. Ids with no merchant are
 * reported, not fatal: a typo must not keep the service from starting.
 */
export async function applyHardDeclineDunningConfig(
  deps: Pick<Deps, 'db' | 'clock'>,
  merchants: 'all' | readonly string[],
): Promise<{ madeAvailable: string[]; unknown: string[] }> {
  const ids = merchants === 'all' ? await listMerchantIds(deps.db) : merchants;
  const madeAvailable: string[] = [];
  const unknown: string[] = [];
  for (const merchantId of ids) {
    const done = await setHardDeclineDunning(deps, { merchantId, available: true });
    if (!done.ok) unknown.push(merchantId);
    else if (done.value.changed) madeAvailable.push(merchantId);
  }
  return { madeAvailable, unknown };
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
        declinedAt: row.hard_declined_at ?? row.last_decline_at ?? row.opened_at,
      },
      now,
    ),
  );
}
