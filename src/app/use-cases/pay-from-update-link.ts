// The hosted update page's use case (SPEC section 6): the customer behind a signed update link
// pays the amount due with a new card, a gateway token from hosted fields, or the card on file
// after authenticating (SCA). Same three steps as the engine: record the attempt and its key,
// call the gateway outside any transaction, apply the answer with its events in one transaction.
import type { Db } from '../../adapters/db/connect.ts';
import { holdCaseForAttempt } from '../../adapters/db/dunning-cases.repo.ts';
import { recordEvent } from '../../adapters/db/events.repo.ts';
import {
  type LockedCase,
  lockSubscriptionAndCase,
  releaseLease,
} from '../../adapters/db/locks.repo.ts';
import { readMerchantNow } from '../../adapters/db/merchants.repo.ts';
import {
  countAttemptsWithKeyPrefix,
  lockAttempt,
} from '../../adapters/db/payment-attempts.repo.ts';
import { findPaymentMethod } from '../../adapters/db/payment-methods.repo.ts';
import type { AttemptRow } from '../../adapters/db/schema.ts';
import { lockUpdateLinkUse } from '../../adapters/db/update-links.repo.ts';
import { UNKNOWN_OUTCOME_RECHECK_MS } from '../../domain/case/case.ts';
import {
  blocksRetryUntilMethodChanges,
  type DeclineCategory,
} from '../../domain/declines/categories.ts';
import type { Deps } from '../deps.ts';
import { insertAttempt, recordAttemptOutcome, recordAttemptResult } from '../engine/attempts.ts';
import { caseData, recoverCase, saveCase, strategyOf } from '../engine/cases.ts';
import { type Answered, type Charge, chargeInPhases } from '../engine/charge-protocol.ts';
import { verdictForCredential } from '../engine/credential-history.ts';
import { adoptsNewCard, updateLinkKeyPrefix } from '../engine/update-link-card.ts';
import { newId } from '../ids.ts';
import { ok, type Result } from '../result.ts';
import {
  hardDeclineLinkWorks,
  markUpdateLinkUsed,
  type UpdateLinkRow,
  verifyUpdateLinkToken,
} from '../update-links/update-links.ts';
import { chooseMethod, type NewMethod, switchMethod } from './update-link-method.ts';
import {
  type HostedView,
  loadView,
  type MaskedMethod,
  masked,
  maskedMethodOf,
  merchantNowOf,
  type Rejection,
} from './update-link-view.ts';

/** The page's lease on the case while its charge is out: the worker leaves a leased case alone. */
const PAGE_LEASE_MS = 120_000;

export type PayOutcome =
  | Rejection
  | { kind: 'paid'; view: HostedView; amountMinor: number; paidWith: MaskedMethod }
  /** Declined, or refused before sending by a network rule; the link stays usable. */
  | { kind: 'declined'; view: HostedView; category: DeclineCategory; declinedMethod: MaskedMethod }
  /** The issuer wants the customer to authenticate this payment first (SCA). */
  | { kind: 'authenticate'; view: HostedView }
  /** The gateway did not answer; the same charge is re-sent later with its idempotency key. */
  | { kind: 'pending'; view: HostedView }
  /** Another charge for this case is in flight (a retry, or a second tab): nothing was sent. */
  | { kind: 'busy'; view: HostedView };

