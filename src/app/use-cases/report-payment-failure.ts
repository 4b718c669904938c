// A charge failed in the merchant's own billing system (POST /v1/payment_failures, or the Stripe
// webhook `invoice.payment_failed`). It is recorded like a declined renewal of the engine's own:
// the failed charge, a failed attempt with the reported codes and our classification, then the
// case opened or continued exactly as renewSubscription does, in one transaction with its events.
// Deduplicated by the external charge id: the same charge reported again answers the first result.
import { insertCharge } from '../../adapters/db/charges.repo.ts';
import { findOpenCaseIdOfSubscription } from '../../adapters/db/dunning-cases.repo.ts';
import { recordEvent } from '../../adapters/db/events.repo.ts';
import { lockSubscription } from '../../adapters/db/locks.repo.ts';
import { readMerchantNow } from '../../adapters/db/merchants.repo.ts';
import { setAttemptCase } from '../../adapters/db/payment-attempts.repo.ts';
import {
  findPaymentFailureByExternalCharge,
  insertPaymentFailure,
} from '../../adapters/db/payment-failures.repo.ts';
import type { PaymentFailureRow } from '../../adapters/db/schema-api.ts';
import { updateSubscriptionColumns } from '../../adapters/db/subscriptions.repo.ts';
import {
  type CardNetwork,
  classifyDecline,
  type RawDecline,
} from '../../domain/declines/classify.ts';
import { isAmountMinor, isCurrencyCode } from '../../domain/money.ts';
import { MAX_STRATEGY_DAYS } from '../../domain/strategy/strategy.ts';
import { collectsAutomatically } from '../../domain/subscription/state.ts';
import type { Deps } from '../deps.ts';
import { insertAttempt, recordAttemptResult } from '../engine/attempts.ts';
import { openOrContinueCase } from '../engine/cases.ts';
import { sendHardDeclineMessage } from '../engine/hard-decline-message.ts';
import { scopeOf } from '../engine/renew-subscription.ts';
import { newId } from '../ids.ts';
import { fail, ok, type Result } from '../result.ts';

export const DECLINE_SCHEMES = ['stripe', 'iso8583', 'nacha', 'sepa', 'bacs'] as const;
export const CARD_NETWORKS = ['visa', 'mastercard', 'amex', 'discover', 'other'] as const;

/** A decline as the merchant's system reports it; checked and turned into a RawDecline here. */
export type ReportedDecline = {
  scheme: string;
  /** Stripe's decline_code, an ISO 8583 response code, a NACHA/SEPA/Bacs return code. */
  code: string;
  /** Card network, for `stripe` (optional) and `iso8583` (required). */
  network?: string;
  /** Stripe only: the issuer's raw response code. */
  networkDeclineCode?: string;
  /** Stripe only: the network's advice code (Mastercard MAC). */
  networkAdviceCode?: string;
  /** Stripe only: Stripe's advice_code. */
  adviceCode?: string;
  /** ISO 8583 only: the Mastercard merchant advice code. */
  merchantAdviceCode?: string;
};

export type ReportPaymentFailureInput = {
  merchantId: string;
  subscriptionId: string;
  /** The charge's id in the merchant's system; a second report of it changes nothing. */
  externalChargeId: string;
  amountMinor: number;
  currency: string;
  decline: ReportedDecline;
  /** When the charge failed; defaults to the merchant's now. Day 1 of a new case. */
  failedAt?: Date;
  description?: string;
};

export type ReportPaymentFailureOutcome = {
  failure: PaymentFailureRow;
  /** True when this external charge had been reported before: nothing was changed. */
  replayed: boolean;
  /** What happened to the subscription's dunning, in words. */
  why: string;
};

const MAX_CODE_LENGTH = 64;
const MAX_ID_LENGTH = 255;
const MAX_DESCRIPTION_LENGTH = 500;
const DAY_MS = 86_400_000;

