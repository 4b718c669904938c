// A subscription whose period has ended. Active: charge the new period through the gateway.
// Past due: the new period joins the open case (never resetting it). Unpaid: it only accrues.
import type { Db } from '../../adapters/db/connect.ts';
import { recordEvent } from '../../adapters/db/events.repo.ts';
import type { AttemptRow, SubscriptionRow } from '../../adapters/db/schema.ts';
import { renewalWhilePastDue } from '../../domain/case/case.ts';
import { periodBounds } from '../../domain/subscription/period.ts';
import { merchantNow } from '../clock.ts';
import type { Deps } from '../deps.ts';
import { newId } from '../ids.ts';
import { insertAttempt, loadAttempt, recordAttemptResult, sendAttempt } from './attempts.ts';
import { caseData, openOrContinueCase, saveCase, strategyOf } from './cases.ts';
import { sendHardDeclineMessage } from './hard-decline-message.ts';
import { lockSubscription as lockSubscriptionRow } from './lock-case.ts';
import { applySubscriptionEvent } from './subscription-state.ts';

export type RenewalReport = 'renewed' | 'failed' | 'accrued' | 'ended' | 'unanswered' | 'skipped';

type Locked = { sub: SubscriptionRow; now: Date };

async function lockSubscription(
  trx: Db,
  deps: Deps,
  merchantId: string,
  subscriptionId: string,
  workerId: string,
): Promise<Locked | null> {
  const sub = await lockSubscriptionRow(trx, merchantId, subscriptionId);
  if (!sub || sub.lease_owner !== workerId) return null;
  const merchant = await trx
    .selectFrom('merchants')
    .select('test_clock_at')
    .where('merchant_id', '=', merchantId)
    .executeTakeFirstOrThrow();
  return { sub, now: merchantNow(merchant, deps.clock) };
}

function nextPeriod(sub: SubscriptionRow) {
  return periodBounds(
    { anchorAt: sub.anchor_at, interval: sub.billing_interval, intervalCount: sub.interval_count },
    sub.period_index + 1,
  );
}

/** Moves the subscription into its next period; `next_renewal_at` follows unless it is canceled. */
async function advancePeriod(trx: Db, sub: SubscriptionRow, balanceMinor: number): Promise<void> {
  const bounds = nextPeriod(sub);
  await trx
    .updateTable('subscriptions')
    .set({
      period_index: sub.period_index + 1,
      current_period_start: bounds.start,
      current_period_end: bounds.end,
      next_renewal_at: bounds.end,
      balance_minor: balanceMinor,
      pending_attempt_id: null,
      lease_owner: null,
      lease_until: null,
      updated_at: new Date(),
    })
    .where('merchant_id', '=', sub.merchant_id)
    .where('subscription_id', '=', sub.subscription_id)
    .execute();
}

async function insertRenewalCharge(
  trx: Db,
  sub: SubscriptionRow,
  status: 'pending' | 'failed',
): Promise<string> {
  const bounds = nextPeriod(sub);
  const chargeId = newId('ch');
  await trx
    .insertInto('charges')
    .values({
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
    })
    .execute();
  return chargeId;
}

