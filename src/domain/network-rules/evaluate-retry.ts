// Card-network and scheme retry rules (SPEC section 4, reference/declines.md), per credential
// across all its cases. In order: blocking declines (until the method changes), retry-after
// advice, the Visa-style and Mastercard counts, then direct-debit re-presentments.

import type {
  Credential,
  CredentialAttempt,
  Network,
  NetworkLimits,
  NetworkRuleId,
  RuleVerdict,
} from './types.ts';
import { DEFAULT_NETWORK_LIMITS } from './types.ts';
import { DAY_MS, HOUR_MS, inWindow, whenBelowLimit } from './windows.ts';

export type RetryQuestion = {
  credential: Credential;
  /** Every attempt on this credential, from any subscription or case, in any order. */
  history: readonly CredentialAttempt[];
  /** Amount of the retry being considered. */
  amountMinor: number;
  now: Date;
  limits?: NetworkLimits;
};

type Check =
  | { kind: 'pass'; note: string | null }
  | { kind: 'refuse'; rule: NetworkRuleId; why: string; notBefore: Date | null };

type Refusal = Extract<Check, { kind: 'refuse' }>;

type Facts = {
  network: Network;
  limits: NetworkLimits;
  amountMinor: number;
  /** Attempts up to now, oldest first; at one instant a success sorts before a decline. */
  attempts: readonly CredentialAttempt[];
  /** The attempts at or after the last method change: the ones "until it changes" rules read. */
  sinceMethodChange: readonly CredentialAttempt[];
};

/** The Visa-style cap covers every card network: the others have no rules of their own here. */
const CARD_NETWORKS: ReadonlySet<Network> = new Set([
  'visa',
  'mastercard',
  'amex',
  'discover',
  'other',
]);
const DIRECT_DEBIT_NETWORKS: ReadonlySet<Network> = new Set(['ach', 'sepa', 'bacs']);

const VISA_WINDOW_MS = 30 * DAY_MS;
const MASTERCARD_DAY_WINDOW_MS = 24 * HOUR_MS;
const MASTERCARD_SAME_AMOUNT_WINDOW_MS = 30 * DAY_MS;

const iso = (d: Date): string => d.toISOString();
const pass = (note: string | null): Check => ({ kind: 'pass', note });

/** Decides whether a retry on this credential may be sent at `now`, and if not, why and until when. */
export function evaluateRetry(input: RetryQuestion): RuleVerdict {
  const facts = factsOf(input);
  const checks = checkAll(facts, input.now);
  const binding = latestRefusal(checks);
  if (!binding) {
    const notes = checks.flatMap((c) => (c.kind === 'pass' && c.note ? [c.note] : []));
    return {
      allowed: true,
      why:
        notes.length > 0
          ? `no network rule forbids it: ${notes.join('; ')}`
          : 'no network rule forbids it',
    };
  }
  // Check again when the binding rule frees: a deadline (ACH's 180 days) may pass meanwhile.
  // Each pass moves notBefore strictly later, past one attempt's window or advice, so it ends.
  let { notBefore, why } = binding;
  for (let guard = 0; notBefore !== null && guard <= facts.attempts.length * 4; guard++) {
    const later = latestRefusal(checkAll(facts, notBefore));
    if (!later) break;
    why = `${why}; by then: ${later.why}`;
    notBefore = later.notBefore;
  }
  return { allowed: false, rule: binding.rule, why, notBefore };
}

/** One line for a case's history: what was decided, by which rule, until when. */
export function explainVerdict(v: RuleVerdict): string {
  if (v.allowed) return `retry allowed: ${v.why}`;
  const until = v.notBefore ? `until ${iso(v.notBefore)}` : 'until the payment method changes';
  return `retry refused by ${v.rule} ${until}: ${v.why}`;
}

function factsOf(input: RetryQuestion): Facts {
  const now = input.now.getTime();
  const rank = (a: CredentialAttempt) => (a.outcome === 'succeeded' ? 0 : 1);
  const attempts = input.history
    .filter((a) => a.at.getTime() <= now)
    .toSorted((a, b) => a.at.getTime() - b.at.getTime() || rank(a) - rank(b));
  const changedAt = input.credential.methodChangedAt;
  return {
    network: input.credential.network,
    limits: input.limits ?? DEFAULT_NETWORK_LIMITS,
    amountMinor: input.amountMinor,
    attempts,
    sinceMethodChange: changedAt
      ? attempts.filter((a) => a.at.getTime() >= changedAt.getTime())
      : attempts,
  };
}

function checkAll(facts: Facts, at: Date): Check[] {
  return [
    chargeInFlight(facts, at),
    blockingDecline(facts),
    retryAfterAdvice(facts, at),
    visaReattemptCap(facts, at),
    mastercardDeclinesPer24h(facts, at),
    mastercardSameAmountDeclines(facts, at),
    directDebitRepresentment(facts, at),
  ];
}