export async function reportPaymentFailure(
  deps: Deps,
  input: ReportPaymentFailureInput,
): Promise<Result<ReportPaymentFailureOutcome>> {
  const checked = checkInput(input);
  if (!checked.ok) return checked;
  const raw = checked.value;
  const classification = classifyDecline(raw);

  return deps.db.transaction().execute(async (trx) => {
    const earlier = await findReported(trx, input);
    if (earlier) return earlier;
    // Lock order everywhere: the subscription first, then its case.
    const sub = await lockSubscription(trx, input.merchantId, input.subscriptionId);
    if (!sub)
      return fail('not_found', `no subscription ${input.subscriptionId}`, 'subscription_id');
    // A concurrent report of the same charge waited on the lock above: it sees the first one now.
    const raced = await findReported(trx, input);
    if (raced) return raced;
    if (sub.state === 'canceled')
      return fail(
        'invalid_state',
        'the subscription is canceled: it accrues nothing and is never dunned',
        'subscription_id',
      );
    if (input.currency !== sub.currency)
      return fail(
        'invalid_field',
        `currency must be the subscription's currency, ${sub.currency}`,
        'currency',
      );
    const now = await readMerchantNow(trx, input.merchantId, deps.clock);
    const failedAt = input.failedAt ?? now;
    if (failedAt.getTime() > now.getTime())
      return fail('invalid_field', 'failed_at must not be in the future', 'failed_at');
    // An older failure would open a case whose every step, final one included, is already past.
    if (failedAt.getTime() < now.getTime() - MAX_STRATEGY_DAYS * DAY_MS)
      return fail(
        'invalid_field',
        `failed_at must be within the last ${MAX_STRATEGY_DAYS} days`,
        'failed_at',
      );

    const chargeId = newId('ch');
    await insertCharge(trx, {
      merchant_id: sub.merchant_id,
      charge_id: chargeId,
      subscription_id: sub.subscription_id,
      kind: 'renewal',
      component_kind: null,
      description:
        input.description?.trim() || `${sub.product_name}, charge ${input.externalChargeId}`,
      amount_minor: input.amountMinor,
      currency: sub.currency,
      period_start: null,
      period_end: null,
      status: 'failed',
      case_id: null,
      paid_at: null,
    });
    // The attempt counts in the card-network rules like one of ours: the card was charged.
    const pending = await insertAttempt(trx, {
      merchantId: sub.merchant_id,
      subscriptionId: sub.subscription_id,
      caseId: null,
      paymentMethodId: sub.payment_method_id,
      purpose: 'renewal',
      amountMinor: input.amountMinor,
      currency: sub.currency,
      idempotencyKey: `external:${input.externalChargeId}`,
      why: `charge ${input.externalChargeId} failed in the merchant's billing system (reported)`,
      at: failedAt,
    });
    const outcome = await recordAttemptResult(
      trx,
      pending,
      { kind: 'declined', raw, message: 'reported by the merchant' },
      failedAt,
    );
    if (outcome.kind !== 'declined') throw new Error('a reported failure is always a decline');
    const balance = sub.balance_minor + input.amountMinor;
    await updateSubscriptionColumns(trx, sub.merchant_id, sub.subscription_id, {
      balance_minor: balance,
      updated_at: new Date(),
    });
    await recordEvent(trx, {
      merchantId: sub.merchant_id,
      type: 'payment_attempt.failed',
      occurredAt: failedAt,
      subscriptionId: sub.subscription_id,
      data: {
        attempt_id: pending.attempt_id,
        charge_id: chargeId,
        external_charge_id: input.externalChargeId,
        amount_minor: input.amountMinor,
        currency: sub.currency,
        purpose: 'renewal',
        source: 'reported',
        raw_code: outcome.rawCode,
        category: classification.category,
        classification: classification.why,
      },
    });

    let caseId: string | null = null;
    let openedCase = false;
    let why: string;
    if (collectsAutomatically(sub.state)) {
      const openBefore = await findOpenCaseIdOfSubscription(
        trx,
        sub.merchant_id,
        sub.subscription_id,
      );
      const row = await openOrContinueCase(trx, {
        sub: { ...sub, balance_minor: balance },
        amountMinor: input.amountMinor,
        chargeIds: [chargeId],
        category: classification.category,
        reason: "charge declined in the merchant's billing system",
        at: failedAt,
        scope: await scopeOf(trx, sub),
      });
      caseId = row.case_id;
      openedCase = openBefore === undefined;
      await setAttemptCase(trx, sub.merchant_id, pending.attempt_id, caseId);
      if (classification.category === 'hard')
        await sendHardDeclineMessage(trx, sub, pending, row, failedAt);
      why = openedCase
        ? `dunning case opened (${classification.category})`
        : 'the open dunning case continues its schedule with the added amount';
    } else {
      // Unpaid keeps accruing charges but is not collected automatically (SPEC section 2).
      why = 'the subscription is unpaid: the amount accrues on its balance without dunning';
      await recordEvent(trx, {
        merchantId: sub.merchant_id,
        type: 'charge.accrued',
        occurredAt: failedAt,
        subscriptionId: sub.subscription_id,
        data: {
          charge_id: chargeId,
          amount_minor: input.amountMinor,
          currency: sub.currency,
          why,
        },
      });
    }

    const failure = await insertPaymentFailure(trx, {
      merchant_id: sub.merchant_id,
      payment_failure_id: newId('pf'),
      external_charge_id: input.externalChargeId,
      subscription_id: sub.subscription_id,
      charge_id: chargeId,
      attempt_id: pending.attempt_id,
      case_id: caseId,
      opened_case: openedCase,
      amount_minor: input.amountMinor,
      currency: sub.currency,
      decline: JSON.stringify(raw),
      raw_code: outcome.rawCode,
      category: classification.category,
      classification: classification.why,
      description: input.description?.trim() || null,
      failed_at: failedAt,
    });
    return ok({ failure, replayed: false, why });
  });
}

