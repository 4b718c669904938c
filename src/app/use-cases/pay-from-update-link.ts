// The hosted update page's use case (SPEC section 6): the customer behind a signed update link
// pays the amount due with a new card, a gateway token from hosted fields, or the card on file
// after authenticating (SCA). Same three steps as the engine: record the attempt and its key,
// call the gateway outside any transaction, apply the answer with its events in one transaction.
import { sql } from 'kysely';
import type { Db } from '../../adapters/db/connect.ts';
import { recordEvent } from '../../adapters/db/events.repo.ts';
import type {
  AttemptRow,
  CaseRow,
  PaymentMethodRow,
  SubscriptionRow,
} from '../../adapters/db/schema.ts';
import type { ChargeResult } from '../../adapters/gateways/port.ts';
import { isStripeToken } from '../../adapters/gateways/stripe/token.ts';
import { parseTestToken } from '../../adapters/gateways/test-gateway/cards.ts';
import { UNKNOWN_OUTCOME_RECHECK_MS } from '../../domain/case/case.ts';
import {
  blocksRetryUntilMethodChanges,
  type DeclineCategory,
} from '../../domain/declines/categories.ts';
import { evaluateRetry } from '../../domain/network-rules/evaluate-retry.ts';
import type {
  CredentialAttempt,
  RetryAdvice,
  RuleVerdict,
} from '../../domain/network-rules/types.ts';
import type { Deps } from '../deps.ts';
import { insertAttempt, recordAttemptResult } from '../engine/attempts.ts';
import { caseData, recoverCase, saveCase, strategyOf } from '../engine/cases.ts';
import { networkOf } from '../engine/credential-history.ts';
import { nowForMerchant } from '../engine/merchant-clock.ts';
import { newId } from '../ids.ts';
import { fail, ok, type Result } from '../result.ts';
import {
  type LinkRejection,
  markUpdateLinkUsed,
  recordUpdateLinkVisit,
  type UpdateLinkRow,
  verifyUpdateLinkToken,
} from '../update-links/update-links.ts';
import { methodDetails, type TestCardInput } from './add-payment-method.ts';

/** The page's lease on the case while its charge is out: the worker leaves a leased case alone. */
const PAGE_LEASE_MS = 120_000;

export type MaskedMethod = {
  type: PaymentMethodRow['type'];
  brand: string | null;
  last4: string | null;
  expMonth: number | null;
  expYear: number | null;
};

/** What the hosted page shows: only what the customer needs to pay, nothing internal. */
export type HostedView = {
  merchantName: string;
  supportContact: string | null;
  productName: string;
  subscriptionState: SubscriptionRow['state'];
  /** The recurring price and when it is next charged (null once nothing renews). */
  priceMinor: number;
  nextRenewalAt: Date | null;
  amountDueMinor: number;
  currency: string;
  /** The customer's locale and time zone, for formatting amounts and dates. */
  locale: string;
  timeZone: string;
  method: MaskedMethod | null;
  /** The last decline asked for the customer's authentication (SCA / 3-D Secure). */
  needsAuthentication: boolean;
  /** The method on file can be authenticated on this page (the test gateway's simulated issuer). */
  canAuthenticateHere: boolean;
  /** A test-mode merchant: the page takes test-gateway card numbers. */
  testMode: boolean;
  /** Opaque id of the method on file: the authentication step names the card it confirms. */
  methodId: string | null;
  linkExpiresAt: Date;
  now: Date;
};

/** A link that does not open the page: a closed case counts as spent, like a used link. */
export type Rejection = { kind: 'rejected'; reason: LinkRejection | 'closed' };

export type OpenedLink = { kind: 'open'; view: HostedView } | Rejection;

export type NewMethod =
  /** A test-gateway card; only its token, brand, last 4 digits and expiry are stored. */
  | { kind: 'test_card'; number: string; exp: string }
  /** A token from a gateway's own hosted fields (e.g. a Stripe PaymentMethod id). */
  | { kind: 'gateway_token'; token: string }
  /** The customer approved the issuer's challenge for the method on file. */
  | { kind: 'authenticated'; paymentMethodId: string };

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

