// A payment method changes: the gateway's card updater reports new details, or the customer gives
// a new card. Either way the open cases that use it are retried at once (still subject to the
// network rules), since the rules that waited for a new method no longer hold.
import type { Db } from '../../adapters/db/connect.ts';
import {
  lockOpenCaseOfSubscription,
  lockOpenCasesOfPaymentMethod,
  updateCaseColumns,
} from '../../adapters/db/dunning-cases.repo.ts';
import { recordEvent } from '../../adapters/db/events.repo.ts';
import { lockSubscription } from '../../adapters/db/locks.repo.ts';
import { readMerchantNow } from '../../adapters/db/merchants.repo.ts';
import {
  findPaymentMethod,
  lockPaymentMethod,
  updatePaymentMethodColumns,
} from '../../adapters/db/payment-methods.repo.ts';
import type { CaseRow } from '../../adapters/db/schema.ts';
import { updateSubscriptionColumns } from '../../adapters/db/subscriptions.repo.ts';
import type { Deps } from '../deps.ts';
import { caseData, saveCase, strategyOf } from '../engine/cases.ts';
import { fail, ok, type Result } from '../result.ts';
import { liveRefusesTestGateway, methodDetails, type TestCardInput } from './add-payment-method.ts';

export type CardUpdaterEvent = {
  merchantId: string;
  paymentMethodId: string;
  /** New details as the updater reports them: a replacement card, or only a new expiry. */
  testCard?: TestCardInput;
  gatewayToken?: string;
  expMonth?: number;
  expYear?: number;
  /**
   * What a real gateway's updater reports about the card (brand, last 4, network, and the
   * fingerprint: a new number is a new credential for the network rules). Stored with the rest, in
   * the same transaction as the retry it causes.
   */
  display?: {
    brand: string | null;
    last4: string | null;
    network: string | null;
    fingerprint: string;
  };
  source: 'card_updater' | 'customer';
};

/** Applies new details to an existing method and retries its open cases now. */
export async function updatePaymentMethod(
  deps: Deps,
  e: CardUpdaterEvent,
): Promise<Result<{ casesRetried: number }>> {
  return deps.db.transaction().execute(async (trx) => {
    const pm = await lockPaymentMethod(trx, e.merchantId, e.paymentMethodId);
    if (!pm)
      return fail('not_found', `no payment method ${e.paymentMethodId}`, 'payment_method_id');
    const now = await readMerchantNow(trx, e.merchantId, deps.clock);
    let details = {};
    if (e.testCard || e.gatewayToken) {
      const d = methodDetails(pm.type, e, pm.customer_id);
      if (!d.ok) return d;
      const live = await liveRefusesTestGateway(trx, e.merchantId, d.value, {});
      if (live) return live;
      details = d.value;
    }
    if (
      e.expMonth !== undefined &&
      (!Number.isInteger(e.expMonth) || e.expMonth < 1 || e.expMonth > 12)
    )
      return fail('invalid_field', 'exp_month must be 1 to 12', 'exp_month');
    if (
      e.expYear !== undefined &&
      (!Number.isInteger(e.expYear) || e.expYear < 2000 || e.expYear > 2100)
    )
      return fail('invalid_field', 'exp_year must be a four-digit year', 'exp_year');
    await updatePaymentMethodColumns(trx, e.merchantId, e.paymentMethodId, {
      ...details,
      ...(e.display ?? {}),
      ...(e.expMonth !== undefined ? { exp_month: e.expMonth } : {}),
      ...(e.expYear !== undefined ? { exp_year: e.expYear } : {}),
      changed_at: now,
    });
    await recordEvent(trx, {
      merchantId: e.merchantId,
      type: 'payment_method.updated',
      occurredAt: now,
      data: { payment_method_id: e.paymentMethodId, source: e.source },
    });
    const cases = await lockOpenCasesOfPaymentMethod(trx, e.merchantId, e.paymentMethodId);
    for (const c of cases)
      await retryNow(
        trx,
        c,
        `payment method updated (${e.source === 'card_updater' ? 'card updater' : 'by the customer'})`,
        now,
      );
    return ok({ casesRetried: cases.length });
  });
}

/** The customer chose another payment method for the subscription: charge it now. */
export async function replaceSubscriptionPaymentMethod(
  deps: Deps,
  input: { merchantId: string; subscriptionId: string; paymentMethodId: string },
): Promise<Result<{ caseRetried: boolean }>> {
  return deps.db.transaction().execute(async (trx) => {
    const sub = await lockSubscription(trx, input.merchantId, input.subscriptionId);
    if (!sub)
      return fail('not_found', `no subscription ${input.subscriptionId}`, 'subscription_id');
    const pm = await findPaymentMethod(trx, input.merchantId, input.paymentMethodId);
    if (!pm || pm.customer_id !== sub.customer_id)
      return fail(
        'not_found',
        `no payment method ${input.paymentMethodId} for this customer`,
        'payment_method_id',
      );
    const now = await readMerchantNow(trx, input.merchantId, deps.clock);
    await updateSubscriptionColumns(trx, input.merchantId, input.subscriptionId, {
      payment_method_id: input.paymentMethodId,
      updated_at: new Date(),
    });
    await recordEvent(trx, {
      merchantId: input.merchantId,
      type: 'payment_method.updated',
      occurredAt: now,
      subscriptionId: sub.subscription_id,
      data: {
        payment_method_id: input.paymentMethodId,
        replaced: sub.payment_method_id,
        source: 'customer',
      },
    });
    const open = await lockOpenCaseOfSubscription(trx, input.merchantId, input.subscriptionId);
    if (!open) return ok({ caseRetried: false });
    await updateCaseColumns(trx, input.merchantId, open.case_id, {
      payment_method_id: input.paymentMethodId,
      payment_method_type: pm.type,
    });
    await retryNow(
      trx,
      { ...open, payment_method_id: input.paymentMethodId, payment_method_type: pm.type },
      'new payment method from the customer',
      now,
    );
    return ok({ caseRetried: true });
  });
}

async function retryNow(trx: Db, row: CaseRow, reason: string, now: Date): Promise<void> {
  const def = await strategyOf(trx, row);
  const data = {
    ...caseData(row),
    awaitingNewMethod: false,
    renewalRetryAt: now,
    renewalRetryReason: reason,
  };
  await saveCase(trx, row, data, def, { now });
  await recordEvent(trx, {
    merchantId: row.merchant_id,
    type: 'dunning_case.decision',
    occurredAt: now,
    subscriptionId: row.subscription_id,
    caseId: row.case_id,
    data: { kind: 'retry_now', why: `${reason}: retry at once` },
  });
}