export async function renewSubscription(
  deps: Deps,
  workerId: string,
  merchantId: string,
  subscriptionId: string,
): Promise<RenewalReport> {
  const phase1 = await deps.db.transaction().execute(async (trx) => {
    const locked = await lockSubscription(trx, deps, merchantId, subscriptionId, workerId);
    if (!locked) return { kind: 'done' as const, report: 'skipped' as const };
    const { sub, now } = locked;
    if (sub.pending_attempt_id)
      return {
        kind: 'send' as const,
        attempt: await loadAttempt(trx, merchantId, sub.pending_attempt_id),
        now,
      };
    if (sub.next_renewal_at === null || sub.next_renewal_at.getTime() > now.getTime()) {
      await trx
        .updateTable('subscriptions')
        .set({ lease_owner: null, lease_until: null })
        .where('merchant_id', '=', merchantId)
        .where('subscription_id', '=', subscriptionId)
        .execute();
      return { kind: 'done' as const, report: 'skipped' as const };
    }
    const report = await renewWithoutCharging(trx, sub, now);
    if (report) return { kind: 'done' as const, report };

    const chargeId = await insertRenewalCharge(trx, sub, 'pending');
    const attempt = await insertAttempt(trx, {
      merchantId,
      subscriptionId,
      caseId: null,
      paymentMethodId: sub.payment_method_id,
      purpose: 'renewal',
      amountMinor: sub.price_minor,
      currency: sub.currency,
      // One key per period, named by its start: a reactivation starts new periods, never old keys.
      idempotencyKey: `${subscriptionId}:renewal:${nextPeriod(sub).start.toISOString()}`,
      why: 'period ended; renewal charge',
      at: now,
    });
    await trx
      .updateTable('subscriptions')
      .set({ pending_attempt_id: attempt.attempt_id })
      .where('merchant_id', '=', merchantId)
      .where('subscription_id', '=', subscriptionId)
      .execute();
    void chargeId;
    return { kind: 'send' as const, attempt, now };
  });
  if (phase1.kind === 'done') return phase1.report;

  const result = await sendAttempt(deps.db, deps.gateway, phase1.attempt, phase1.now);

  return deps.db.transaction().execute(async (trx) => {
    const locked = await lockSubscription(trx, deps, merchantId, subscriptionId, workerId);
    if (!locked || locked.sub.pending_attempt_id !== phase1.attempt.attempt_id) return 'skipped';
    const outcome = await recordAttemptResult(trx, phase1.attempt, result, locked.now);
    return applyRenewalOutcome(trx, locked, phase1.attempt, outcome);
  });
}

