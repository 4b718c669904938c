// A mid-period component allocation that charges now (SPEC section 2, charges). Quantity, on/off
// and prepaid components start or continue dunning on failure; metered and usage ones never do.
import { insertCharge } from '../../adapters/db/charges.repo.ts';
import { recordEvent } from '../../adapters/db/events.repo.ts';
import { findPaymentMethod } from '../../adapters/db/payment-methods.repo.ts';
import { defaultStrategyFor, loadStrategyVersion } from '../../adapters/db/strategies.repo.ts';
import {
  findSubscription,
  updateSubscriptionColumns,
} from '../../adapters/db/subscriptions.repo.ts';
import { isAmountMinor } from '../../domain/money.ts';
import type { Deps } from '../deps.ts';
import { openOrContinueCase } from '../engine/cases.ts';
import { chargeNow } from '../engine/charge-now.ts';
import { scopeOf } from '../engine/renew-subscription.ts';
import { newId } from '../ids.ts';
import { fail, ok, type Result } from '../result.ts';

export const COMPONENT_KINDS = ['quantity', 'on_off', 'prepaid', 'metered', 'usage'] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];

export type ComponentChargeInput = {
  merchantId: string;
  subscriptionId: string;
  componentKind: ComponentKind;
  description: string;
  amountMinor: number;
  /** Per-component override of the strategy's "dunning on component-allocation failure". */
  dunning?: boolean;
  /** The caller's key for this allocation; a repeat never charges twice. */
  idempotencyKey: string;
};

export type ComponentChargeOutcome = {
  chargeId: string;
  status: 'paid' | 'failed' | 'pending';
  caseId: string | null;
  why: string;
};

export async function reportComponentCharge(
  deps: Deps,
  input: ComponentChargeInput,
): Promise<Result<ComponentChargeOutcome>> {
  if (!COMPONENT_KINDS.includes(input.componentKind))
    return fail(
      'invalid_field',
      `component_kind must be one of ${COMPONENT_KINDS.join(', ')}`,
      'component_kind',
    );
  if (!isAmountMinor(input.amountMinor) || input.amountMinor === 0)
    return fail(
      'invalid_field',
      'amount must be a whole number of minor units above 0',
      'amount_minor',
    );
  if (
    typeof input.idempotencyKey !== 'string' ||
    input.idempotencyKey.length === 0 ||
    input.idempotencyKey.length > 255
  ) {
    return fail(
      'invalid_field',
      'idempotency_key is required (1 to 255 characters)',
      'idempotency_key',
    );
  }
  const sub = await findSubscription(deps.db, input.merchantId, input.subscriptionId);
  if (!sub) return fail('not_found', `no subscription ${input.subscriptionId}`, 'subscription_id');
  if (sub.state === 'canceled')
    return fail('invalid_state', 'a canceled subscription accrues nothing', 'subscription_id');

  const chargeId = newId('ch');
  const result = await chargeNow(
    deps,
    {
      merchantId: input.merchantId,
      subscriptionId: input.subscriptionId,
      amountMinor: input.amountMinor,
      purpose: 'component',
      idempotencyKey: `component:${input.idempotencyKey}`,
      why: `component allocation: ${input.description}`,
    },
    async (trx, { sub, outcome, now }): Promise<ComponentChargeOutcome> => {
      const status =
        outcome.kind === 'succeeded' ? 'paid' : outcome.kind === 'declined' ? 'failed' : 'pending';
      await insertCharge(trx, {
        merchant_id: sub.merchant_id,
        charge_id: chargeId,
        subscription_id: sub.subscription_id,
        kind: 'component',
        component_kind: input.componentKind,
        description: input.description,
        amount_minor: input.amountMinor,
        currency: sub.currency,
        period_start: null,
        period_end: null,
        status,
        case_id: null,
        paid_at: status === 'paid' ? now : null,
      });
      if (outcome.kind !== 'declined')
        return {
          chargeId,
          status,
          caseId: null,
          why:
            status === 'paid'
              ? 'charged'
              : 'gateway did not answer; repeat the request with the same key',
        };

      const balance = sub.balance_minor + input.amountMinor;
      await updateSubscriptionColumns(trx, sub.merchant_id, sub.subscription_id, {
        balance_minor: balance,
      });
      await recordEvent(trx, {
        merchantId: sub.merchant_id,
        type: 'payment_attempt.failed',
        occurredAt: now,
        subscriptionId: sub.subscription_id,
        data: {
          purpose: 'component',
          charge_id: chargeId,
          amount_minor: input.amountMinor,
          currency: sub.currency,
          raw_code: outcome.rawCode,
          category: outcome.classification.category,
        },
      });

      const dun = await shouldDun(trx, sub.merchant_id, sub.payment_method_id, input);
      if (!dun.yes) {
        await recordEvent(trx, {
          merchantId: sub.merchant_id,
          type: 'dunning_case.decision',
          occurredAt: now,
          subscriptionId: sub.subscription_id,
          data: { kind: 'no_dunning', why: dun.why },
        });
        return { chargeId, status, caseId: null, why: dun.why };
      }
      const row = await openOrContinueCase(trx, {
        sub: { ...sub, balance_minor: balance },
        amountMinor: input.amountMinor,
        chargeIds: [chargeId],
        category: outcome.classification.category,
        reason: 'component allocation charge declined',
        at: now,
        scope: await scopeOf(trx, sub),
      });
      return { chargeId, status, caseId: row.case_id, why: dun.why };
    },
  );
  if (result.replayed)
    return fail(
      'invalid_state',
      `this idempotency key was already used (outcome: ${result.outcome.kind})`,
      'idempotency_key',
    );
  return ok(result.value);
}

async function shouldDun(
  trx: Deps['db'],
  merchantId: string,
  paymentMethodId: string | null,
  input: ComponentChargeInput,
): Promise<{ yes: boolean; why: string }> {
  if (input.componentKind === 'metered' || input.componentKind === 'usage') {
    return {
      yes: false,
      why: `${input.componentKind} components never start dunning; the amount stays on the balance`,
    };
  }
  if (input.dunning !== undefined) {
    return {
      yes: input.dunning,
      why: `component override: dunning ${input.dunning ? 'on' : 'off'}`,
    };
  }
  const pm = paymentMethodId
    ? await findPaymentMethod(trx, merchantId, paymentMethodId)
    : undefined;
  const strategy = await defaultStrategyFor(trx, merchantId, pm?.type ?? 'pay_link');
  if (!strategy) return { yes: false, why: 'no strategy for this payment-method type' };
  const def = await loadStrategyVersion(
    trx,
    merchantId,
    strategy.strategy_id,
    strategy.current_version,
  );
  return def.dunOnComponentFailure
    ? { yes: true, why: 'strategy starts dunning on component-allocation failure' }
    : {
        yes: false,
        why: 'strategy does not dun component-allocation failures; the amount stays on the balance',
      };
}
