// A payment attempt is written (with its idempotency key) and committed before the gateway is
// called; a re-run of the same step finds it and re-sends the same key, so it never charges twice.

import type { Db } from '../../adapters/db/connect.ts';
import type { AttemptRow } from '../../adapters/db/schema.ts';
import { addEvent, insertRow, updateRow } from '../../adapters/db/unit-of-work.ts';
import type { ChargeResult } from '../../adapters/gateways/port.ts';
import type { DeclineCategory } from '../../domain/declines/categories.ts';
import {
  type Classification,
  classifyDecline,
  type RawDecline,
} from '../../domain/declines/classify.ts';
import { newId } from '../ids.ts';
import { networkOf } from './credential-history.ts';
import { credentialAttemptOf, key, paymentMethodIn, type Work, withWork } from './world.ts';

/** As many as pay-cycle learning reads (the latest 24). */
const PAYMENT_TIMES_KEPT = 24;

export type NewAttempt = {
  merchantId: string;
  subscriptionId: string;
  caseId: string | null;
  paymentMethodId: string | null;
  purpose: AttemptRow['purpose'];
  amountMinor: number;
  currency: string;
  idempotencyKey: string;
  why: string;
  at: Date;
};

/** Records a new attempt, pending, with its key; the credential's history counts it at once. */
export function newAttemptIn(w: Work, a: NewAttempt): AttemptRow {
  const pm = paymentMethodIn(w.world, a.merchantId, a.paymentMethodId);
  const row: AttemptRow = {
    merchant_id: a.merchantId,
    attempt_id: newId('att'),
    subscription_id: a.subscriptionId,
    case_id: a.caseId,
    payment_method_id: a.paymentMethodId,
    purpose: a.purpose,
    amount_minor: a.amountMinor,
    currency: a.currency,
    idempotency_key: a.idempotencyKey,
    status: 'pending',
    sends: 0,
    raw_code: null,
    category: null,
    why: a.why,
    // The credential the network rules count attempts against (same card, any subscription).
    credential: pm?.fingerprint ?? null,
    network: pm ? networkOf(pm.type, pm.network) : null,
    visa_category: null,
    advice: null,
    max_representments: null,
    representment_window_days: null,
    requested_at: a.at,
    completed_at: null,
    created_at: new Date(),
  };
  insertRow(w.unit, 'payment_attempts', row);
  if (pm)
    w.world.histories.get(key(pm.merchant_id, pm.fingerprint))?.push(credentialAttemptOf(row));
  return row;
}

export async function insertAttempt(trx: Db, a: NewAttempt): Promise<AttemptRow> {
  const pm = a.paymentMethodId ? [{ merchantId: a.merchantId, id: a.paymentMethodId }] : [];
  return withWork(trx, { subs: [], paymentMethods: pm }, (w) => newAttemptIn(w, a));
}

export type AttemptOutcomeRecord =
  | { kind: 'succeeded' }
  | { kind: 'declined'; classification: Classification; rawCode: string }
  | { kind: 'unknown' };

/** Writes the gateway's answer on the attempt and returns it classified. */
export function recordAttemptResultIn(
  w: Work,
  attempt: AttemptRow,
  result: ChargeResult,
  at: Date,
): AttemptOutcomeRecord {
  // `sends` was counted when the request went out (charge-protocol.ts), answered or not.
  const k = { merchant_id: attempt.merchant_id, attempt_id: attempt.attempt_id };
  switch (result.kind) {
    case 'succeeded':
      updateRow(w.unit, 'payment_attempts', k, { status: 'succeeded', completed_at: at });
      rememberPayment(w, attempt, at);
      return { kind: 'succeeded' };
    case 'declined': {
      const classification = classifyDecline(result.raw);
      updateRow(w.unit, 'payment_attempts', k, {
        status: 'failed',
        completed_at: at,
        raw_code: rawCodeOf(result.raw),
        category: classification.category,
        visa_category: classification.visaCategory,
        advice: classification.advice,
        max_representments: classification.maxRepresentments,
        representment_window_days: classification.representmentWindowDays,
      });
      // A code no table knew was classified as generic; count it so the tables can grow.
      if (!classification.known)
        w.unit.unknownCodes.push({
          merchant_id: attempt.merchant_id,
          scheme: result.raw.scheme,
          code: result.raw.code.slice(0, 64),
        });
      return { kind: 'declined', classification, rawCode: rawCodeOf(result.raw) };
    }
    case 'unknown':
      return { kind: 'unknown' };
    default: {
      const unreachable: never = result;
      return unreachable;
    }
  }
}