/** The first report of this external charge, if any; a different charge under its id is refused. */
async function findReported(
  trx: Deps['db'],
  input: ReportPaymentFailureInput,
): Promise<Result<ReportPaymentFailureOutcome> | null> {
  const row = await findPaymentFailureByExternalCharge(
    trx,
    input.merchantId,
    input.externalChargeId,
  );
  if (!row) return null;
  if (
    row.subscription_id !== input.subscriptionId ||
    row.amount_minor !== input.amountMinor ||
    row.currency !== input.currency
  )
    return fail(
      'invalid_state',
      `external charge ${input.externalChargeId} was already reported with another subscription, amount or currency`,
      'external_charge_id',
    );
  return ok({ failure: row, replayed: true, why: 'already reported; nothing changed' });
}

function checkInput(input: ReportPaymentFailureInput): Result<RawDecline> {
  if (!isText(input.subscriptionId, MAX_ID_LENGTH))
    return fail('invalid_field', 'subscription_id is required', 'subscription_id');
  if (!isText(input.externalChargeId, MAX_ID_LENGTH))
    return fail(
      'invalid_field',
      `external_charge_id is required (1 to ${MAX_ID_LENGTH} characters)`,
      'external_charge_id',
    );
  if (!isAmountMinor(input.amountMinor) || input.amountMinor === 0)
    return fail(
      'invalid_field',
      'amount must be a positive whole number of minor units',
      'amount_in_cents',
    );
  if (typeof input.currency !== 'string' || !isCurrencyCode(input.currency))
    return fail(
      'invalid_field',
      `currency must be an ISO 4217 code in use, such as USD (${JSON.stringify(input.currency).slice(0, 12)} is not one)`,
      'currency',
    );
  if (
    input.failedAt !== undefined &&
    !(input.failedAt instanceof Date && !Number.isNaN(+input.failedAt))
  )
    return fail('invalid_field', 'failed_at must be a date-time', 'failed_at');
  if (
    input.description !== undefined &&
    (typeof input.description !== 'string' || input.description.length > MAX_DESCRIPTION_LENGTH)
  )
    return fail(
      'invalid_field',
      `description must be text of at most ${MAX_DESCRIPTION_LENGTH} characters`,
      'description',
    );
  return rawDeclineOf(input.decline);
}

/** Checks the reported fields against their scheme: each network field belongs to one scheme. */
export function rawDeclineOf(d: ReportedDecline | undefined): Result<RawDecline> {
  if (typeof d !== 'object' || d === null)
    return fail('invalid_field', 'decline is required', 'decline');
  const scheme = d.scheme as (typeof DECLINE_SCHEMES)[number];
  if (!DECLINE_SCHEMES.includes(scheme))
    return fail(
      'invalid_field',
      `decline.scheme must be one of ${DECLINE_SCHEMES.join(', ')}`,
      'decline.scheme',
    );
  if (!isText(d.code, MAX_CODE_LENGTH))
    return fail(
      'invalid_field',
      `decline.code is required (1 to ${MAX_CODE_LENGTH} characters)`,
      'decline.code',
    );
  const allowed: Record<(typeof DECLINE_SCHEMES)[number], readonly (keyof ReportedDecline)[]> = {
    stripe: ['network', 'networkDeclineCode', 'networkAdviceCode', 'adviceCode'],
    iso8583: ['network', 'merchantAdviceCode'],
    nacha: [],
    sepa: [],
    bacs: [],
  };
  const optional: [keyof ReportedDecline, string][] = [
    ['network', 'decline.network'],
    ['networkDeclineCode', 'decline.network_decline_code'],
    ['networkAdviceCode', 'decline.network_advice_code'],
    ['adviceCode', 'decline.advice_code'],
    ['merchantAdviceCode', 'decline.merchant_advice_code'],
  ];
  for (const [key, field] of optional) {
    const value = d[key];
    if (value === undefined) continue;
    if (!allowed[scheme].includes(key))
      return fail('invalid_field', `${field} does not apply to the ${scheme} scheme`, field);
    if (!isText(value, MAX_CODE_LENGTH))
      return fail('invalid_field', `${field} must be 1 to ${MAX_CODE_LENGTH} characters`, field);
  }
  const network = d.network as CardNetwork | undefined;
  if (network !== undefined && !CARD_NETWORKS.includes(network))
    return fail(
      'invalid_field',
      `decline.network must be one of ${CARD_NETWORKS.join(', ')}`,
      'decline.network',
    );
  switch (scheme) {
    case 'stripe':
      return ok({
        scheme,
        code: d.code,
        ...(network ? { network } : {}),
        ...(d.networkDeclineCode ? { networkDeclineCode: d.networkDeclineCode } : {}),
        ...(d.networkAdviceCode ? { networkAdviceCode: d.networkAdviceCode } : {}),
        ...(d.adviceCode ? { adviceCode: d.adviceCode } : {}),
      });
    case 'iso8583':
      if (!network)
        return fail(
          'invalid_field',
          'decline.network is required for iso8583 codes',
          'decline.network',
        );
      return ok({
        scheme,
        code: d.code,
        network,
        ...(d.merchantAdviceCode ? { merchantAdviceCode: d.merchantAdviceCode } : {}),
      });
    case 'nacha':
    case 'sepa':
    case 'bacs':
      return ok({ scheme, code: d.code });
    default: {
      const unreachable: never = scheme;
      return unreachable;
    }
  }
}

function isText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.trim().length > 0 && value.length <= max;
}