/** Charges the amount due from the update link's page, and recovers the case on success. */
export async function payFromUpdateLink(
  deps: Deps,
  input: { token: string; method: NewMethod },
): Promise<Result<PayOutcome>> {
  const verified = await verifyUpdateLinkToken(deps.db, input.token, merchantNowOf(deps));
  if (!verified.ok) return ok({ kind: 'rejected', reason: verified.reason });
  const { link } = verified;
  // Each request leases the case under its own name, so a late answer never applies twice.
  const leaseOwner = `update_link:${link.link_id}:${newId('req')}`;

  // Phase 1: check, switch to the new method, and commit the attempt with its key.
  let decided = undefined as Phase1 | undefined;
  const record = async (trx: Db): Promise<Phase1> => {
    const at = await readMerchantNow(trx, link.merchant_id, deps.clock);
    const locked = await lockLinkCase(trx, link);
    if (locked.kind === 'rejected') return locked;
    const { row, sub } = locked;
    // Checked again under the lock, at the time the charge is recorded: a page opened at 2 h 59
    // and sent at 3 h 01 takes no card (SPEC section 4).
    const facts = {
      sub_state: sub.state,
      grace_days: sub.grace_days,
      past_due_since: sub.past_due_since,
      hard_declined_at: row.hard_declined_at,
    };
    if (!hardDeclineLinkWorks(facts, at)) return { kind: 'rejected', reason: 'expired' };
    if (row.pending_attempt_id || locked.leased) return { kind: 'busy', at };

    const chosen = await chooseMethod(trx, row, sub, input.method, at);
    if (!chosen.ok) return { kind: 'invalid', result: chosen };
    const { method, authenticated } = chosen.value;

    // A method the customer just entered counts as changed now (its changed_at); an
    // authenticated charge is the remedy for an SCA decline, so that decline no longer blocks.
    const verdict = await verdictForCredential(trx, method, row.amount_due_minor, at, {
      authenticated,
    });
    if (!verdict.allowed) {
      // A charge the network rules refuse is never sent; the case timeline says which rule.
      await recordEvent(trx, {
        merchantId: row.merchant_id,
        type: 'dunning_case.decision',
        occurredAt: at,
        subscriptionId: row.subscription_id,
        caseId: row.case_id,
        data: {
          kind: 'skip',
          why: `payment from the update link refused by network rule ${verdict.rule}: ${verdict.why}`,
        },
      });
      return { kind: 'refused', at, method: masked(method) };
    }

    // A new method is charged as it is and becomes the subscription's only once a charge on it
    // succeeds: a declined card never replaces the one on file.
    const previous = await countAttemptsWithKeyPrefix(
      trx,
      row.merchant_id,
      updateLinkKeyPrefix(row.case_id, link.link_id),
    );
    const why = authenticated
      ? 'the customer authenticated the payment with their bank on the hosted page (SCA)'
      : 'the customer paid with a new payment method on the hosted page';
    const attempt = await insertAttempt(trx, {
      merchantId: row.merchant_id,
      subscriptionId: row.subscription_id,
      caseId: row.case_id,
      paymentMethodId: method.payment_method_id,
      purpose: 'manual',
      amountMinor: row.amount_due_minor,
      currency: row.currency,
      // One key per charge from this link, committed before the gateway hears of it.
      idempotencyKey: `${updateLinkKeyPrefix(row.case_id, link.link_id)}${previous + 1}`,
      why,
      at,
    });
    // With the attempt pending and the case leased, no worker retry can charge it meanwhile; if
    // this process dies, the lease runs out and the worker re-sends the same key.
    await holdCaseForAttempt(trx, row.merchant_id, row.case_id, {
      attemptId: attempt.attempt_id,
      leaseOwner,
      lease: `${PAGE_LEASE_MS} milliseconds`,
    });
    await recordEvent(trx, {
      merchantId: row.merchant_id,
      type: 'dunning_case.retry_attempted',
      occurredAt: at,
      subscriptionId: row.subscription_id,
      caseId: row.case_id,
      data: {
        why,
        attempt_id: attempt.attempt_id,
        amount_minor: attempt.amount_minor,
        currency: attempt.currency,
        scheduled: 'update_link',
        link_id: link.link_id,
        authenticated,
      },
    });
    return { kind: 'send', at, attempt, authenticated };
  };

  // Phase 3: apply the answer, with its events, in one transaction.
  const applyAnswer = async (trx: Db, answered: Answered<Charge>): Promise<Applied> => {
    const locked = await lockLinkCase(trx, link);
    const attempt = await lockAttempt(trx, link.merchant_id, answered.attempt.attempt_id);
    // The lease ran out and a worker re-sent the same key and recorded the same answer.
    if (attempt.status !== 'pending') return settled(attempt);
    const now = answered.at;
    // The answer is recorded whatever became of the case meanwhile: money taken is never lost.
    const outcome = await recordAttemptResult(trx, attempt, answered.result, now);
    await recordAttemptOutcome(trx, attempt, outcome, now, {
      source: 'update_link',
      authenticated: answered.authenticated === true,
    });
    if (
      locked.kind === 'rejected' ||
      locked.row.pending_attempt_id !== attempt.attempt_id ||
      locked.row.lease_owner !== leaseOwner
    ) {
      // The case moved on while the charge was out (a worker took the lease over, or the case
      // was closed): whoever holds it applies the answer now on record.
      return outcome.kind === 'declined'
        ? { kind: 'declined', category: outcome.classification.category }
        : outcome;
    }
    const { row, sub } = locked;
    const def = await strategyOf(trx, row);
    const data = caseData(row);
    const newMethod = attempt.payment_method_id !== sub.payment_method_id;
    const adopt = newMethod && adoptsNewCard(outcome);
    if (adopt && attempt.payment_method_id) {
      const method = await findPaymentMethod(trx, row.merchant_id, attempt.payment_method_id);
      if (method) await switchMethod(trx, row, sub, method, link, now);
    }
    switch (outcome.kind) {
      case 'succeeded':
        // Charges paid, balance cleared, case recovered, subscription (and its group) active.
        await recoverCase(trx, row, sub, now, 'update_link', answered.attempt.amount_minor);
        await markUpdateLinkUsed(trx, link, now);
        await recordEvent(trx, {
          merchantId: row.merchant_id,
          type: 'update_link.used',
          occurredAt: now,
          subscriptionId: row.subscription_id,
          caseId: row.case_id,
          data: { link_id: link.link_id, attempt_id: answered.attempt.attempt_id },
        });
        return { kind: 'succeeded' };
      case 'declined': {
        const category = outcome.classification.category;
        if (newMethod && !adopt) {
          // The declined card was not adopted: what the case knows of the card on file stands.
          await saveCase(trx, row, data, def, { now, pending_attempt_id: null });
          await releaseLease(trx, row);
          return { kind: 'declined', category };
        }
        // Unlike a scheduled retry, a payment declined on the page leaves the schedule as it is.
        await saveCase(
          trx,
          row,
          {
            ...data,
            lastCategory: category,
            awaitingNewMethod: blocksRetryUntilMethodChanges(category),
            lastDeclineAt: now,
          },
          def,
          { now, pending_attempt_id: null },
        );
        await releaseLease(trx, row);
        return { kind: 'declined', category };
      }
      case 'unknown':
        // The attempt stays pending: the worker re-sends the same key at this time.
        await saveCase(trx, row, data, def, {
          now,
          nextActionAt: new Date(now.getTime() + UNKNOWN_OUTCOME_RECHECK_MS),
        });
        await releaseLease(trx, row);
        return { kind: 'unknown' };
      default: {
        const unreachable: never = outcome;
        return unreachable;
      }
    }
  };

  // Phase 2, the gateway call, runs between the two transactions, outside both.
  const applied = await chargeInPhases(
    deps,
    async (trx) => {
      decided = await record(trx);
      return decided.kind === 'send'
        ? [{ attempt: decided.attempt, at: decided.at, authenticated: decided.authenticated }]
        : [];
    },
    async (trx, [answered]) => applyAnswer(trx, answered!),
  );
  const phase1 = decided!;

  switch (phase1.kind) {
    case 'rejected':
      return ok(phase1);
    case 'invalid':
      return phase1.result;
    case 'busy':
      return withView(deps.db, link, phase1.at, (view) => ({ kind: 'busy', view }));
    case 'refused':
      return withView(deps.db, link, phase1.at, (view) => ({
        kind: 'declined',
        view,
        category: 'generic',
        declinedMethod: phase1.method,
      }));
    case 'send':
      break;
    default: {
      const unreachable: never = phase1;
      return unreachable;
    }
  }

  if (applied === null)
    throw new Error(`update link ${link.link_id}: a recorded payment was not applied`);

  const charged = await maskedMethodOf(deps.db, link.merchant_id, phase1.attempt.payment_method_id);
  return reportApplied(deps.db, link, phase1, applied, charged);
}

