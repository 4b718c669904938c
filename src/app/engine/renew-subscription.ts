// Subscriptions whose period has ended, a claimed batch at a time. Active: charge the new period
// through the gateway. Past due: the new period joins the open case (never resetting it).
// Unpaid: it only accrues. The same three phases as case steps (run-case-step.ts).

import type { Db } from '../../adapters/db/connect.ts';
import {
  type ClaimedItem,
  loadAttempts,
  loadRenewalCharges,
  lockSubscriptions,
} from '../../adapters/db/engine.repo.ts';
import type { AttemptRow, SubscriptionRow } from '../../adapters/db/schema.ts';
import {
  addEvent,
  flushUnit,
  insertRow,
  newUnit,
  updateRow,
} from '../../adapters/db/unit-of-work.ts';
import { renewalWhilePastDue, UNKNOWN_OUTCOME_RECHECK_MS } from '../../domain/case/case.ts';
import type { DeclineCategory } from '../../domain/declines/categories.ts';
import { planRenewalCharge } from '../../domain/network-rules/renewal-charge.ts';
import { periodBounds } from '../../domain/subscription/period.ts';
import type { Deps } from '../deps.ts';
import { newId } from '../ids.ts';
import { type AttemptOutcomeRecord, newAttemptIn, recordAttemptResultIn } from './attempts.ts';
import { caseData, caseStrategy, openOrContinueCaseIn, saveCaseIn, scopeIn } from './cases.ts';
import { type Answered, type Charge, chargeInPhases } from './charge-protocol.ts';
import { renewalVerdictIn } from './credential-history.ts';
import { sendHardDeclineMessageIn } from './hard-decline-message.ts';
import { itemNow, type StepOptions } from './run-case-step.ts';
import { applySubscriptionEventIn } from './subscription-state.ts';
import { key, loadWorld, paymentMethodIn, type Work, withWork } from './world.ts';

export type RenewalReport =
  | 'renewed'
  | 'failed'
  | 'deferred'
  | 'accrued'
  | 'ended'
  | 'unanswered'
  | 'skipped';

type Send = Charge & { item: ClaimedItem };

const subKey = (sub: SubscriptionRow) => ({
  merchant_id: sub.merchant_id,
  subscription_id: sub.subscription_id,
});

function nextPeriod(sub: SubscriptionRow) {
  return periodBounds(
    { anchorAt: sub.anchor_at, interval: sub.billing_interval, intervalCount: sub.interval_count },
    sub.period_index + 1,
  );
}

const releaseLease = (w: Work, sub: SubscriptionRow) =>
  updateRow(w.unit, 'subscriptions', subKey(sub), { lease_owner: null, lease_until: null });

/** Moves the subscription into its next period; `next_renewal_at` follows unless it is canceled. */
function advancePeriodIn(w: Work, sub: SubscriptionRow, balanceMinor: number): void {
  const bounds = nextPeriod(sub);
  updateRow(w.unit, 'subscriptions', subKey(sub), {
    period_index: sub.period_index + 1,
    current_period_start: bounds.start,
    current_period_end: bounds.end,
    next_renewal_at: bounds.end,
    balance_minor: balanceMinor,
    pending_attempt_id: null,
    lease_owner: null,
    lease_until: null,
    updated_at: new Date(),
  });
}

function insertRenewalChargeIn(
  w: Work,
  sub: SubscriptionRow,
  status: 'pending' | 'failed',
): string {
  const bounds = nextPeriod(sub);
  const chargeId = newId('ch');
  insertRow(w.unit, 'charges', {
    merchant_id: sub.merchant_id,
    charge_id: chargeId,
    subscription_id: sub.subscription_id,
    kind: 'renewal',
    component_kind: null,
    description: `${sub.product_name}, ${bounds.start.toISOString().slice(0, 10)} to ${bounds.end.toISOString().slice(0, 10)}`,
    amount_minor: sub.price_minor,
    currency: sub.currency,
    period_start: bounds.start,
    period_end: bounds.end,
    status,
    case_id: null,
    paid_at: null,
    created_at: new Date(),
  });
  return chargeId;
}