export async function recordAttemptResult(
  trx: Db,
  attempt: AttemptRow,
  result: ChargeResult,
  at: Date,
): Promise<AttemptOutcomeRecord> {
  const subscriber = { merchantId: attempt.merchant_id, id: attempt.subscription_id };
  return withWork(trx, { subs: [], subscribersOf: [subscriber] }, (w) =>
    recordAttemptResultIn(w, attempt, result, at),
  );
}

/** Keeps the customer's latest payments, which their pay cycle is learned from. */
function rememberPayment(w: Work, attempt: AttemptRow, at: Date): void {
  const customer = w.world.subscribers.get(key(attempt.merchant_id, attempt.subscription_id));
  if (!customer) throw new Error(`the customer of ${attempt.subscription_id} was not loaded`);
  customer.payment_times = [at, ...customer.payment_times]
    .sort((a, b) => b.getTime() - a.getTime())
    .slice(0, PAYMENT_TIMES_KEPT);
  updateRow(
    w.unit,
    'customers',
    { merchant_id: customer.merchant_id, customer_id: customer.customer_id },
    { payment_times: customer.payment_times },
  );
}

/** An attempt's answer as it was recorded: what a replayed request reports, never re-parsed. */
export type StoredOutcome =
  | { kind: 'succeeded' }
  | { kind: 'declined'; category: DeclineCategory; rawCode: string | null }
  | { kind: 'unknown' };

export function storedOutcomeOf(row: AttemptRow): StoredOutcome {
  switch (row.status) {
    case 'succeeded':
      return { kind: 'succeeded' };
    case 'failed':
      return {
        kind: 'declined',
        category: (row.category as DeclineCategory | null) ?? 'generic',
        rawCode: row.raw_code,
      };
    case 'pending':
      return { kind: 'unknown' };
    default: {
      const unreachable: never = row.status;
      return unreachable;
    }
  }
}

/** The answer on the case timeline: payment_attempt.succeeded, .failed or .unanswered. */
export async function recordAttemptOutcome(
  trx: Db,
  attempt: AttemptRow,
  outcome: AttemptOutcomeRecord,
  at: Date,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await withWork(trx, { subs: [] }, (w) => recordAttemptOutcomeIn(w, attempt, outcome, at, extra));
}

export function recordAttemptOutcomeIn(
  w: Work,
  attempt: AttemptRow,
  outcome: AttemptOutcomeRecord,
  at: Date,
  extra: Record<string, unknown> = {},
): void {
  addEvent(w.unit, {
    merchantId: attempt.merchant_id,
    type:
      outcome.kind === 'succeeded'
        ? 'payment_attempt.succeeded'
        : outcome.kind === 'declined'
          ? 'payment_attempt.failed'
          : 'payment_attempt.unanswered',
    occurredAt: at,
    subscriptionId: attempt.subscription_id,
    caseId: attempt.case_id,
    data: {
      attempt_id: attempt.attempt_id,
      amount_minor: attempt.amount_minor,
      currency: attempt.currency,
      purpose: attempt.purpose,
      ...extra,
      ...(outcome.kind === 'declined'
        ? {
            raw_code: outcome.rawCode,
            category: outcome.classification.category,
            classification: outcome.classification.why,
          }
        : {}),
    },
  });
}

/** The raw codes as one string for the timeline: "generic_decline", "05/MAC 03", "R01". */
export function rawCodeOf(raw: RawDecline): string {
  const parts = [raw.code];
  if (raw.scheme === 'stripe' && raw.networkDeclineCode)
    parts.push(`network ${raw.networkDeclineCode}`);
  if (raw.scheme === 'stripe' && raw.networkAdviceCode)
    parts.push(`advice ${raw.networkAdviceCode}`);
  if (raw.scheme === 'iso8583' && raw.merchantAdviceCode)
    parts.push(`MAC ${raw.merchantAdviceCode}`);
  return parts.join(' / ');
}