type Phase1 =
  | Rejection
  | { kind: 'invalid'; result: Result<never> }
  | { kind: 'busy'; at: Date }
  | { kind: 'refused'; at: Date; method: MaskedMethod }
  | { kind: 'send'; at: Date; attempt: AttemptRow; authenticated: boolean };

type Applied =
  | { kind: 'succeeded' }
  | { kind: 'declined'; category: DeclineCategory }
  | { kind: 'unknown' };

function settled(attempt: Pick<AttemptRow, 'status' | 'category'>): Applied {
  switch (attempt.status) {
    case 'succeeded':
      return { kind: 'succeeded' };
    case 'failed':
      return {
        kind: 'declined',
        category: (attempt.category as DeclineCategory | null) ?? 'generic',
      };
    case 'pending':
      return { kind: 'unknown' };
    default: {
      const unreachable: never = attempt.status;
      return unreachable;
    }
  }
}

async function reportApplied(
  db: Db,
  link: UpdateLinkRow,
  phase1: Extract<Phase1, { kind: 'send' }>,
  applied: Applied,
  charged: MaskedMethod,
): Promise<Result<PayOutcome>> {
  const at = phase1.at;
  switch (applied.kind) {
    case 'succeeded':
      return withView(
        db,
        link,
        at,
        (view) => ({
          kind: 'paid',
          view,
          amountMinor: phase1.attempt.amount_minor,
          paidWith: charged,
        }),
        { open: false },
      );
    case 'declined':
      return withView(db, link, at, (view) =>
        // The issuer asks for the customer's authentication: take them to the challenge.
        applied.category === 'authentication_required' &&
        !phase1.authenticated &&
        view.canAuthenticateHere
          ? { kind: 'authenticate', view }
          : { kind: 'declined', view, category: applied.category, declinedMethod: charged },
      );
    case 'unknown':
      return withView(db, link, at, (view) => ({ kind: 'pending', view }));
    default: {
      const unreachable: never = applied;
      return unreachable;
    }
  }
}

type LinkCase = ({ kind: 'locked' } & LockedCase) | Rejection;

/** Locks the link, then the case's subscription and the case (the engine's lock order). */
async function lockLinkCase(trx: Db, link: UpdateLinkRow): Promise<LinkCase> {
  const current = await lockUpdateLinkUse(trx, link.merchant_id, link.link_id);
  if (!current) return { kind: 'rejected', reason: 'not_found' };
  if (current.used_at) return { kind: 'rejected', reason: 'used' };
  const locked = await lockSubscriptionAndCase(trx, link.merchant_id, link.case_id);
  // A link is issued for an existing case, and cases are never deleted.
  if (!locked) throw new Error(`no dunning case ${link.case_id} for update link ${link.link_id}`);
  if (locked.row.status !== 'open') return { kind: 'rejected', reason: 'closed' };
  return { kind: 'locked', ...locked };
}

async function withView(
  db: Db,
  link: UpdateLinkRow,
  at: Date,
  make: (view: HostedView) => PayOutcome,
  options: { open: boolean } = { open: true },
): Promise<Result<PayOutcome>> {
  const view = await loadView(db, link, at, options);
  return ok(view ? make(view) : { kind: 'rejected', reason: 'closed' });
}