/** Renewals that need no gateway call: ending, accruing on unpaid, or joining an open case. */
async function renewWithoutCharging(
  trx: Db,
  sub: SubscriptionRow,
  now: Date,
): Promise<RenewalReport | null> {
  if (sub.state === 'canceled') {
    await trx
      .updateTable('subscriptions')
      .set({ next_renewal_at: null, lease_owner: null, lease_until: null })
      .where('merchant_id', '=', sub.merchant_id)
      .where('subscription_id', '=', sub.subscription_id)
      .execute();
    return 'ended';
  }
  if (!sub.auto_renew) {
    await trx
      .updateTable('subscriptions')
      .set({ lease_owner: null, lease_until: null })
      .where('merchant_id', '=', sub.merchant_id)
      .where('subscription_id', '=', sub.subscription_id)
      .execute();
    await applySubscriptionEvent(trx, sub, { kind: 'canceled' }, now, {
      scope: 'subscription',
      reason: 'period ended and auto-renew is off',
    });
    return 'ended';
  }
  if (sub.state === 'unpaid') {
    // Unpaid keeps accruing charges but is not collected automatically (SPEC section 2).
    const chargeId = await insertRenewalCharge(trx, sub, 'failed');
    await advancePeriod(trx, sub, sub.balance_minor + sub.price_minor);
    await recordEvent(trx, {
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
    const openCase = await trx
      .selectFrom('dunning_cases')
      .selectAll()
      .where('merchant_id', '=', sub.merchant_id)
      .where('subscription_id', '=', sub.subscription_id)
      .where('status', '=', 'open')
      .forUpdate()
      .executeTakeFirst();
    if (openCase) {
      const chargeId = await insertRenewalCharge(trx, sub, 'failed');
      await advancePeriod(trx, sub, sub.balance_minor + sub.price_minor);
      const row = await openOrContinueCase(trx, {
        sub,
        amountMinor: sub.price_minor,
        chargeIds: [chargeId],
        category: null,
        reason: 'renewal while past due',
        at: now,
        scope: openCase.scope,
      });
      const def = await strategyOf(trx, row);
      const data = caseData(row);
      const plan = renewalWhilePastDue(data, def, now);
      await saveCase(
        trx,
        row,
        { ...data, renewalRetryAt: plan.retryAt, renewalRetryReason: null },
        def,
        { now },
      );
      await recordEvent(trx, {
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
  const pmType = sub.payment_method_id
    ? (
        await trx
          .selectFrom('payment_methods')
          .select('type')
          .where('merchant_id', '=', sub.merchant_id)
          .where('payment_method_id', '=', sub.payment_method_id)
          .executeTakeFirst()
      )?.type
    : undefined;
  if (!pmType || pmType === 'pay_link') {
    // Nothing to pull from: the renewal is owed and the case asks the customer to pay by link.
    const chargeId = await insertRenewalCharge(trx, sub, 'failed');
    await advancePeriod(trx, sub, sub.balance_minor + sub.price_minor);
    await openOrContinueCase(trx, {
      sub,
      amountMinor: sub.price_minor,
      chargeIds: [chargeId],
      category: null,
      reason: pmType ? 'renewal due on a pay-link method' : 'no payment method on file',
      at: now,
      scope: await scopeOf(trx, sub),
    });
    return 'failed';
  }
  return null;
}

async function applyRenewalOutcome(
  trx: Db,
  { sub, now }: Locked,
  attempt: AttemptRow,
  outcome: Awaited<ReturnType<typeof recordAttemptResult>>,
): Promise<RenewalReport> {
  const charge = await trx
    .selectFrom('charges')
    .select('charge_id')
    .where('merchant_id', '=', sub.merchant_id)
    .where('subscription_id', '=', sub.subscription_id)
    .where('kind', '=', 'renewal')
    .where('period_start', '=', nextPeriod(sub).start)
    .executeTakeFirstOrThrow();
  switch (outcome.kind) {
    case 'succeeded': {
      await trx
        .updateTable('charges')
        .set({ status: 'paid', paid_at: now })
        .where('merchant_id', '=', sub.merchant_id)
        .where('charge_id', '=', charge.charge_id)
        .execute();
      await advancePeriod(trx, sub, sub.balance_minor);
      await recordEvent(trx, {
        merchantId: sub.merchant_id,
        type: 'subscription.renewed',
        occurredAt: now,
        subscriptionId: sub.subscription_id,
        data: {
          attempt_id: attempt.attempt_id,
          amount_minor: attempt.amount_minor,
          currency: attempt.currency,
          period_start: nextPeriod(sub).start.toISOString(),
          period_end: nextPeriod(sub).end.toISOString(),
        },
      });
      return 'renewed';
    }
    case 'unknown':
      await trx
        .updateTable('subscriptions')
        .set({
          next_renewal_at: new Date(now.getTime() + 15 * 60_000),
          lease_owner: null,
          lease_until: null,
        })
        .where('merchant_id', '=', sub.merchant_id)
        .where('subscription_id', '=', sub.subscription_id)
        .execute();
      await recordEvent(trx, {
        merchantId: sub.merchant_id,
        type: 'payment_attempt.unanswered',
        occurredAt: now,
        subscriptionId: sub.subscription_id,
        data: {
          attempt_id: attempt.attempt_id,
          why: 'gateway did not answer; the same charge is re-sent in 15 minutes with its idempotency key',
        },
      });
      return 'unanswered';
    case 'declined': {
      await trx
        .updateTable('charges')
        .set({ status: 'failed' })
        .where('merchant_id', '=', sub.merchant_id)
        .where('charge_id', '=', charge.charge_id)
        .execute();
      const balance = sub.balance_minor + attempt.amount_minor;
      await advancePeriod(trx, sub, balance);
      await recordEvent(trx, {
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
      const opened = await openOrContinueCase(trx, {
        sub: { ...sub, balance_minor: balance },
        amountMinor: attempt.amount_minor,
        chargeIds: [charge.charge_id],
        category: outcome.classification.category,
        reason: 'renewal charge declined',
        at: now,
        scope: await scopeOf(trx, sub),
      });
      if (outcome.classification.category === 'hard')
        await sendHardDeclineMessage(trx, sub, attempt, opened.case_id, now);
      return 'failed';
    }
    default: {
      const unreachable: never = outcome;
      return unreachable;
    }
  }
}

/** A group primary (a subscription others point to) takes its whole group into dunning. */
export async function scopeOf(trx: Db, sub: SubscriptionRow): Promise<'subscription' | 'group'> {
  if (sub.primary_subscription_id) return 'subscription';
  const member = await trx
    .selectFrom('subscriptions')
    .select('subscription_id')
    .where('merchant_id', '=', sub.merchant_id)
    .where('primary_subscription_id', '=', sub.subscription_id)
    .limit(1)
    .executeTakeFirst();
  return member ? 'group' : 'subscription';
}