/** Renews a claimed batch of subscriptions; reports by subscription id. */
export async function renewSubscriptions(
  deps: Deps,
  workerId: string,
  items: readonly ClaimedItem[],
  options: StepOptions = {},
): Promise<Map<string, RenewalReport>> {
  const reports = new Map<string, RenewalReport>(
    items.map((i) => [key(i.merchantId, i.id), 'skipped']),
  );
  if (items.length === 0) return reports;
  const itemOf = new Map(items.map((i) => [key(i.merchantId, i.id), i]));

  const record = async (trx: Db): Promise<Send[]> => {
    const subs = (
      await lockSubscriptions(
        trx,
        items.map((i) => ({ merchantId: i.merchantId, id: i.id })),
      )
    ).filter((s) => s.lease_owner === workerId);
    const pending = new Map(
      (
        await loadAttempts(
          trx,
          subs.flatMap((s) =>
            s.pending_attempt_id ? [{ merchantId: s.merchant_id, id: s.pending_attempt_id }] : [],
          ),
        )
      ).map((a) => [key(a.merchant_id, a.attempt_id), a]),
    );
    const world = await loadWorld(trx, {
      subs,
      openCases: true,
      subscriptionCredentials: true,
      paymentMethods: [...pending.values()].flatMap((a) =>
        a.payment_method_id ? [{ merchantId: a.merchant_id, id: a.payment_method_id }] : [],
      ),
    });
    const w: Work = { world, unit: newUnit() };
    const tokenOf = (a: AttemptRow) =>
      paymentMethodIn(world, a.merchant_id, a.payment_method_id)?.gateway_token ?? null;
    const out: Send[] = [];
    for (const sub of subs) {
      const item = itemOf.get(key(sub.merchant_id, sub.subscription_id))!;
      const now = itemNow(deps, item);
      if (sub.pending_attempt_id) {
        const attempt = pending.get(key(sub.merchant_id, sub.pending_attempt_id))!;
        out.push({ item, attempt, token: tokenOf(attempt), at: now });
        continue;
      }
      if (sub.next_renewal_at === null || sub.next_renewal_at.getTime() > now.getTime()) {
        releaseLease(w, sub);
        continue;
      }
      const report = renewWithoutChargingIn(w, sub, now);
      if (report) {
        reports.set(key(sub.merchant_id, sub.subscription_id), report);
        continue;
      }
      // Attempts recorded earlier in this batch count: two renewals on one card go one at a time.
      const asked = renewalVerdictIn(w, sub, now);
      const plan = asked ? planRenewalCharge(asked.verdict, asked.history) : null;
      if (plan?.kind === 'defer') {
        deferRenewalIn(w, sub, now, plan.until, plan.why);
        reports.set(key(sub.merchant_id, sub.subscription_id), 'deferred');
        continue;
      }
      if (plan?.kind === 'withhold') {
        withholdRenewalIn(w, sub, now, plan.category, plan.why);
        reports.set(key(sub.merchant_id, sub.subscription_id), 'failed');
        continue;
      }
      insertRenewalChargeIn(w, sub, 'pending');
      const attempt = newAttemptIn(w, {
        merchantId: sub.merchant_id,
        subscriptionId: sub.subscription_id,
        caseId: null,
        paymentMethodId: sub.payment_method_id,
        purpose: 'renewal',
        amountMinor: sub.price_minor,
        currency: sub.currency,
        // One key per period, named by its start: a reactivation starts new periods, never old keys.
        idempotencyKey: `${sub.subscription_id}:renewal:${nextPeriod(sub).start.toISOString()}`,
        why: plan?.why ?? 'period ended; renewal charge',
        at: now,
      });
      updateRow(w.unit, 'subscriptions', subKey(sub), { pending_attempt_id: attempt.attempt_id });
      out.push({ item, attempt, token: tokenOf(attempt), at: now });
    }
    await flushUnit(trx, w.unit);
    return out;
  };

  const apply = async (trx: Db, answered: readonly Answered<Send>[]): Promise<void> => {
    const subs = await lockSubscriptions(
      trx,
      answered.map((s) => ({ merchantId: s.item.merchantId, id: s.item.id })),
    );
    const subOf = new Map(subs.map((s) => [key(s.merchant_id, s.subscription_id), s]));
    const current = answered.flatMap((send) => {
      const sub = subOf.get(key(send.item.merchantId, send.item.id));
      return sub &&
        sub.lease_owner === workerId &&
        sub.pending_attempt_id === send.attempt.attempt_id
        ? [{ sub, send, result: send.result }]
        : [];
    });
    const world = await loadWorld(trx, { subs: current.map((c) => c.sub), openCases: true });
    const charges = await loadRenewalCharges(
      trx,
      current.map(({ sub }) => ({
        merchantId: sub.merchant_id,
        subscriptionId: sub.subscription_id,
        periodStart: nextPeriod(sub).start,
      })),
    );
    const chargeOf = new Map(
      charges.map((c) => [key(c.merchant_id, c.subscription_id), c.charge_id]),
    );
    const w: Work = { world, unit: newUnit() };
    for (const { sub, send, result } of current) {
      const now = send.item.clockAt ?? deps.clock.now();
      const chargeId = chargeOf.get(key(sub.merchant_id, sub.subscription_id));
      if (!chargeId) throw new Error(`no renewal charge for ${sub.subscription_id}`);
      const outcome = recordAttemptResultIn(w, send.attempt, result, now);
      reports.set(
        key(sub.merchant_id, sub.subscription_id),
        applyRenewalOutcomeIn(w, sub, now, send.attempt, outcome, chargeId),
      );
    }
    await flushUnit(trx, w.unit);
  };
  await chargeInPhases(deps, record, apply, options);
  return reports;
}

