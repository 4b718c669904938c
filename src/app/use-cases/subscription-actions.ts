// Operator and merchant actions on a subscription: cancel, reactivate, pay by other means,
// write off the balance, retry the renewal. Each is one transaction with its events.

import { writeOffOutstandingCharges } from '../../adapters/db/charges.repo.ts';
import type { Db } from '../../adapters/db/connect.ts';
import { lockOpenCaseOfSubscription } from '../../adapters/db/dunning-cases.repo.ts';
import { recordEvent } from '../../adapters/db/events.repo.ts';
import { lockSubscription } from '../../adapters/db/locks.repo.ts';
import { readMerchantNow } from '../../adapters/db/merchants.repo.ts';
import type { SubscriptionRow } from '../../adapters/db/schema.ts';
import {
  findSubscription,
  updateSubscriptionColumns,
} from '../../adapters/db/subscriptions.repo.ts';
import { isAmountMinor } from '../../domain/money.ts';
import { periodBounds } from '../../domain/subscription/period.ts';
import type { Deps } from '../deps.ts';
import { markOutstandingChargesPaid, recoverCase, stopCase } from '../engine/cases.ts';
import { chargeNow } from '../engine/charge-now.ts';
import { applySubscriptionEvent } from '../engine/subscription-state.ts';
import { fail, ok, type Result } from '../result.ts';

type Target = { merchantId: string; subscriptionId: string };

async function lockSub(trx: Db, t: Target): Promise<SubscriptionRow | undefined> {
  return lockSubscription(trx, t.merchantId, t.subscriptionId);
}

async function openCaseOf(trx: Db, sub: SubscriptionRow) {
  return lockOpenCaseOfSubscription(trx, sub.merchant_id, sub.subscription_id);
}

/** Cancels at once; an open case stops and nothing more is charged or sent. */
export async function cancelSubscription(
  deps: Deps,
  t: Target & { reason?: string },
): Promise<Result<{ state: 'canceled' }>> {
  return deps.db.transaction().execute(async (trx) => {
    const sub = await lockSub(trx, t);
    if (!sub) return fail('not_found', `no subscription ${t.subscriptionId}`, 'subscription_id');
    if (sub.state === 'canceled')
      return fail('invalid_state', 'the subscription is already canceled', 'subscription_id');
    const now = await readMerchantNow(trx, t.merchantId, deps.clock);
    const open = await openCaseOf(trx, sub);
    if (open) await stopCase(trx, open, 'subscription canceled', now);
    await applySubscriptionEvent(trx, sub, { kind: 'canceled' }, now, {
      scope: 'subscription',
      reason: t.reason ?? 'canceled by the merchant',
      caseId: open?.case_id ?? null,
    });
    return ok({ state: 'canceled' as const });
  });
}

/** A canceled subscription comes back with a new period from now; its first renewal is charged at once. */
export async function reactivateSubscription(
  deps: Deps,
  t: Target,
): Promise<Result<{ state: 'active' }>> {
  return deps.db.transaction().execute(async (trx) => {
    const sub = await lockSub(trx, t);
    if (!sub) return fail('not_found', `no subscription ${t.subscriptionId}`, 'subscription_id');
    if (sub.state !== 'canceled')
      return fail(
        'invalid_state',
        `only a canceled subscription can be reactivated (this one is ${sub.state})`,
        'subscription_id',
      );
    const now = await readMerchantNow(trx, t.merchantId, deps.clock);
    // Anchor one interval back so period 0 ends now: the worker renews (and charges) it right away.
    const cycle = {
      anchorAt: now,
      interval: sub.billing_interval,
      intervalCount: sub.interval_count,
    };
    const anchor = periodBounds(cycle, -1).start;
    await updateSubscriptionColumns(trx, sub.merchant_id, sub.subscription_id, {
      anchor_at: anchor,
      period_index: 0,
      current_period_start: anchor,
      current_period_end: now,
      // A subscription billed elsewhere is renewed by the merchant's billing, never here.
      next_renewal_at: sub.billing === 'external' ? null : now,
      updated_at: new Date(),
    });
    await applySubscriptionEvent(
      trx,
      { ...sub, next_renewal_at: sub.billing === 'external' ? null : now },
      { kind: 'reactivated' },
      now,
      { scope: 'subscription', reason: 'reactivated' },
    );
    return ok({ state: 'active' as const });
  });
}

/**
 * Payment received outside the engine (bank transfer, cash). Clearing the balance recovers the
 * open case at once and returns past_due or unpaid to active.
 */
