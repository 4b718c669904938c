// Everything a message says about one case, read from the database as plain facts for
// buildMessageVariables: the merchant, the customer, the product, the method on file, the decline
// and what the schedule holds next.

import type { Db } from '../../../adapters/db/connect.ts';
import { getCustomer } from '../../../adapters/db/customers.repo.ts';
import { findCase, findLatestCase } from '../../../adapters/db/dunning-cases.repo.ts';
import { getMerchant } from '../../../adapters/db/merchants.repo.ts';
import { findLastFailedAttemptOfCase } from '../../../adapters/db/payment-attempts.repo.ts';
import { findPaymentMethod } from '../../../adapters/db/payment-methods.repo.ts';
import type { CaseRow } from '../../../adapters/db/schema.ts';
import { getSubscription } from '../../../adapters/db/subscriptions.repo.ts';
import type { MessageIntent } from '../../../domain/case/message-intent.ts';
import { DECLINE_CATEGORIES, type DeclineCategory } from '../../../domain/declines/categories.ts';
import { HIDDEN_REASON_NOTE } from '../../../domain/declines/classify.ts';
import { caseOutlook } from '../../../domain/messages/case-outlook.ts';
import type { MessageChannel, MessageFacts } from '../../../domain/messages/variables.ts';
import { caseData, strategyOf } from '../../engine/cases.ts';

// The classifier writes HIDDEN_REASON_NOTE into an attempt's `why` when the issuer's reason (lost,
// stolen, fraud, …) must not reach the customer.
const HIDDEN_REASON_MARK = HIDDEN_REASON_NOTE;

export type CaseFactsInput = {
  merchantId: string;
  caseId: string;
  intent: MessageIntent;
  channel: MessageChannel;
  at: Date;
  updateUrl: string | null;
  updateLinkExpiresAt: Date | null;
};

/** The case's facts, or null when the merchant has no such case. */
export async function loadCaseFacts(db: Db, input: CaseFactsInput): Promise<MessageFacts | null> {
  const row = await findCase(db, input.merchantId, input.caseId);
  if (!row) return null;
  return factsOf(db, row, input);
}

/** The merchant's most recent case, for previews; null when it has none yet. */
export async function latestCase(db: Db, merchantId: string): Promise<CaseRow | undefined> {
  return findLatestCase(db, merchantId);
}

export async function factsOf(
  db: Db,
  row: CaseRow,
  input: Omit<CaseFactsInput, 'caseId' | 'merchantId'>,
): Promise<MessageFacts> {
  const merchantId = row.merchant_id;
  // One query at a time: callers may pass a transaction, which holds a single connection.
  const merchant = await getMerchant(db, merchantId);
  const sub = await getSubscription(db, merchantId, row.subscription_id);
  const def = await strategyOf(db, row);
  const attempt = await findLastFailedAttemptOfCase(db, merchantId, row.case_id);
  const customer = await getCustomer(db, merchantId, sub.customer_id);
  // The method the subscription bills now: the customer may have replaced the one that failed.
  const methodId = sub.payment_method_id ?? row.payment_method_id;
  const method = methodId ? await findPaymentMethod(db, merchantId, methodId) : undefined;
  const category = asCategory(row.last_category);
  return {
    at: input.at,
    intent: input.intent,
    channel: input.channel,
    merchant: {
      name: merchant.name,
      fromAddress: merchant.from_address,
      supportContact: merchant.support_contact,
    },
    customer: {
      name: customer.name,
      email: customer.email,
      locale: customer.locale,
      timeZone: customer.time_zone,
    },
    product: {
      name: sub.product_name,
      priceMinor: sub.price_minor,
      currency: sub.currency,
      interval: sub.billing_interval,
      intervalCount: sub.interval_count,
    },
    balanceMinor: sub.balance_minor,
    amountDue: { amountMinor: row.amount_due_minor, currency: row.currency },
    paymentMethod: method
      ? {
          type: method.type,
          brand: method.brand,
          last4: method.last4,
          expMonth: method.exp_month,
          expYear: method.exp_year,
        }
      : null,
    decline: {
      category,
      hideReason: category === 'hard' || (attempt?.why ?? '').includes(HIDDEN_REASON_MARK),
    },
    caseStatus: row.status,
    outlook: caseOutlook(caseData(row), def, input.at, row.closed_at),
    updateUrl: input.updateUrl,
    updateLinkExpiresAt: input.updateLinkExpiresAt,
  };
}

export function asCategory(value: string | null): DeclineCategory | null {
  return value !== null && (DECLINE_CATEGORIES as readonly string[]).includes(value)
    ? (value as DeclineCategory)
    : null;
}