/** A network rule frees the card later: the renewal falls due again then, its period unchanged. */
function deferRenewalIn(w: Work, sub: SubscriptionRow, now: Date, until: Date, why: string): void {
  updateRow(w.unit, 'subscriptions', subKey(sub), {
    next_renewal_at: until,
    lease_owner: null,
    lease_until: null,
  });
  addEvent(w.unit, {
    merchantId: sub.merchant_id,
    type: 'subscription.renewal_deferred',
    occurredAt: now,
    subscriptionId: sub.subscription_id,
    data: { until: until.toISOString(), why },
  });
}

/**
 * A network rule forbids charging the card until the payment method changes: the renewal is owed
 * without a gateway call, and its case asks the customer for what is needed.
 */
function withholdRenewalIn(
  w: Work,
  sub: SubscriptionRow,
  now: Date,
  category: DeclineCategory,
  why: string,
): void {
  const chargeId = insertRenewalChargeIn(w, sub, 'failed');
  const balance = sub.balance_minor + sub.price_minor;
  advancePeriodIn(w, sub, balance);
  const row = openOrContinueCaseIn(w, {
    sub: { ...sub, balance_minor: balance },
    amountMinor: sub.price_minor,
    chargeIds: [chargeId],
    category,
    reason: why,
    at: now,
    scope: scopeIn(w.world, sub),
  });
  addEvent(w.unit, {
    merchantId: sub.merchant_id,
    type: 'dunning_case.decision',
    occurredAt: now,
    subscriptionId: sub.subscription_id,
    caseId: row.case_id,
    data: { kind: 'withhold_renewal', why, step_index: row.step_index },
  });
}

/** Renewals that need no gateway call: ending, accruing on unpaid, or joining an open case. */
function renewWithoutChargingIn(w: Work, sub: SubscriptionRow, now: Date): RenewalReport | null {
  if (sub.state === 'canceled') {
    updateRow(w.unit, 'subscriptions', subKey(sub), {
      next_renewal_at: null,
      lease_owner: null,
      lease_until: null,
    });
    return 'ended';
  }
  if (!sub.auto_renew) {
    releaseLease(w, sub);
    applySubscriptionEventIn(w, sub, { kind: 'canceled' }, now, {
      scope: 'subscription',
      reason: 'period ended and auto-renew is off',
    });
    return 'ended';
  }
  if (sub.state === 'unpaid') {
    // Unpaid keeps accruing charges but is not collected automatically (SPEC section 2).
    const chargeId = insertRenewalChargeIn(w, sub, 'failed');
    advancePeriodIn(w, sub, sub.balance_minor + sub.price_minor);
    addEvent(w.unit, {
      merchantId: sub.merchant_id,
      type: 'charge.accrued',
      occurredAt: now,
      subscriptionId: sub.subscription_id,
      data: {
        charge_id: chargeId,
        amount_minor: sub.price_minor,
        currency: sub.currency,
        why: 'unpaid subscriptions accrue without automatic attempts',
      },
    });
    return 'accrued';
  }
  if (sub.state === 'past_due') {
    const openCase = w.world.openCases.get(key(sub.merchant_id, sub.subscription_id));
    if (openCase) {
      const chargeId = insertRenewalChargeIn(w, sub, 'failed');
      advancePeriodIn(w, sub, sub.balance_minor + sub.price_minor);
      const row = openOrContinueCaseIn(w, {
        sub,
        amountMinor: sub.price_minor,
        chargeIds: [chargeId],
        category: null,
        reason: 'renewal while past due',
        at: now,
        scope: openCase.scope,
      });
      const def = caseStrategy(w.world, row);
      const data = caseData(row);
      const plan = renewalWhilePastDue(data, def, now);
      saveCaseIn(w, row, { ...data, renewalRetryAt: plan.retryAt, renewalRetryReason: null }, def, {
        now,
      });
      addEvent(w.unit, {
        merchantId: sub.merchant_id,
        type: 'dunning_case.decision',
        occurredAt: now,
        subscriptionId: sub.subscription_id,
        caseId: row.case_id,
        data: { kind: plan.retryAt ? 'renewal_retry' : 'fold_into_step', why: plan.why },
      });
      return 'accrued';
    }
  }
  const pmType = paymentMethodIn(w.world, sub.merchant_id, sub.payment_method_id)?.type;
  if (!pmType || pmType === 'pay_link') {
    // Nothing to pull from: the renewal is owed and the case asks the customer to pay by link.
    const chargeId = insertRenewalChargeIn(w, sub, 'failed');
    advancePeriodIn(w, sub, sub.balance_minor + sub.price_minor);
    openOrContinueCaseIn(w, {
      sub,
      amountMinor: sub.price_minor,
      chargeIds: [chargeId],
      category: null,
      reason: pmType ? 'renewal due on a pay-link method' : 'no payment method on file',
      at: now,
      scope: scopeIn(w.world, sub),
    });
    return 'failed';
  }
  return null;
}

