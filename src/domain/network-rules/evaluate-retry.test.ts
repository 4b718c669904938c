import { describe, expect, it } from 'vitest';
import { evaluateRetry, explainVerdict } from './evaluate-retry.ts';
import type {
  Credential,
  CredentialAttempt,
  Network,
  NetworkLimits,
  RetryAdvice,
  RuleVerdict,
} from './types.ts';
import { DEFAULT_NETWORK_LIMITS } from './types.ts';

const NOW = new Date('2026-03-02T15:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const later = (ms: number) => new Date(NOW.getTime() + ms);
const AMOUNT = 2500;

/** An attempt as the engine stores it, tagged with the case it came from (ignored by the rules). */
type Attempt = CredentialAttempt & { caseId: string };

const declined = (at: Date, patch: Partial<Attempt> = {}): Attempt => ({
  caseId: 'case_a',
  at,
  outcome: 'declined',
  amountMinor: AMOUNT,
  category: 'insufficient_funds',
  visaCategory: 2,
  advice: { kind: 'none' },
  maxRepresentments: null,
  representmentWindowDays: null,
  ...patch,
});

const succeeded = (at: Date, patch: Partial<Attempt> = {}): Attempt => ({
  ...declined(at, patch),
  outcome: 'succeeded',
  category: null,
  visaCategory: null,
  ...patch,
});

type Ask = {
  methodChangedAt?: Date | null;
  amountMinor?: number;
  now?: Date;
  limits?: NetworkLimits;
};

function ask(network: Network, history: readonly Attempt[], opts: Ask = {}): RuleVerdict {
  const credential: Credential = { network, methodChangedAt: opts.methodChangedAt ?? null };
  return evaluateRetry({
    credential,
    history,
    amountMinor: opts.amountMinor ?? AMOUNT,
    now: opts.now ?? NOW,
    ...(opts.limits ? { limits: opts.limits } : {}),
  });
}

/** Advice as domain/declines reads it from Mastercard MACs (reference/declines.md). */
const MAC: Readonly<Record<string, RetryAdvice>> = {
  '02': { kind: 'retry_after', afterMs: 72 * HOUR, source: 'Mastercard MAC 02' },
  '03': { kind: 'do_not_retry', source: 'Mastercard MAC 03' },
  '21': { kind: 'do_not_retry', source: 'Mastercard MAC 21' },
  '24': { kind: 'retry_after', afterMs: 1 * HOUR, source: 'Mastercard MAC 24' },
  '25': { kind: 'retry_after', afterMs: 24 * HOUR, source: 'Mastercard MAC 25' },
  '30': { kind: 'retry_after', afterMs: 10 * DAY, source: 'Mastercard MAC 30' },
};
const mac = (code: string): RetryAdvice => MAC[code]!;

const refusedBy = (rule: string, notBefore: Date | null) => ({ allowed: false, rule, notBefore });

/**
 * One card shared by two subscriptions: case_a's renewal declines 20 days ago, then case_b and
 * case_a take turns, one reattempt a day. Reattempt n happens (20 - n) days ago.
 */
function sharedCardSequence(reattempts: number): Attempt[] {
  const original = declined(ago(20 * DAY), { visaCategory: 4, category: 'generic' });
  const rest = Array.from({ length: reattempts }, (_, i) =>
    declined(ago((19 - i) * DAY), { caseId: i % 2 === 0 ? 'case_b' : 'case_a' }),
  );
  return [original, ...rest];
}
const FIRST_REATTEMPT_AT = ago(19 * DAY);

describe('Visa excessive reattempts, counted across every case on the card', () => {
  it('the 15th reattempt in 30 days is allowed', () => {
    expect(ask('visa', sharedCardSequence(14))).toMatchObject({ allowed: true });
  });

  it('the 16th reattempt is refused until the oldest counted reattempt is 30 days and 1 ms old', () => {
    const history = sharedCardSequence(15);
    expect(new Set(history.map((a) => a.caseId))).toEqual(new Set(['case_a', 'case_b']));
    const verdict = ask('visa', history);
    expect(verdict).toMatchObject(
      refusedBy('visa_reattempt_cap', new Date(FIRST_REATTEMPT_AT.getTime() + 30 * DAY + 1)),
    );
    expect(verdict.why).toContain('15 reattempts in the last 30 days');
  });

  it.each([
    ['exactly 30 days after the oldest reattempt', 30 * DAY, false],
    ['30 days and 1 ms after it', 30 * DAY + 1, true],
  ])('the 16th reattempt sent %s is allowed: %s', (_label, afterMs, allowed) => {
    const now = new Date(FIRST_REATTEMPT_AT.getTime() + afterMs);
    expect(ask('visa', sharedCardSequence(15), { now }).allowed).toBe(allowed);
  });

  it('the original decline is not a reattempt and does not count', () => {
    // 15 declines in all: the original and 14 reattempts.
    expect(ask('visa', sharedCardSequence(14)).why).toContain(
      'Visa reattempts 14 of 15 in 30 days',
    );
  });

  it('history may arrive in any order', () => {
    const history = sharedCardSequence(15);
    expect(ask('visa', history.toReversed())).toEqual(ask('visa', history));
  });

  it('a success ends the sequence: the next decline starts a new count', () => {
    const history = [
      ...sharedCardSequence(15),
      succeeded(ago(2 * DAY)),
      declined(ago(1 * DAY), { caseId: 'case_b' }),
    ];
    expect(ask('visa', history)).toMatchObject({ allowed: true });
    expect(ask('visa', history).why).toContain('Visa reattempts 0 of 15');
  });

  it('when the latest attempt succeeded, the next charge is an original, not a reattempt', () => {
    const history = [...sharedCardSequence(15), succeeded(ago(1 * DAY))];
    expect(ask('visa', history)).toMatchObject({ allowed: true });
  });

  it('the cap is configurable (20 from 2025 per some processors)', () => {
    const limits = { ...DEFAULT_NETWORK_LIMITS, visaReattemptsPer30Days: 20 };
    expect(ask('visa', sharedCardSequence(19), { limits })).toMatchObject({ allowed: true });
    expect(ask('visa', sharedCardSequence(20), { limits })).toMatchObject({ allowed: false });
  });

  it('with 17 reattempts counted and a cap of 15, it waits for the third oldest to leave', () => {
    const third = ago(17 * DAY);
    expect(ask('visa', sharedCardSequence(17))).toMatchObject(
      refusedBy('visa_reattempt_cap', new Date(third.getTime() + 30 * DAY + 1)),
    );
  });

  it.each([['other'], ['amex'], ['discover']] as const)(
    'a card on %s falls back to the Visa-style cap',
    (network) => {
      expect(ask(network, sharedCardSequence(14))).toMatchObject({ allowed: true });
      const verdict = ask(network, sharedCardSequence(15));
      expect(verdict).toMatchObject(refusedBy('visa_reattempt_cap', expect.any(Date)));
      expect(verdict.why).toContain(`Visa-style (applied to ${network})`);
    },
  );

  it('a method change does not reset the count: Visa counts per card', () => {
    const verdict = ask('visa', sharedCardSequence(15), { methodChangedAt: ago(DAY) });
    expect(verdict).toMatchObject({ allowed: false, rule: 'visa_reattempt_cap' });
  });
});

describe('declines that stop retries on the credential', () => {
  it.each([
    ['a Visa category 1 decline', { visaCategory: 1, category: 'generic' }, 'visa_category_1'],
    ['a hard decline', { category: 'hard', visaCategory: null }, 'category_hard'],
    ['an expired card', { category: 'update_method', visaCategory: 3 }, 'category_update_method'],
    [
      'an SCA decline (off-session)',
      { category: 'authentication_required', visaCategory: null },
      'category_authentication_required',
    ],
    ['a Visa category 3 decline', { visaCategory: 3, category: 'generic' }, 'visa_category_3'],
    ['Mastercard MAC 03 (do not try again)', { advice: mac('03') }, 'do_not_retry_advice'],
    ['Mastercard MAC 21 (stop recurring)', { advice: mac('21') }, 'do_not_retry_advice'],
    [
      'any processor do-not-retry advice',
      { advice: { kind: 'do_not_retry', source: 'stripe previously_declined_do_not_retry' } },
      'do_not_retry_advice',
    ],
  ] satisfies [string, Partial<Attempt>, string][])(
    'after %s, no retry until the method changes, on any subscription',
    (_label, patch, rule) => {
      const history = [
        declined(ago(3 * DAY), { caseId: 'case_a' }),
        declined(ago(2 * DAY), { ...patch, caseId: 'case_b' }),
      ];
      const network = 'advice' in patch ? 'mastercard' : 'visa';
      expect(ask(network, history)).toMatchObject(refusedBy(rule, null));
      expect(ask(network, history, { now: later(365 * DAY) })).toMatchObject(refusedBy(rule, null));
    },
  );

  it.each([
    ['insufficient_funds', 2],
    ['temporary', 2],
    ['generic', 4],
  ] as const)('a %s decline (Visa category %i) allows a retry', (category, visaCategory) => {
    const history = [declined(ago(DAY), { category, visaCategory })];
    expect(ask('visa', history)).toMatchObject({ allowed: true });
  });

  it('the strongest reason names the refusal: Visa category 1 before hard', () => {
    const history = [declined(ago(DAY), { category: 'hard', visaCategory: 1 })];
    expect(ask('visa', history)).toMatchObject({ rule: 'visa_category_1' });
  });

  it.each([
    ['a Visa category 1 decline', { visaCategory: 1 }],
    ['a hard decline', { category: 'hard' }],
    ['Mastercard MAC 03', { advice: mac('03') }],
  ] satisfies [string, Partial<Attempt>][])(
    'a new or updated method lifts the block after %s',
    (_label, patch) => {
      const history = [declined(ago(3 * DAY), patch)];
      expect(ask('visa', history, { methodChangedAt: ago(2 * DAY) })).toMatchObject({
        allowed: true,
      });
    },
  );

  it('a decline on the new method blocks again', () => {
    const history = [
      declined(ago(3 * DAY), { category: 'hard' }),
      declined(ago(1 * DAY), { category: 'hard' }),
    ];
    expect(ask('visa', history, { methodChangedAt: ago(2 * DAY) })).toMatchObject(
      refusedBy('category_hard', null),
    );
  });

  it('a decline at the very instant of the method change still blocks', () => {
    const history = [declined(ago(DAY), { category: 'hard' })];
    expect(ask('visa', history, { methodChangedAt: ago(DAY) })).toMatchObject({ allowed: false });
  });

  it('a later success does not lift a hard decline; only a method change does', () => {
    const history = [declined(ago(3 * DAY), { category: 'hard' }), succeeded(ago(DAY))];
    expect(ask('visa', history)).toMatchObject(refusedBy('category_hard', null));
  });

  it('names the decline time and the source', () => {
    const verdict = ask('mastercard', [declined(ago(DAY), { advice: mac('21') })]);
    expect(verdict.why).toBe(
      `do-not-retry advice (Mastercard MAC 21) at ${ago(DAY).toISOString()}: no retry on this credential until the payment method changes (Mastercard MAC 03/21 and processor do-not-retry advice; reference/declines.md)`,
    );
  });
});

describe('Mastercard retry-after advice', () => {
  it.each([
    ['25', '23h59m', 24 * HOUR - MINUTE, false],
    ['25', '24h', 24 * HOUR, true],
    ['24', '59m59.999s', HOUR - 1, false],
    ['24', '1h', HOUR, true],
    ['02', '71h59m', 72 * HOUR - MINUTE, false],
    ['02', '72h', 72 * HOUR, true],
    ['30', '10 days less 1 ms', 10 * DAY - 1, false],
    ['30', '10 days', 10 * DAY, true],
  ])('after MAC %s, a retry %s later is allowed: %s', (code, _label, waitedMs, allowed) => {
    const declinedAt = ago(waitedMs);
    const advice = mac(code);
    const verdict = ask('mastercard', [declined(declinedAt, { advice })]);
    expect(verdict.allowed).toBe(allowed);
    if (!allowed && advice.kind === 'retry_after') {
      const notBefore = new Date(declinedAt.getTime() + advice.afterMs);
      expect(verdict).toMatchObject(refusedBy('retry_after_advice', notBefore));
    }
  });

  it('the longest pending advice on the card wins, whichever case received it', () => {
    const history = [
      declined(ago(2 * HOUR), { advice: mac('30'), caseId: 'case_b' }),
      declined(ago(1 * HOUR), { advice: mac('25') }),
    ];
    expect(ask('mastercard', history)).toMatchObject(
      refusedBy('retry_after_advice', new Date(ago(2 * HOUR).getTime() + 10 * DAY)),
    );
  });

  it('advice on an updated method still applies: the wait is about the account, not the data', () => {
    const history = [declined(ago(HOUR), { advice: mac('25') })];
    expect(ask('mastercard', history, { methodChangedAt: ago(MINUTE) })).toMatchObject({
      allowed: false,
      rule: 'retry_after_advice',
    });
  });
});

describe('Mastercard excessive retries', () => {
  /** `count` declines, one an hour, the last one an hour ago. */
  const hourly = (count: number) =>
    Array.from({ length: count }, (_, i) =>
      declined(ago((count - i) * HOUR), { caseId: i % 2 ? 'case_a' : 'case_b' }),
    );

  it('9 declines in 24 hours allow one more attempt', () => {
    expect(ask('mastercard', hourly(9))).toMatchObject({ allowed: true });
  });

  it('10 declines in 24 hours refuse the attempt that could be the 11th', () => {
    expect(ask('mastercard', hourly(10))).toMatchObject(
      refusedBy('mastercard_declines_per_24h', new Date(ago(10 * HOUR).getTime() + DAY + 1)),
    );
  });

  it('the 24-hour count is Mastercard only', () => {
    expect(ask('visa', hourly(10))).toMatchObject({ allowed: true });
  });

  /**
   * 35 declines of 25.00, one every 19 hours over 28 days, each but the last followed by a
   * success: no Visa-style sequence and never more than two declines in 24 hours.
   */
  const sameAmount = (count: number) =>
    Array.from({ length: count }, (_, i) => {
      const at = new Date(ago(29 * DAY).getTime() + i * 19 * HOUR);
      const last = i === count - 1;
      return last
        ? [declined(at)]
        : [declined(at), succeeded(new Date(at.getTime() + HOUR), { amountMinor: 9900 })];
    }).flat();

  it('successes do not reset it: 35 declines of the same amount in 30 days refuse that amount', () => {
    expect(ask('mastercard', sameAmount(35))).toMatchObject(
      refusedBy(
        'mastercard_same_amount_declines_per_30_days',
        new Date(ago(29 * DAY).getTime() + 30 * DAY + 1),
      ),
    );
  });

  it('34 declines of the same amount allow one more', () => {
    expect(ask('mastercard', sameAmount(34))).toMatchObject({ allowed: true });
  });

  it('a different amount is not counted against the same-amount limit', () => {
    expect(ask('mastercard', sameAmount(35), { amountMinor: 2600 })).toMatchObject({
      allowed: true,
    });
  });

  it('Mastercard also obeys the Visa-style reattempt cap, the stricter of the two', () => {
    const verdict = ask('mastercard', sharedCardSequence(15));
    expect(verdict).toMatchObject({ allowed: false, rule: 'visa_reattempt_cap' });
  });

  it('when several rules refuse, notBefore is when the last of them frees', () => {
    const history = hourly(10);
    history[9] = { ...history[9]!, advice: mac('30') };
    expect(ask('mastercard', history)).toMatchObject(
      refusedBy('retry_after_advice', new Date(ago(HOUR).getTime() + 10 * DAY)),
    );
  });
});

describe('direct debit re-presentments', () => {
  const r01 = (at: Date, patch: Partial<Attempt> = {}) =>
    declined(at, {
      visaCategory: null,
      maxRepresentments: 2,
      representmentWindowDays: 180,
      ...patch,
    });
  const am04 = (at: Date) =>
    declined(at, { visaCategory: null, maxRepresentments: 2, representmentWindowDays: 42 });

  it('ACH R01 may be re-presented a first and a second time', () => {
    expect(ask('ach', [r01(ago(10 * DAY))])).toMatchObject({ allowed: true });
    const twice = [r01(ago(10 * DAY)), r01(ago(5 * DAY), { category: 'insufficient_funds' })];
    expect(ask('ach', twice)).toMatchObject({ allowed: true });
    expect(ask('ach', twice).why).toContain('ACH re-presentment 2 of 2');
  });

  it('ACH third re-presentment is refused (3 presentments in all)', () => {
    const history = [r01(ago(10 * DAY)), r01(ago(5 * DAY)), r01(ago(1 * DAY), { caseId: 'b' })];
    const verdict = ask('ach', history);
    expect(verdict).toMatchObject(refusedBy('representment_limit', null));
    expect(verdict.why).toContain('presented 3 times');
  });

  it.each([
    ['180 days less 1 ms after the original', 180 * DAY - 1, true],
    ['exactly 180 days after the original', 180 * DAY, false],
  ])('ACH R01 re-presented %s is allowed: %s', (_label, sinceMs, allowed) => {
    const verdict = ask('ach', [r01(ago(sinceMs)), r01(ago(DAY))]);
    expect(verdict.allowed).toBe(allowed);
    if (!allowed) expect(verdict).toMatchObject(refusedBy('representment_window', null));
  });

  it.each([
    ['a stop code (0 re-presentments, as the declines tables mark it)', 0],
    ['a return with no count given', null],
  ])('%s allows no re-presentment', (_label, maxRepresentments) => {
    const stop = declined(ago(DAY), { category: 'generic', visaCategory: null, maxRepresentments });
    expect(ask('sepa', [stop])).toMatchObject(refusedBy('return_not_representable', null));
  });

  it('SEPA AM04/MS03: two re-presentments within 42 days', () => {
    expect(ask('sepa', [am04(ago(41 * DAY)), am04(ago(20 * DAY))])).toMatchObject({
      allowed: true,
    });
    expect(ask('sepa', [am04(ago(42 * DAY)), am04(ago(20 * DAY))])).toMatchObject(
      refusedBy('representment_window', null),
    );
    expect(ask('sepa', [am04(ago(30 * DAY)), am04(ago(20 * DAY)), am04(ago(DAY))])).toMatchObject(
      refusedBy('representment_limit', null),
    );
  });

  it('a collected payment ends the chain: the next return starts a new one', () => {
    const history = [
      r01(ago(40 * DAY)),
      r01(ago(35 * DAY)),
      r01(ago(30 * DAY)),
      succeeded(ago(20 * DAY)),
      r01(ago(DAY)),
    ];
    expect(ask('ach', history)).toMatchObject({ allowed: true });
  });

  it('a return at the same instant as a collection counts as the later of the two', () => {
    const stop = declined(ago(HOUR), { category: 'generic', visaCategory: null });
    expect(ask('sepa', [stop, succeeded(ago(HOUR))])).toMatchObject(
      refusedBy('return_not_representable', null),
    );
  });

  it('a new bank account starts a new chain', () => {
    const history = [r01(ago(10 * DAY)), r01(ago(5 * DAY)), r01(ago(3 * DAY)), r01(ago(DAY))];
    expect(ask('ach', history, { methodChangedAt: ago(2 * DAY) })).toMatchObject({
      allowed: true,
    });
  });

  it('the card caps do not apply to direct debit', () => {
    const history = Array.from({ length: 12 }, (_, i) =>
      declined(ago((12 - i) * HOUR), { maxRepresentments: 99, representmentWindowDays: null }),
    );
    expect(ask('bacs', history)).toMatchObject({ allowed: true });
  });

  it('a wait that outlasts the 180-day window leaves no later time to re-present', () => {
    const history = [
      r01(ago(175 * DAY)),
      r01(ago(DAY), { advice: { kind: 'retry_after', afterMs: 10 * DAY, source: 'processor' } }),
    ];
    const verdict = ask('ach', history);
    expect(verdict).toMatchObject(refusedBy('retry_after_advice', null));
    expect(verdict.why).toContain('by then: ACH: re-presentments must happen within 180 days');
  });
});

describe('evaluateRetry, generally', () => {
  it.each([
    ['visa'],
    ['mastercard'],
    ['amex'],
    ['discover'],
    ['other'],
    ['ach'],
    ['sepa'],
    ['bacs'],
  ] as const)('a %s credential with no history may be charged', (network) => {
    expect(ask(network, [])).toMatchObject({ allowed: true });
  });

  it('attempts dated after now are ignored', () => {
    expect(ask('visa', [declined(later(1), { category: 'hard' })])).toMatchObject({
      allowed: true,
    });
  });

  it('an allowed retry says which counters it read', () => {
    expect(ask('mastercard', [declined(ago(HOUR))]).why).toBe(
      'no network rule forbids it: Visa-style (applied to mastercard) reattempts 0 of 15 in 30 days; Mastercard declines 1 of 10 in 24 hours; Mastercard same-amount declines 1 of 35 in 30 days',
    );
  });
});

describe('explainVerdict', () => {
  it.each([
    [
      { allowed: true, why: 'no network rule forbids it' },
      'retry allowed: no network rule forbids it',
    ],
    [
      { allowed: false, rule: 'category_hard', why: 'a hard decline', notBefore: null },
      'retry refused by category_hard until the payment method changes: a hard decline',
    ],
    [
      { allowed: false, rule: 'retry_after_advice', why: 'MAC 25', notBefore: NOW },
      'retry refused by retry_after_advice until 2026-03-02T15:00:00.000Z: MAC 25',
    ],
  ] satisfies [RuleVerdict, string][])('explains %j', (verdict, line) => {
    expect(explainVerdict(verdict)).toBe(line);
  });
});

describe('one charge in flight per credential', () => {
  it('waits while another charge on the card has no answer, until 15 minutes after it was sent', () => {
    const inFlight = declined(ago(2 * MINUTE), { answered: false, caseId: 'case_b' });
    expect(ask('visa', [inFlight])).toMatchObject(
      refusedBy('charge_in_flight', new Date(inFlight.at.getTime() + 15 * MINUTE)),
    );
    expect(ask('mastercard', [declined(ago(2 * DAY)), inFlight])).toMatchObject({
      allowed: false,
      rule: 'charge_in_flight',
    });
  });

  it('once answered, the answer decides; unanswered for 15 minutes, it counts as a decline', () => {
    const answered = declined(ago(2 * MINUTE), { answered: true, advice: mac('25') });
    expect(ask('mastercard', [answered])).toMatchObject(
      refusedBy('retry_after_advice', new Date(answered.at.getTime() + 24 * HOUR)),
    );
    expect(ask('visa', [declined(ago(15 * MINUTE), { answered: false })]).allowed).toBe(true);
  });
});
