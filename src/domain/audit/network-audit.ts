// An independent audit of card-network and NACHA retry rules over attempts already made, written
// from reference/declines.md alone. It imports nothing from the engine (network-rules, declines):
// it must be able to catch the engine's own mistakes, so it keeps its own short code lists.
//
// Each rule below reads the attempts on one card (or bank account) as the network sees them, in
// the order they were made, and names every attempt the network would charge or refuse.

/** One attempt as the network saw it, in plain data. */
export type AuditAttempt = {
  /** Names the attempt in a violation (an attempt id, a row number). */
  id: string;
  /** The card or account as the network identifies it, e.g. the card's fingerprint. */
  card: string;
  /** visa, mastercard, amex, discover, ach, sepa, bacs or other. */
  network: string;
  sentAt: Date;
  amountMinor: number;
  currency: string;
  /** The customer paying on the hosted page, or the merchant (renewals and retries). */
  initiatedBy: 'merchant' | 'customer';
  outcome: 'approved' | 'declined' | 'no_answer';
  /** The gateway's own code, e.g. Stripe's `stolen_card`, or a NACHA return code `R01`. */
  gatewayCode: string | null;
  /** The issuer's raw response code, e.g. Visa `43`. */
  networkCode: string | null;
  /** Mastercard's merchant advice code, e.g. `03`. */
  adviceCode: string | null;
};

/** The card's details were corrected (card updater, customer) without a new card number. */
export type DetailsChange = { card: string; at: Date };

export type AuditLimits = {
  visaReattemptsPer30Days: number;
  mastercardDeclinesPer24h: number;
  mastercardSameAmountDeclinesPer30Days: number;
};

// reference/declines.md: Visa 15 reattempts in 30 days (20 from 2025 per some processors: keep
// 15, configurable); Mastercard more than 10 declines in 24 h or 35 of one amount in 30 days.
export const AUDIT_LIMITS: AuditLimits = {
  visaReattemptsPer30Days: 15,
  mastercardDeclinesPer24h: 10,
  mastercardSameAmountDeclinesPer30Days: 35,
};

export const AUDIT_RULES = [
  'visa_category_1_reattempt',
  'visa_category_3_reattempt_without_new_data',
  'visa_reattempt_cap',
  'mastercard_do_not_retry',
  'mastercard_retry_after',
  'mastercard_declines_per_24h',
  'mastercard_same_amount_declines_per_30_days',
  'nacha_no_automatic_retry',
  'nacha_representment_limit',
  'nacha_representment_window',
] as const;

export type AuditRule = (typeof AUDIT_RULES)[number];