/** The refusal that frees last (null = never frees); among equals, the first in rule order. */
function latestRefusal(checks: readonly Check[]): Refusal | null {
  let latest: Refusal | null = null;
  for (const c of checks) {
    if (c.kind !== 'refuse') continue;
    if (latest === null) latest = c;
    else if (latest.notBefore === null) continue;
    else if (c.notBefore === null || c.notBefore > latest.notBefore) latest = c;
  }
  return latest;
}

type Block = {
  rule: NetworkRuleId;
  blocks: (a: CredentialAttempt) => boolean;
  what: (a: CredentialAttempt) => string;
  source: string;
};

// In order of precedence: the strongest reason names the refusal.
const BLOCKS: readonly Block[] = [
  {
    rule: 'visa_category_1',
    blocks: (a) => a.visaCategory === 1,
    what: () => 'a Visa category 1 decline (issuer will never approve)',
    source: 'Visa excessive reattempts: any reattempt is charged',
  },
  {
    rule: 'do_not_retry_advice',
    blocks: (a) => a.advice.kind === 'do_not_retry',
    what: (a) => `do-not-retry advice (${a.advice.kind === 'do_not_retry' ? a.advice.source : ''})`,
    source: 'Mastercard MAC 03/21 and processor do-not-retry advice',
  },
  ...(['hard', 'update_method', 'authentication_required'] as const).map(
    (category): Block => ({
      rule: `category_${category}`,
      blocks: (a) => a.category === category,
      what: () => `a ${category} decline`,
      source:
        category === 'authentication_required'
          ? 'SCA: no off-session retry, the customer authenticates on-session'
          : 'SPEC section 4 categories',
    }),
  ),
  {
    rule: 'visa_category_3',
    blocks: (a) => a.visaCategory === 3,
    what: () => 'a Visa category 3 decline (cannot approve with these details)',
    source: 'Visa: retry only with corrected data',
  },
];

/**
 * How long an unanswered charge holds the credential. Its answer (and any advice in it, such as
 * Mastercard's "retry after 24 hours") normally comes within seconds; one that has not come after
 * this long is treated as a decline with no advice, as the attempt was made.
 */
export const IN_FLIGHT_HOLD_MS = 15 * 60_000;

/**
 * One charge at a time per credential: while one is unanswered, another (from any case or
 * subscription on the same card) would follow its decline unseen, advice and all.
 */
function chargeInFlight(facts: Facts, at: Date): Check {
  const open = facts.attempts.findLast(
    (a) => a.answered === false && at.getTime() - a.at.getTime() < IN_FLIGHT_HOLD_MS,
  );
  if (!open) return pass(null);
  return {
    kind: 'refuse',
    rule: 'charge_in_flight',
    why: `a charge sent at ${iso(open.at)} on this credential has no answer yet: one charge at a time, so the next one sees its answer and any advice`,
    notBefore: new Date(open.at.getTime() + IN_FLIGHT_HOLD_MS),
  };
}

function blockingDecline(facts: Facts): Check {
  const declines = facts.sinceMethodChange.filter((a) => a.outcome === 'declined');
  for (const block of BLOCKS) {
    const hit = declines.findLast(block.blocks);
    if (hit) {
      return {
        kind: 'refuse',
        rule: block.rule,
        why: `${block.what(hit)} at ${iso(hit.at)}: no retry on this credential until the payment method changes (${block.source}; reference/declines.md)`,
        notBefore: null,
      };
    }
  }
  return pass(null);
}

function retryAfterAdvice(facts: Facts, at: Date): Check {
  let binding: Refusal | null = null;
  for (const a of facts.attempts) {
    if (a.outcome !== 'declined' || a.advice.kind !== 'retry_after') continue;
    const until = new Date(a.at.getTime() + a.advice.afterMs);
    if (until <= at || (binding?.notBefore && binding.notBefore >= until)) continue;
    binding = {
      kind: 'refuse',
      rule: 'retry_after_advice',
      why: `${a.advice.source}: declined at ${iso(a.at)}, no retry before ${iso(until)} (reference/declines.md, Mastercard merchant advice codes)`,
      notBefore: until,
    };
  }
  return binding ?? pass(null);
}

// A reattempt is an attempt that follows a decline; a success ends the sequence, so the next
// attempt after a success is an original, not a reattempt. Declines of any amount count.
function visaReattemptCap(facts: Facts, at: Date): Check {
  if (!CARD_NETWORKS.has(facts.network)) return pass(null);
  const lastSuccess = facts.attempts.findLastIndex((a) => a.outcome === 'succeeded');
  const sequence = facts.attempts.slice(lastSuccess + 1);
  const original = sequence[0];
  if (!original) return pass(null);
  const counted = sequence
    .slice(1)
    .filter((a) => inWindow(a.at, at, VISA_WINDOW_MS))
    .map((a) => a.at);
  const limit = facts.limits.visaReattemptsPer30Days;
  const label = facts.network === 'visa' ? 'Visa' : `Visa-style (applied to ${facts.network})`;
  if (counted.length < limit) {
    return pass(`${label} reattempts ${counted.length} of ${limit} in 30 days`);
  }
  return {
    kind: 'refuse',
    rule: 'visa_reattempt_cap',
    why: `${label} excessive reattempts: ${counted.length} reattempts in the last 30 days after the decline at ${iso(original.at)}, cap ${limit} (reference/declines.md, Visa decline categories)`,
    notBefore: whenBelowLimit(counted, limit, VISA_WINDOW_MS),
  };
}