export async function applyPayment(
  deps: Deps,
  t: Target & { amountMinor: number; reference?: string },
): Promise<Result<{ balanceMinor: number; state: SubscriptionRow['state'] }>> {
  if (!isAmountMinor(t.amountMinor) || t.amountMinor === 0)
    return fail(
      'invalid_field',
      'amount must be a whole number of minor units above 0',
      'amount_minor',
    );
  return deps.db.transaction().execute(async (trx) => {
    const sub = await lockSub(trx, t);
    if (!sub) return fail('not_found', `no subscription ${t.subscriptionId}`, 'subscription_id');
    if (t.amountMinor > sub.balance_minor)
      return fail(
        'invalid_field',
        `amount exceeds the balance of ${sub.balance_minor}`,
        'amount_minor',
      );
    const now = await readMerchantNow(trx, t.merchantId, deps.clock);
    const balance = sub.balance_minor - t.amountMinor;
    await recordEvent(trx, {
      merchantId: sub.merchant_id,
      type: 'payment.applied',
      occurredAt: now,
      subscriptionId: sub.subscription_id,
      data: {
        amount_minor: t.amountMinor,
        currency: sub.currency,
        reference: t.reference ?? null,
        balance_minor: balance,
      },
    });
    if (balance > 0) {
      await updateSubscriptionColumns(trx, sub.merchant_id, sub.subscription_id, {
        balance_minor: balance,
      });
      return ok({ balanceMinor: balance, state: sub.state });
    }
    const open = await openCaseOf(trx, sub);
    if (open) {
      await recoverCase(trx, open, sub, now, 'external_payment', t.amountMinor);
    } else {
      await clearBalance(trx, sub, now);
      await applySubscriptionEvent(
        trx,
        sub,
        { kind: 'payment_applied', balanceAfterMinor: 0 },
        now,
        { scope: 'subscription', reason: 'balance paid by other means' },
      );
    }
    return ok({ balanceMinor: 0, state: sub.state === 'canceled' ? 'canceled' : 'active' });
  });
}

/** Writes the balance off: owed charges are forgiven. State stays until a renewal is retried. */
export async function writeOffBalance(
  deps: Deps,
  t: Target,
): Promise<Result<{ writtenOffMinor: number }>> {
  return deps.db.transaction().execute(async (trx) => {
    const sub = await lockSub(trx, t);
    if (!sub) return fail('not_found', `no subscription ${t.subscriptionId}`, 'subscription_id');
    const open = await openCaseOf(trx, sub);
    if (open)
      return fail(
        'invalid_state',
        'a dunning case is open: cancel dunning or mark it paid first',
        'subscription_id',
      );
    const now = await readMerchantNow(trx, t.merchantId, deps.clock);
    await writeOffOutstandingCharges(trx, sub.merchant_id, sub.subscription_id);
    await updateSubscriptionColumns(trx, sub.merchant_id, sub.subscription_id, {
      balance_minor: 0,
    });
    await recordEvent(trx, {
      merchantId: sub.merchant_id,
      type: 'balance.written_off',
      occurredAt: now,
      subscriptionId: sub.subscription_id,
      data: { amount_minor: sub.balance_minor, currency: sub.currency },
    });
    return ok({ writtenOffMinor: sub.balance_minor });
  });
}

/**
 * Retries the renewal now: charges the balance, or the current period's price when the balance
 * was zeroed. Success returns an unpaid or past-due subscription to active (SPEC section 2).
 */
export async function retryRenewal(
  deps: Deps,
  t: Target & { idempotencyKey: string },
): Promise<
  Result<{ outcome: 'succeeded' | 'declined' | 'unknown'; state: SubscriptionRow['state'] }>
> {
  const sub = await findSubscription(deps.db, t.merchantId, t.subscriptionId);
  if (!sub) return fail('not_found', `no subscription ${t.subscriptionId}`, 'subscription_id');
  if (sub.state === 'canceled')
    return fail('invalid_state', 'reactivate a canceled subscription instead', 'subscription_id');
  if (!sub.payment_method_id)
    return fail('invalid_state', 'the subscription has no payment method', 'payment_method_id');
  const amount = sub.balance_minor > 0 ? sub.balance_minor : sub.price_minor;
  if (amount === 0) return fail('invalid_state', 'nothing to charge', 'subscription_id');

  const result = await chargeNow(
    deps,
    {
      merchantId: t.merchantId,
      subscriptionId: t.subscriptionId,
      amountMinor: amount,
      purpose: 'manual',
      idempotencyKey: `manual:${t.idempotencyKey}`,
      why: 'renewal retried by the merchant',
    },
    async (trx, { sub: locked, outcome, now }) => {
      if (outcome.kind !== 'succeeded') return locked.state;
      const open = await openCaseOf(trx, locked);
      if (open) {
        await recoverCase(trx, open, locked, now, 'manual_retry', amount);
        return 'active' as const;
      }
      await clearBalance(trx, locked, now);
      await recordEvent(trx, {
        merchantId: locked.merchant_id,
        type: 'subscription.renewed',
        occurredAt: now,
        subscriptionId: locked.subscription_id,
        data: { amount_minor: amount, currency: locked.currency, via: 'manual_retry' },
      });
      await applySubscriptionEvent(
        trx,
        locked,
        { kind: 'charge_succeeded', balanceAfterMinor: 0 },
        now,
        { scope: 'subscription', reason: 'renewal retried and paid' },
      );
      return 'active' as const;
    },
  );
  if (result.replayed)
    return fail(
      'invalid_state',
      `this idempotency key was already used (outcome: ${result.outcome.kind})`,
      'idempotency_key',
    );
  const outcome = result.outcome.kind === 'declined' ? 'declined' : result.outcome.kind;
  return ok({ outcome, state: result.value });
}

/** Everything owed is paid, with no case open: charges paid, balance zero. */
async function clearBalance(trx: Db, sub: SubscriptionRow, at: Date): Promise<void> {
  await markOutstandingChargesPaid(trx, sub, at);
  await updateSubscriptionColumns(trx, sub.merchant_id, sub.subscription_id, { balance_minor: 0 });
}
