// A payment attempt is written (with its idempotency key) and committed before the gateway is
// called; a re-run of the same step finds it and re-sends the same key, so it never charges twice.

import { sql } from 'kysely';
import type { Db } from '../../adapters/db/connect.ts';
import { recordEvent } from '../../adapters/db/events.repo.ts';
import type { AttemptRow } from '../../adapters/db/schema.ts';
import type { ChargeResult, PaymentGateway } from '../../adapters/gateways/port.ts';
import {
  type Classification,
  classifyDecline,
  type RawDecline,
} from '../../domain/declines/classify.ts';
import { newId } from '../ids.ts';
import { networkOf } from './credential-history.ts';

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

export async function insertAttempt(trx: Db, a: NewAttempt): Promise<AttemptRow> {
  const pm = a.paymentMethodId
    ? await trx
        .selectFrom('payment_methods')
        .select(['type', 'network', 'fingerprint'])
        .where('merchant_id', '=', a.merchantId)
        .where('payment_method_id', '=', a.paymentMethodId)
        .executeTakeFirst()
    : undefined;
  return trx
    .insertInto('payment_attempts')
    .values({
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
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function loadAttempt(
  db: Db,
  merchantId: string,
  attemptId: string,
): Promise<AttemptRow> {
  return db
    .selectFrom('payment_attempts')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('attempt_id', '=', attemptId)
    .executeTakeFirstOrThrow();
}

/**
 * Calls the gateway for a recorded attempt. Runs outside any transaction. `authenticated`: the
 * customer is present and confirmed the payment with their bank (the hosted page).
 */
export async function sendAttempt(
  db: Db,
  gateway: PaymentGateway,
  attempt: AttemptRow,
  at: Date,
  options: { authenticated?: boolean } = {},
): Promise<ChargeResult> {
  const pm = attempt.payment_method_id
    ? await db
        .selectFrom('payment_methods')
        .select('gateway_token')
        .where('merchant_id', '=', attempt.merchant_id)
        .where('payment_method_id', '=', attempt.payment_method_id)
        .executeTakeFirst()
    : undefined;
  if (!pm)
    return {
      kind: 'declined',
      raw: { scheme: 'stripe', code: 'invalid_account' },
      message: 'no payment method on file',
    };
  try {
    return await gateway.charge({
      merchantId: attempt.merchant_id,
      idempotencyKey: attempt.idempotency_key,
      token: pm.gateway_token,
      amountMinor: attempt.amount_minor,
      currency: attempt.currency,
      at,
      ...(options.authenticated ? { authenticated: true } : {}),
    });
  } catch (error) {
    // A thrown call is treated like a lost answer: the same key is re-sent later.
    return { kind: 'unknown', message: `gateway error: ${(error as Error).message}` };
  }
}

export type AttemptOutcomeRecord =
  | { kind: 'succeeded' }
  | { kind: 'declined'; classification: Classification; rawCode: string }
  | { kind: 'unknown' };

/** Writes the gateway's answer on the attempt and returns it classified. */
export async function recordAttemptResult(
  trx: Db,
  attempt: AttemptRow,
  result: ChargeResult,
  at: Date,
): Promise<AttemptOutcomeRecord> {
  const base = trx
    .updateTable('payment_attempts')
    .where('merchant_id', '=', attempt.merchant_id)
    .where('attempt_id', '=', attempt.attempt_id);
  switch (result.kind) {
    case 'succeeded':
      await base.set({ status: 'succeeded', completed_at: at, sends: attempt.sends + 1 }).execute();
      return { kind: 'succeeded' };
    case 'declined': {
      const classification = classifyDecline(result.raw);
      await base
        .set({
          status: 'failed',
          completed_at: at,
          raw_code: rawCodeOf(result.raw),
          category: classification.category,
          visa_category: classification.visaCategory,
          advice: JSON.stringify(classification.advice),
          max_representments: classification.maxRepresentments,
          representment_window_days: classification.representmentWindowDays,
          sends: attempt.sends + 1,
        })
        .execute();
      if (!classification.known) await countUnknownCode(trx, attempt.merchant_id, result.raw);
      return { kind: 'declined', classification, rawCode: rawCodeOf(result.raw) };
    }
    case 'unknown':
      await base.set({ sends: attempt.sends + 1 }).execute();
      return { kind: 'unknown' };
    default: {
      const unreachable: never = result;
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
  await recordEvent(trx, {
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

/** A code no table knew was classified as generic; count it so the tables can grow. */
async function countUnknownCode(trx: Db, merchantId: string, raw: RawDecline): Promise<void> {
  await trx
    .insertInto('unknown_decline_codes')
    .values({ merchant_id: merchantId, scheme: raw.scheme, code: raw.code.slice(0, 64) })
    .onConflict((oc) =>
      oc
        .columns(['merchant_id', 'scheme', 'code'])
        .doUpdateSet({ seen: sql`unknown_decline_codes.seen + 1`, last_seen_at: sql`now()` }),
    )
    .execute();
}