function mastercardDeclinesPer24h(facts: Facts, at: Date): Check {
  if (facts.network !== 'mastercard') return pass(null);
  const limit = facts.limits.mastercardDeclinesPer24h;
  const counted = declinesIn(facts.attempts, at, MASTERCARD_DAY_WINDOW_MS, () => true);
  if (counted.length < limit) {
    return pass(`Mastercard declines ${counted.length} of ${limit} in 24 hours`);
  }
  return {
    kind: 'refuse',
    rule: 'mastercard_declines_per_24h',
    why: `Mastercard excessive retries: ${counted.length} declines on this card in the last 24 hours, more than ${limit} is charged (reference/declines.md, Mastercard)`,
    notBefore: whenBelowLimit(counted, limit, MASTERCARD_DAY_WINDOW_MS),
  };
}

function mastercardSameAmountDeclines(facts: Facts, at: Date): Check {
  if (facts.network !== 'mastercard') return pass(null);
  const limit = facts.limits.mastercardSameAmountDeclinesPer30Days;
  const sameAmount = (a: CredentialAttempt) => a.amountMinor === facts.amountMinor;
  const counted = declinesIn(facts.attempts, at, MASTERCARD_SAME_AMOUNT_WINDOW_MS, sameAmount);
  if (counted.length < limit) {
    return pass(`Mastercard same-amount declines ${counted.length} of ${limit} in 30 days`);
  }
  return {
    kind: 'refuse',
    rule: 'mastercard_same_amount_declines_per_30_days',
    why: `Mastercard excessive retries: ${counted.length} declines of ${facts.amountMinor} (minor units) on this card in the last 30 days, more than ${limit} is charged (reference/declines.md, Mastercard)`,
    notBefore: whenBelowLimit(counted, limit, MASTERCARD_SAME_AMOUNT_WINDOW_MS),
  };
}

function declinesIn(
  attempts: readonly CredentialAttempt[],
  at: Date,
  windowMs: number,
  counts: (a: CredentialAttempt) => boolean,
): Date[] {
  return attempts
    .filter((a) => a.outcome === 'declined' && counts(a) && inWindow(a.at, at, windowMs))
    .map((a) => a.at);
}

// The declines since the last success (and method change) are one presentment chain: its first
// is the original, the rest re-presentments. Without an entry id, attempts from several
// subscriptions on one account join the same chain, which can only count more, never fewer.
function directDebitRepresentment(facts: Facts, at: Date): Check {
  if (!DIRECT_DEBIT_NETWORKS.has(facts.network)) return pass(null);
  const lastSuccess = facts.sinceMethodChange.findLastIndex((a) => a.outcome === 'succeeded');
  const chain = facts.sinceMethodChange.slice(lastSuccess + 1);
  const original = chain[0];
  const latest = chain.at(-1);
  if (!original || !latest) return pass(null);
  const scheme = facts.network.toUpperCase();
  const source = 'reference/declines.md and declines-sourced.md §5–6';
  // The declines tables mark a stop code with 0; null means no count was given. Both: none.
  if (latest.maxRepresentments === null || latest.maxRepresentments <= 0) {
    return {
      kind: 'refuse',
      rule: 'return_not_representable',
      why: `${scheme} return at ${iso(latest.at)} allows no automatic re-presentment; only ACH R01/R09, SEPA AM04/MS03 and Bacs 0 do (${source})`,
      notBefore: null,
    };
  }
  const made = chain.length - 1;
  const max = latest.maxRepresentments;
  if (made >= max) {
    return {
      kind: 'refuse',
      rule: 'representment_limit',
      why: `${scheme}: presented ${chain.length} times since the original at ${iso(original.at)}; at most ${max} re-presentments (${max + 1} presentments in all) (${source})`,
      notBefore: null,
    };
  }
  const days = latest.representmentWindowDays;
  const deadline = days === null ? null : new Date(original.at.getTime() + days * DAY_MS);
  if (deadline && at >= deadline) {
    return {
      kind: 'refuse',
      rule: 'representment_window',
      why: `${scheme}: re-presentments must happen within ${days} days of the original at ${iso(original.at)}, which ended at ${iso(deadline)} (${source})`,
      notBefore: null,
    };
  }
  const by = deadline ? ` before ${iso(deadline)}` : '';
  return pass(`${scheme} re-presentment ${made + 1} of ${max}${by}`);
}