type Now = (merchantId: string) => Promise<Date>;

function merchantNowOf(deps: Pick<Deps, 'db' | 'clock'>): Now {
  return (merchantId) => nowForMerchant(deps.db, deps.clock, merchantId);
}

/** Opens the page behind a token; `countVisit` counts a click for the message's metrics. */
export async function openUpdateLink(
  deps: Pick<Deps, 'db' | 'clock'>,
  token: string,
  options: { countVisit: boolean } = { countVisit: false },
): Promise<OpenedLink> {
  const verified = await verifyUpdateLinkToken(deps.db, token, merchantNowOf(deps));
  if (!verified.ok) return { kind: 'rejected', reason: verified.reason };
  const { link } = verified;
  const now = await nowForMerchant(deps.db, deps.clock, link.merchant_id);
  const view = await loadView(deps.db, link, now);
  if (!view) return { kind: 'rejected', reason: 'closed' };
  if (options.countVisit) await recordUpdateLinkVisit(deps.db, link, now);
  return { kind: 'open', view };
}

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
  const phase1 = await deps.db.transaction().execute(async (trx): Promise<Phase1> => {
    const at = await nowForMerchant(trx, deps.clock, link.merchant_id);
    const locked = await lockLinkCase(trx, link);
    if (locked.kind === 'rejected') return locked;
    const { row, sub } = locked;
    if (row.pending_attempt_id || locked.leased) return { kind: 'busy', at };

    const chosen = await chooseMethod(trx, row, sub, input.method, at);
    if (!chosen.ok) return { kind: 'invalid', result: chosen };
    const { method, authenticated } = chosen.value;

    const verdict = await onSessionVerdict(trx, method, row.amount_due_minor, at, authenticated);
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

    if (method.payment_method_id !== sub.payment_method_id)
      await switchMethod(trx, row, sub, method, link, at);
    const previous = await trx
      .selectFrom('payment_attempts')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('merchant_id', '=', row.merchant_id)
      .where('idempotency_key', 'like', `${row.case_id}:update_link:${link.link_id}:%`)
      .executeTakeFirstOrThrow();
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
      idempotencyKey: `${row.case_id}:update_link:${link.link_id}:${previous.n + 1}`,
      why,
      at,
    });
    // With the attempt pending and the case leased, no worker retry can charge it meanwhile; if
    // this process dies, the lease runs out and the worker re-sends the same key.
    await trx
      .updateTable('dunning_cases')
      .set({
        pending_attempt_id: attempt.attempt_id,
        lease_owner: leaseOwner,
        lease_until: sql<Date>`now() + ${`${PAGE_LEASE_MS} milliseconds`}::interval`,
        updated_at: new Date(),
      })
      .where('merchant_id', '=', row.merchant_id)
      .where('case_id', '=', row.case_id)
      .execute();
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
  });

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

  // Phase 2: the gateway call, outside any transaction.
  const result = await chargeOnSession(deps, phase1.attempt, phase1.at, phase1.authenticated);

  // Phase 3: apply the answer, with its events, in one transaction.
  const applied = await deps.db.transaction().execute(async (trx): Promise<Applied> => {
    const locked = await lockLinkCase(trx, link);
    const attempt = await trx
      .selectFrom('payment_attempts')
      .selectAll()
      .where('merchant_id', '=', link.merchant_id)
      .where('attempt_id', '=', phase1.attempt.attempt_id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    // The lease ran out and a worker re-sent the same key and recorded the same answer.
    if (attempt.status !== 'pending') return settled(attempt);
    const now = phase1.at;
    // The answer is recorded whatever became of the case meanwhile: money taken is never lost.
    const outcome = await recordAttemptResult(trx, attempt, result, now);
    await recordEvent(trx, {
      merchantId: attempt.merchant_id,
      type:
        outcome.kind === 'succeeded'
          ? 'payment_attempt.succeeded'
          : outcome.kind === 'declined'
            ? 'payment_attempt.failed'
            : 'payment_attempt.unanswered',
      occurredAt: now,
      subscriptionId: attempt.subscription_id,
      caseId: attempt.case_id,
      data: {
        attempt_id: phase1.attempt.attempt_id,
        amount_minor: phase1.attempt.amount_minor,
        currency: phase1.attempt.currency,
        purpose: phase1.attempt.purpose,
        source: 'update_link',
        authenticated: phase1.authenticated,
        ...(outcome.kind === 'declined'
          ? {
              raw_code: outcome.rawCode,
              category: outcome.classification.category,
              classification: outcome.classification.why,
            }
          : {}),
      },
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
    switch (outcome.kind) {
      case 'succeeded':
        // Charges paid, balance cleared, case recovered, subscription (and its group) active.
        await recoverCase(trx, row, sub, now, 'update_link', phase1.attempt.amount_minor);
        await markUpdateLinkUsed(trx, link, now);
        await recordEvent(trx, {
          merchantId: row.merchant_id,
          type: 'update_link.used',
          occurredAt: now,
          subscriptionId: row.subscription_id,
          caseId: row.case_id,
          data: { link_id: link.link_id, attempt_id: phase1.attempt.attempt_id },
        });
        return { kind: 'succeeded' };
      case 'declined': {
        const category = outcome.classification.category;
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
  });

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

type LockedCase =
  | { kind: 'locked'; row: CaseRow; sub: SubscriptionRow; leased: boolean }
  | Rejection;

/** Lock order everywhere: subscription, then its case (as the worker and renewals do). */
async function lockLinkCase(trx: Db, link: UpdateLinkRow): Promise<LockedCase> {
  const current = await trx
    .selectFrom('update_links')
    .select('used_at')
    .where('merchant_id', '=', link.merchant_id)
    .where('link_id', '=', link.link_id)
    .forUpdate()
    .executeTakeFirst();
  if (!current) return { kind: 'rejected', reason: 'not_found' };
  if (current.used_at) return { kind: 'rejected', reason: 'used' };
  const target = await trx
    .selectFrom('dunning_cases')
    .select('subscription_id')
    .where('merchant_id', '=', link.merchant_id)
    .where('case_id', '=', link.case_id)
    .executeTakeFirstOrThrow();
  const sub = await trx
    .selectFrom('subscriptions')
    .selectAll()
    .where('merchant_id', '=', link.merchant_id)
    .where('subscription_id', '=', target.subscription_id)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const locked = await trx
    .selectFrom('dunning_cases')
    .selectAll()
    .select(sql<boolean>`coalesce(lease_until > now(), false)`.as('leased'))
    .where('merchant_id', '=', link.merchant_id)
    .where('case_id', '=', link.case_id)
    .forUpdate()
    .executeTakeFirstOrThrow();
  if (locked.status !== 'open') return { kind: 'rejected', reason: 'closed' };
  const { leased, ...row } = locked;
  return { kind: 'locked', row, sub, leased };
}

async function releaseLease(trx: Db, row: CaseRow): Promise<void> {
  await trx
    .updateTable('dunning_cases')
    .set({ lease_owner: null, lease_until: null })
    .where('merchant_id', '=', row.merchant_id)
    .where('case_id', '=', row.case_id)
    .execute();
}

const TOKEN_PATTERN = /^[A-Za-z0-9_:-]{3,255}$/;

async function inTestMode(trx: Db, merchantId: string): Promise<boolean> {
  const m = await trx
    .selectFrom('merchants')
    .select('mode')
    .where('merchant_id', '=', merchantId)
    .executeTakeFirstOrThrow();
  return m.mode === 'test';
}

/** The method to charge: a new one (stored as token, brand, last 4, expiry), or the one on file. */
async function chooseMethod(
  trx: Db,
  row: CaseRow,
  sub: SubscriptionRow,
  method: NewMethod,
  at: Date,
): Promise<Result<{ method: PaymentMethodRow; authenticated: boolean }>> {
  switch (method.kind) {
    case 'authenticated': {
      const pm = sub.payment_method_id
        ? await trx
            .selectFrom('payment_methods')
            .selectAll()
            .where('merchant_id', '=', row.merchant_id)
            .where('payment_method_id', '=', sub.payment_method_id)
            .executeTakeFirst()
        : undefined;
      // The challenge confirmed one card: it must still be the one on file and still need it.
      if (
        !pm ||
        pm.payment_method_id !== method.paymentMethodId ||
        pm.gateway !== 'test' ||
        row.last_category !== 'authentication_required'
      )
        return fail('invalid_state', 'this payment no longer needs to be confirmed', null);
      return ok({ method: pm, authenticated: true });
    }
    case 'test_card': {
      // Test cards charge nothing real: only a test-mode merchant's page takes them.
      if (!(await inTestMode(trx, row.merchant_id)))
        return fail(
          'invalid_field',
          "Card numbers can't be entered on this page. Contact the company that sent the link.",
          'card_number',
        );
      const number = method.number.replace(/[\s-]/g, '');
      if (number === '') return fail('invalid_field', 'Enter your card number.', 'card_number');
      if (!/^\d{12,19}$/.test(number))
        return fail('invalid_field', 'Enter a card number of 12 to 19 digits.', 'card_number');
      const exp = parseExpiry(method.exp, at);
      if (!exp.ok) return exp;
      return insertMethod(trx, row, sub, { testCard: { number, ...exp.value } }, at);
    }
    case 'gateway_token': {
      const token = method.token.trim();
      const invalid = fail(
        'invalid_field',
        'The payment details were not accepted.',
        'payment_method_token',
      );
      if (!TOKEN_PATTERN.test(token)) return invalid;
      // A test-gateway token carries its test card: stored as that card, brand and last 4 included.
      const test = parseTestToken(token);
      if (test) {
        if (!(await inTestMode(trx, row.merchant_id))) return invalid;
        const testCard = {
          number: test.number,
          ...(test.succeedsFrom ? { succeedsFrom: test.succeedsFrom } : {}),
        };
        return insertMethod(trx, row, sub, { testCard }, at);
      }
      if (isStripeToken(token))
        return insertMethod(trx, row, sub, { gatewayToken: token }, at, 'stripe');
      return invalid;
    }
    default: {
      const unreachable: never = method;
      return unreachable;
    }
  }
}

async function insertMethod(
  trx: Db,
  row: CaseRow,
  sub: SubscriptionRow,
  input: { testCard?: TestCardInput; gatewayToken?: string },
  at: Date,
  gateway?: string,
): Promise<Result<{ method: PaymentMethodRow; authenticated: boolean }>> {
  const details = methodDetails('card', input, sub.customer_id);
  if (!details.ok) {
    const field = input.testCard ? 'card_number' : 'payment_method_token';
    return fail(
      'invalid_field',
      input.testCard
        ? 'This card number is not accepted here. Check the number or use another card.'
        : 'The payment details were not accepted.',
      field,
    );
  }
  const pm = await trx
    .insertInto('payment_methods')
    .values({
      merchant_id: row.merchant_id,
      payment_method_id: newId('pm'),
      customer_id: sub.customer_id,
      type: 'card',
      ...details.value,
      ...(gateway ? { gateway } : {}),
      // The customer just gave these details: rules that wait for a changed method are satisfied.
      changed_at: at,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return ok({ method: pm, authenticated: false });
}

/** "MM/YY", "MM / YYYY" or "MMYY"; a card that expired before this month is refused. */
function parseExpiry(raw: string, at: Date): Result<{ expMonth: number; expYear: number }> {
  const text = raw.trim();
  if (text === '') return fail('invalid_field', 'Enter the expiry date, as MM/YY.', 'exp');
  const m = /^(\d{1,2})\s*[/-]?\s*(\d{2}|\d{4})$/.exec(text.replace(/\s*\/\s*/, '/'));
  if (!m) return fail('invalid_field', 'Enter the expiry date as MM/YY, for example 04/29.', 'exp');
  const month = Number(m[1]);
  const year = m[2]!.length === 2 ? 2000 + Number(m[2]) : Number(m[2]);
  if (month < 1 || month > 12)
    return fail('invalid_field', 'The expiry month must be from 01 to 12.', 'exp');
  const thisMonth = at.getUTCFullYear() * 12 + at.getUTCMonth();
  if (year * 12 + (month - 1) < thisMonth)
    return fail(
      'invalid_field',
      'This card has expired. Use a card with a later expiry date.',
      'exp',
    );
  if (year > at.getUTCFullYear() + 30)
    return fail('invalid_field', 'Check the expiry year.', 'exp');
  return ok({ expMonth: month, expYear: year });
}

/** Switches the subscription and its case to the customer's new method, as a new method from the customer does. */
async function switchMethod(
  trx: Db,
  row: CaseRow,
  sub: SubscriptionRow,
  pm: PaymentMethodRow,
  link: UpdateLinkRow,
  at: Date,
): Promise<void> {
  await trx
    .updateTable('subscriptions')
    .set({ payment_method_id: pm.payment_method_id, updated_at: new Date() })
    .where('merchant_id', '=', sub.merchant_id)
    .where('subscription_id', '=', sub.subscription_id)
    .execute();
  await trx
    .updateTable('dunning_cases')
    .set({ payment_method_id: pm.payment_method_id, payment_method_type: pm.type })
    .where('merchant_id', '=', row.merchant_id)
    .where('case_id', '=', row.case_id)
    .execute();
  await recordEvent(trx, {
    merchantId: row.merchant_id,
    type: 'payment_method.updated',
    occurredAt: at,
    subscriptionId: row.subscription_id,
    caseId: row.case_id,
    data: {
      payment_method_id: pm.payment_method_id,
      replaced: sub.payment_method_id,
      source: 'customer',
      via: 'update_link',
      link_id: link.link_id,
    },
  });
}

/**
 * The network rules for the credential about to be charged on the page. A method the customer
 * just entered counts as changed now; an authenticated charge is the remedy for an SCA decline
 * (reference/declines.md), so that decline no longer blocks, though it still counts as an attempt.
 */
async function onSessionVerdict(
  trx: Db,
  pm: PaymentMethodRow,
  amountMinor: number,
  now: Date,
  authenticated: boolean,
): Promise<RuleVerdict> {
  const attempts = await trx
    .selectFrom('payment_attempts')
    .select([
      'requested_at',
      'status',
      'amount_minor',
      'category',
      'visa_category',
      'advice',
      'max_representments',
      'representment_window_days',
    ])
    .where('merchant_id', '=', pm.merchant_id)
    .where('credential', '=', pm.fingerprint)
    .where('status', '!=', 'pending')
    .execute();
  const history: CredentialAttempt[] = attempts.map((a) => {
    const category = (a.category as DeclineCategory | null) ?? null;
    // Visa puts 1A in category 3, "retry only with corrected data": the authentication is that.
    const cured = authenticated && category === 'authentication_required';
    return {
      at: a.requested_at,
      outcome: a.status === 'succeeded' ? 'succeeded' : 'declined',
      amountMinor: a.amount_minor,
      category: cured ? null : category,
      visaCategory: cured ? null : ((a.visa_category as 1 | 2 | 3 | 4 | null) ?? null),
      advice: (a.advice as RetryAdvice | null) ?? { kind: 'none' },
      maxRepresentments: a.max_representments,
      representmentWindowDays: a.representment_window_days,
    };
  });
  return evaluateRetry({
    credential: { network: networkOf(pm.type, pm.network), methodChangedAt: pm.changed_at },
    history,
    amountMinor,
    now,
  });
}

/** Calls the gateway for the recorded attempt, on-session. Runs outside any transaction. */
async function chargeOnSession(
  deps: Deps,
  attempt: AttemptRow,
  at: Date,
  authenticated: boolean,
): Promise<ChargeResult> {
  const pm = await deps.db
    .selectFrom('payment_methods')
    .select('gateway_token')
    .where('merchant_id', '=', attempt.merchant_id)
    .where('payment_method_id', '=', attempt.payment_method_id ?? '')
    .executeTakeFirstOrThrow();
  try {
    return await deps.gateway.charge({
      merchantId: attempt.merchant_id,
      idempotencyKey: attempt.idempotency_key,
      token: pm.gateway_token,
      amountMinor: attempt.amount_minor,
      currency: attempt.currency,
      at,
      ...(authenticated ? { authenticated: true } : {}),
    });
  } catch (error) {
    // A thrown call is treated like a lost answer: the same key is re-sent later.
    return { kind: 'unknown', message: `gateway error: ${(error as Error).message}` };
  }
}

function masked(pm: PaymentMethodRow): MaskedMethod {
  return {
    type: pm.type,
    brand: pm.brand,
    last4: pm.last4,
    expMonth: pm.exp_month,
    expYear: pm.exp_year,
  };
}

async function maskedMethodOf(
  db: Db,
  merchantId: string,
  paymentMethodId: string | null,
): Promise<MaskedMethod> {
  const pm = await db
    .selectFrom('payment_methods')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('payment_method_id', '=', paymentMethodId ?? '')
    .executeTakeFirstOrThrow();
  return masked(pm);
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

/** The page's data; null when the case is no longer open (unless `open: false` for the receipt). */
async function loadView(
  db: Db,
  link: UpdateLinkRow,
  now: Date,
  options: { open: boolean } = { open: true },
): Promise<HostedView | null> {
  const row = await db
    .selectFrom('dunning_cases as c')
    .innerJoin('subscriptions as s', (j) =>
      j
        .onRef('s.merchant_id', '=', 'c.merchant_id')
        .onRef('s.subscription_id', '=', 'c.subscription_id'),
    )
    .innerJoin('merchants as m', 'm.merchant_id', 'c.merchant_id')
    .innerJoin('customers as cu', (j) =>
      j.onRef('cu.merchant_id', '=', 's.merchant_id').onRef('cu.customer_id', '=', 's.customer_id'),
    )
    .leftJoin('payment_methods as pm', (j) =>
      j
        .onRef('pm.merchant_id', '=', 's.merchant_id')
        .onRef('pm.payment_method_id', '=', 's.payment_method_id'),
    )
    .select([
      'c.status',
      'c.amount_due_minor',
      'c.currency',
      'c.last_category',
      'm.name as merchant_name',
      'm.support_contact',
      'm.mode',
      's.product_name',
      's.state as subscription_state',
      's.price_minor',
      's.next_renewal_at',
      's.payment_method_id',
      'cu.locale',
      'cu.time_zone',
      'pm.type as pm_type',
      'pm.gateway as pm_gateway',
      'pm.brand',
      'pm.last4',
      'pm.exp_month',
      'pm.exp_year',
    ])
    .where('c.merchant_id', '=', link.merchant_id)
    .where('c.case_id', '=', link.case_id)
    .executeTakeFirst();
  if (!row || (options.open && row.status !== 'open')) return null;
  const needsAuthentication = row.last_category === 'authentication_required';
  return {
    merchantName: row.merchant_name,
    supportContact: row.support_contact,
    productName: row.product_name,
    subscriptionState: row.subscription_state,
    priceMinor: row.price_minor,
    nextRenewalAt: row.next_renewal_at,
    amountDueMinor: row.amount_due_minor,
    currency: row.currency,
    locale: row.locale,
    timeZone: row.time_zone,
    method: row.pm_type
      ? {
          type: row.pm_type,
          brand: row.brand,
          last4: row.last4,
          expMonth: row.exp_month,
          expYear: row.exp_year,
        }
      : null,
    needsAuthentication,
    canAuthenticateHere: needsAuthentication && row.pm_gateway === 'test',
    testMode: row.mode === 'test',
    methodId: row.payment_method_id,
    linkExpiresAt: link.expires_at,
    now,
  };
}