export type Violation = {
  rule: AuditRule;
  /** The attempt that broke the rule. */
  attemptId: string;
  card: string;
  at: Date;
  /** Every attempt the rule read to find it, oldest first, the offending one last. */
  involved: string[];
  why: string;
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Visa category 1, "issuer will never approve" (2022 list): any reattempt is charged.
const VISA_CATEGORY_1 = new Set([
  '04',
  '07',
  '12',
  '14',
  '15',
  '41',
  '43',
  '46',
  '57',
  'R0',
  'R1',
  'R3',
]);
// Visa category 3, "cannot approve with these details": retry only with corrected data.
const VISA_CATEGORY_3 = new Set(['54', '55', 'N7', '82', '6P', '1A']);
// When the gateway passed no issuer code: Stripe codes that name one of the codes above.
const STRIPE_NAMES_VISA_CODE: Readonly<Record<string, string>> = {
  pickup_card: '04',
  incorrect_number: '14',
  invalid_number: '14',
  lost_card: '41',
  stolen_card: '43',
  stop_payment_order: 'R0',
  revocation_of_authorization: 'R1',
  revocation_of_all_authorizations: 'R3',
  expired_card: '54',
  incorrect_cvc: 'N7',
  invalid_cvc: 'N7',
  authentication_required: '1A',
};
// Mastercard merchant advice codes: 03 do not try again, 21 recurring payment stopped.
const MAC_DO_NOT_RETRY = new Set(['03', '21']);
// Mastercard MAC 24–30: retry after 1 h, 24 h, 2 d, 4 d, 6 d, 8 d, 10 d.
const MAC_RETRY_AFTER: Readonly<Record<string, number>> = {
  '24': HOUR,
  '25': 24 * HOUR,
  '26': 2 * DAY,
  '27': 4 * DAY,
  '28': 6 * DAY,
  '29': 8 * DAY,
  '30': 10 * DAY,
};
// NACHA: only R01 and R09 may be re-presented, at most twice, within 180 days of the original.
const NACHA_REPRESENTABLE = new Set(['R01', 'R09']);

/** Every violation in these attempts, in the order the attempts were made. */
export function auditAttempts(
  attempts: readonly AuditAttempt[],
  options: { detailsChanges?: readonly DetailsChange[]; limits?: AuditLimits } = {},
): Violation[] {
  const limits = options.limits ?? AUDIT_LIMITS;
  const changes = options.detailsChanges ?? [];
  const byCard = new Map<string, AuditAttempt[]>();
  for (const a of inOrder(attempts)) {
    const list = byCard.get(a.card) ?? [];
    list.push(a);
    byCard.set(a.card, list);
  }
  const found: Violation[] = [];
  for (const [card, list] of byCard) {
    const changedAt = changes.filter((c) => c.card === card).map((c) => c.at.getTime());
    for (let i = 0; i < list.length; i++) {
      const attempt = list[i]!;
      if (attempt.initiatedBy !== 'merchant') continue;
      const before = list.slice(0, i);
      const network = attempt.network.toLowerCase();
      if (network === 'visa') {
        found.push(...visaNoRetryCodes(before, attempt, changedAt));
        found.push(...visaCap(before, attempt, limits, 'Visa'));
      } else if (network === 'mastercard') {
        found.push(...mastercardAdvice(before, attempt, changedAt));
        found.push(...mastercardCounts(before, attempt, limits));
        found.push(
          ...visaCap(before, attempt, limits, 'Visa-style cap, which applies to Mastercard too'),
        );
      } else if (network === 'ach') {
        found.push(...nacha(before, attempt));
      }
    }
  }
  const position = new Map(inOrder(attempts).map((a, i) => [a.id, i]));
  return found.sort((x, y) => position.get(x.attemptId)! - position.get(y.attemptId)!);
}

/** Oldest first; attempts made at one instant keep the order they were given in. */
function inOrder(attempts: readonly AuditAttempt[]): AuditAttempt[] {
  return attempts
    .map((a, i) => ({ a, i }))
    .sort((x, y) => x.a.sentAt.getTime() - y.a.sentAt.getTime() || x.i - y.i)
    .map((x) => x.a);
}

function code(value: string | null): string | null {
  if (value === null) return null;
  const c = value.trim().toUpperCase();
  if (c === '') return null;
  return /^\d$/.test(c) ? `0${c}` : c;
}

function visaCode(a: AuditAttempt): string | null {
  return (
    code(a.networkCode) ??
    STRIPE_NAMES_VISA_CODE[(a.gatewayCode ?? '').trim().toLowerCase()] ??
    null
  );
}

function changedBetween(changedAt: readonly number[], from: Date, to: Date): boolean {
  return changedAt.some((t) => t >= from.getTime() && t <= to.getTime());
}

function violation(
  rule: AuditRule,
  attempt: AuditAttempt,
  involved: readonly AuditAttempt[],
  why: string,
): Violation {
  return {
    rule,
    attemptId: attempt.id,
    card: attempt.card,
    at: attempt.sentAt,
    involved: [...involved.map((a) => a.id), attempt.id],
    why,
  };
}

const iso = (d: Date) => d.toISOString();

function visaNoRetryCodes(
  before: readonly AuditAttempt[],
  attempt: AuditAttempt,
  changedAt: readonly number[],
): Violation[] {
  const out: Violation[] = [];
  const declines = before.filter((a) => a.outcome === 'declined');
  // Category 1 binds the card itself: corrected details do not make the issuer approve.
  const never = declines.find((a) => VISA_CATEGORY_1.has(visaCode(a) ?? ''));
  if (never) {
    out.push(
      violation(
        'visa_category_1_reattempt',
        attempt,
        [never],
        `Visa category 1 (issuer will never approve): code ${visaCode(never)} at ${iso(never.sentAt)}, and this card was charged again at ${iso(attempt.sentAt)}; any reattempt is charged`,
      ),
    );
  }
  const details = declines.findLast((a) => VISA_CATEGORY_3.has(visaCode(a) ?? ''));
  if (details && !changedBetween(changedAt, details.sentAt, attempt.sentAt)) {
    out.push(
      violation(
        'visa_category_3_reattempt_without_new_data',
        attempt,
        [details],
        `Visa category 3 (cannot approve with these details): code ${visaCode(details)} at ${iso(details.sentAt)}, retried at ${iso(attempt.sentAt)} with no corrected data`,
      ),
    );
  }
  return out;
}

// A reattempt is an attempt after a decline on the same card; an approval ends the run, so the
// attempt after it is an original again. Attempts exactly 30 days old still count.
function visaCap(
  before: readonly AuditAttempt[],
  attempt: AuditAttempt,
  limits: AuditLimits,
  label: string,
): Violation[] {
  const lastApproval = before.findLastIndex((a) => a.outcome === 'approved');
  const run = before.slice(lastApproval + 1);
  if (run.length === 0) return [];
  const from = attempt.sentAt.getTime() - 30 * DAY;
  const reattempts = run.slice(1).filter((a) => a.sentAt.getTime() >= from);
  const count = reattempts.length + 1;
  if (count <= limits.visaReattemptsPer30Days) return [];
  return [
    violation(
      'visa_reattempt_cap',
      attempt,
      [run[0]!, ...reattempts],
      `${label}: reattempt ${count} in 30 days on this card since the decline at ${iso(run[0]!.sentAt)}, at most ${limits.visaReattemptsPer30Days} allowed`,
    ),
  ];
}

function mastercardAdvice(
  before: readonly AuditAttempt[],
  attempt: AuditAttempt,
  changedAt: readonly number[],
): Violation[] {
  const out: Violation[] = [];
  const declines = before.filter((a) => a.outcome === 'declined');
  const stop = declines.findLast((a) => MAC_DO_NOT_RETRY.has(code(a.adviceCode) ?? ''));
  if (stop && !changedBetween(changedAt, stop.sentAt, attempt.sentAt)) {
    out.push(
      violation(
        'mastercard_do_not_retry',
        attempt,
        [stop],
        `Mastercard merchant advice code ${code(stop.adviceCode)} at ${iso(stop.sentAt)} (${code(stop.adviceCode) === '21' ? 'recurring payment stopped' : 'do not try again'}), and this card was charged again at ${iso(attempt.sentAt)}; retrying after it is charged`,
      ),
    );
  }
  for (const d of declines) {
    const waitMs = MAC_RETRY_AFTER[code(d.adviceCode) ?? ''];
    if (waitMs === undefined) continue;
    const notBefore = d.sentAt.getTime() + waitMs;
    if (attempt.sentAt.getTime() < notBefore) {
      out.push(
        violation(
          'mastercard_retry_after',
          attempt,
          [d],
          `Mastercard merchant advice code ${code(d.adviceCode)} at ${iso(d.sentAt)}: no retry before ${iso(new Date(notBefore))}, charged at ${iso(attempt.sentAt)}`,
        ),
      );
    }
  }
  return out;
}

// Mastercard charges the declines beyond the counts, so only a declined attempt can break them.
function mastercardCounts(
  before: readonly AuditAttempt[],
  attempt: AuditAttempt,
  limits: AuditLimits,
): Violation[] {
  if (attempt.outcome !== 'declined') return [];
  const out: Violation[] = [];
  const t = attempt.sentAt.getTime();
  const lastDay = before.filter(
    (a) => a.outcome === 'declined' && a.sentAt.getTime() >= t - 24 * HOUR,
  );
  if (lastDay.length + 1 > limits.mastercardDeclinesPer24h) {
    out.push(
      violation(
        'mastercard_declines_per_24h',
        attempt,
        lastDay,
        `Mastercard excessive retries: decline ${lastDay.length + 1} on this card in 24 hours, more than ${limits.mastercardDeclinesPer24h} are charged`,
      ),
    );
  }
  const sameAmount = before.filter(
    (a) =>
      a.outcome === 'declined' &&
      a.amountMinor === attempt.amountMinor &&
      a.currency === attempt.currency &&
      a.sentAt.getTime() >= t - 30 * DAY,
  );
  if (sameAmount.length + 1 > limits.mastercardSameAmountDeclinesPer30Days) {
    out.push(
      violation(
        'mastercard_same_amount_declines_per_30_days',
        attempt,
        sameAmount,
        `Mastercard excessive retries: decline ${sameAmount.length + 1} of ${attempt.amountMinor} ${attempt.currency} on this card in 30 days, more than ${limits.mastercardSameAmountDeclinesPer30Days} are charged`,
      ),
    );
  }
  return out;
}

// Re-presenting after a return: the returns since the last approval are one entry's chain.
function nacha(before: readonly AuditAttempt[], attempt: AuditAttempt): Violation[] {
  const lastApproval = before.findLastIndex((a) => a.outcome === 'approved');
  const chain = before.slice(lastApproval + 1);
  const original = chain[0];
  const latest = chain.at(-1);
  if (!original || !latest) return [];
  const returnCode = code(latest.gatewayCode) ?? code(latest.networkCode) ?? '';
  if (latest.outcome === 'declined' && !NACHA_REPRESENTABLE.has(returnCode)) {
    return [
      violation(
        'nacha_no_automatic_retry',
        attempt,
        [latest],
        `NACHA return ${returnCode || '(no code)'} at ${iso(latest.sentAt)} allows no automatic re-presentment; only R01 and R09 do`,
      ),
    ];
  }
  if (chain.length >= 3) {
    return [
      violation(
        'nacha_representment_limit',
        attempt,
        chain,
        `NACHA: presentment ${chain.length + 1} of one entry since ${iso(original.sentAt)}; R01/R09 allow 2 re-presentments (3 presentments in all)`,
      ),
    ];
  }
  if (attempt.sentAt.getTime() > original.sentAt.getTime() + 180 * DAY) {
    return [
      violation(
        'nacha_representment_window',
        attempt,
        [original],
        `NACHA: re-presented at ${iso(attempt.sentAt)}, more than 180 days after the original at ${iso(original.sentAt)}`,
      ),
    ];
  }
  return [];
}