function applyRenewalOutcomeIn(
  w: Work,
  sub: SubscriptionRow,
  now: Date,
  attempt: AttemptRow,
  outcome: AttemptOutcomeRecord,
  chargeId: string,
): RenewalReport {
  const charge = { merchant_id: sub.merchant_id, charge_id: chargeId };
  const period = nextPeriod(sub);
  switch (outcome.kind) {
    case 'succeeded': {
      updateRow(w.unit, 'charges', charge, { status: 'paid', paid_at: now });
      advancePeriodIn(w, sub, sub.balance_minor);
      addEvent(w.unit, {
        merchantId: sub.merchant_id,
        type: 'subscription.renewed',
        occurredAt: now,
        subscriptionId: sub.subscription_id,
        data: {
          attempt_id: attempt.attempt_id,
          amount_minor: attempt.amount_minor,
          currency: attempt.currency,
          period_start: period.start.toISOString(),
          period_end: period.end.toISOString(),
        },
      });
      return 'renewed';
    }
    case 'unknown':
      updateRow(w.unit, 'subscriptions', subKey(sub), {
        next_renewal_at: new Date(now.getTime() + UNKNOWN_OUTCOME_RECHECK_MS),
        lease_owner: null,
        lease_until: null,
      });
      addEvent(w.unit, {
        merchantId: sub.merchant_id,
        type: 'payment_attempt.unanswered',
        occurredAt: now,
        subscriptionId: sub.subscription_id,
        data: {
          attempt_id: attempt.attempt_id,
          why: `gateway did not answer; the same charge is re-sent in ${UNKNOWN_OUTCOME_RECHECK_MS / 60_000} minutes with its idempotency key`,
        },
      });
      return 'unanswered';
    case 'declined': {
      updateRow(w.unit, 'charges', charge, { status: 'failed' });
      const balance = sub.balance_minor + attempt.amount_minor;
      advancePeriodIn(w, sub, balance);
      addEvent(w.unit, {
        merchantId: sub.merchant_id,
        type: 'payment_attempt.failed',
        occurredAt: now,
        subscriptionId: sub.subscription_id,
        data: {
          attempt_id: attempt.attempt_id,
          amount_minor: attempt.amount_minor,
          currency: attempt.currency,
          purpose: 'renewal',
          raw_code: outcome.rawCode,
          category: outcome.classification.category,
          classification: outcome.classification.why,
        },
      });
      const opened = openOrContinueCaseIn(w, {
        sub: { ...sub, balance_minor: balance },
        amountMinor: attempt.amount_minor,
        chargeIds: [chargeId],
        category: outcome.classification.category,
        reason: 'renewal charge declined',
        at: now,
        scope: scopeIn(w.world, sub),
      });
      if (outcome.classification.category === 'hard')
        sendHardDeclineMessageIn(w, sub, attempt, opened, now);
      return 'failed';
    }
    default: {
      const unreachable: never = outcome;
      return unreachable;
    }
  }
}

/** A group primary (a subscription others point to) takes its whole group into dunning. */
export async function scopeOf(
  trx: Deps['db'],
  sub: SubscriptionRow,
): Promise<'subscription' | 'group'> {
  return withWork(trx, { subs: [sub] }, (w) => scopeIn(w.world, sub));
}
