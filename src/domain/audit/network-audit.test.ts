import { describe, expect, it } from 'vitest';
import { type AuditAttempt, auditAttempts } from './network-audit.ts';

// Examples from reference/declines.md, on a fixed calendar.
const NOW = new Date('2026-03-01T10:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const later = (ms: number) => new Date(NOW.getTime() + ms);

let n = 0;
function attempt(over: Partial<AuditAttempt> & { sentAt: Date }): AuditAttempt {
  n++;
  return {
    id: `a${n}`,
    card: 'fp_visa',
    network: 'visa',
    amountMinor: 2000,
    currency: 'USD',
    initiatedBy: 'merchant',
    outcome: 'declined',
    gatewayCode: 'insufficient_funds',
    networkCode: '51',
    adviceCode: null,
    ...over,
  };
}

/** The original decline at NOW and `reattempts` more, one a day from day 1 (all declined). */
function visaRun(reattempts: number, over: Partial<AuditAttempt> = {}): AuditAttempt[] {
  return Array.from({ length: reattempts + 1 }, (_, i) =>
    attempt({ sentAt: later(i * DAY), ...over }),
  );
}

const rules = (attempts: AuditAttempt[]) => auditAttempts(attempts).map((v) => v.rule);

describe('Visa: at most 15 reattempts in 30 days per card (categories 2–4)', () => {
  it('allows the 15th reattempt and names the 16th, with every attempt it counted', () => {
    expect(rules(visaRun(15))).toEqual([]);
    const history = visaRun(16);
    const found = auditAttempts(history);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      rule: 'visa_reattempt_cap',
      attemptId: history[16]!.id,
      card: 'fp_visa',
    });
    expect(found[0]!.involved).toEqual(history.map((a) => a.id));
    expect(found[0]!.why).toMatch(/reattempt 16 in 30 days.*at most 15/);
  });

  it('slides: a reattempt 30 days old still counts, one a millisecond older does not', () => {
    // Reattempts on days 1–15; the next one exactly 30 days after the first reattempt.
    const base = visaRun(15);
    const first = base[1]!.sentAt.getTime();
    expect(rules([...base, attempt({ sentAt: new Date(first + 30 * DAY) })])).toEqual([
      'visa_reattempt_cap',
    ]);
    expect(rules([...base, attempt({ sentAt: new Date(first + 30 * DAY + 1) })])).toEqual([]);
  });

  it('counts reattempts of any amount, approved or not, and starts again after an approval', () => {
    const mixed = visaRun(15).map((a, i) => ({ ...a, amountMinor: 1000 + i }));
    expect(rules([...mixed, attempt({ sentAt: later(16 * DAY), outcome: 'approved' })])).toEqual([
      'visa_reattempt_cap',
    ]);
    const approvedThenMore = [
      ...visaRun(10),
      attempt({ sentAt: later(11 * DAY), outcome: 'approved' }),
      ...Array.from({ length: 16 }, (_, i) => attempt({ sentAt: later(12 * DAY + i * 12 * HOUR) })),
    ];
    // After the approval: an original and 15 reattempts.
    expect(rules(approvedThenMore)).toEqual([]);
  });

  it('judges one card across subscriptions: two cases retried at the same instant make 16', () => {
    // Case A's card declined 14 times after its original; cases A and B both retry at day 20.
    const history = visaRun(14);
    const a = attempt({ id: 'case_a', sentAt: later(20 * DAY) });
    const b = attempt({ id: 'case_b', sentAt: later(20 * DAY), amountMinor: 990 });
    const found = auditAttempts([...history, a, b]);
    expect(found.map((v) => [v.rule, v.attemptId])).toEqual([['visa_reattempt_cap', 'case_b']]);
    // Another card's attempts never count.
    expect(rules([...history, { ...a, card: 'fp_other' }, { ...b, card: 'fp_other' }])).toEqual([]);
  });

  it('counts the customer’s own payments but never blames them on the merchant', () => {
    const history = visaRun(15);
    const customer = attempt({ sentAt: later(16 * DAY), initiatedBy: 'customer' });
    expect(rules([...history, customer])).toEqual([]);
    expect(rules([...history, customer, attempt({ sentAt: later(17 * DAY) })])).toEqual([
      'visa_reattempt_cap',
    ]);
  });

  it('takes a stricter cap when configured (20 per some processors from 2025)', () => {
    const limits = {
      visaReattemptsPer30Days: 10,
      mastercardDeclinesPer24h: 10,
      mastercardSameAmountDeclinesPer30Days: 35,
    };
    expect(auditAttempts(visaRun(11), { limits }).map((v) => v.rule)).toEqual([
      'visa_reattempt_cap',
    ]);
  });
});

describe('Visa category 1: the issuer will never approve, any reattempt is charged', () => {
  it.each([
    ['43', 'stolen_card'],
    ['41', 'lost_card'],
    ['04', 'pickup_card'],
    ['R1', 'revocation_of_authorization'],
    ['46', 'generic_decline'],
  ])('names a retry after code %s', (networkCode, gatewayCode) => {
    const decline = attempt({ sentAt: NOW, networkCode, gatewayCode });
    const retry = attempt({ sentAt: later(5 * DAY) });
    const found = auditAttempts([decline, retry]);
    expect(found.map((v) => v.rule)).toEqual(['visa_category_1_reattempt']);
    expect(found[0]!.involved).toEqual([decline.id, retry.id]);
  });

  it('reads the Stripe code when the gateway passed no issuer code', () => {
    const decline = attempt({ sentAt: NOW, networkCode: null, gatewayCode: 'lost_card' });
    expect(rules([decline, attempt({ sentAt: later(DAY) })])).toEqual([
      'visa_category_1_reattempt',
    ]);
  });

  it('binds the card even after its details change; a new card number is a new card', () => {
    const decline = attempt({ sentAt: NOW, networkCode: '43', gatewayCode: 'stolen_card' });
    const retry = attempt({ sentAt: later(DAY) });
    const detailsChanges = [{ card: 'fp_visa', at: later(HOUR) }];
    expect(auditAttempts([decline, retry], { detailsChanges }).map((v) => v.rule)).toEqual([
      'visa_category_1_reattempt',
    ]);
    expect(rules([decline, { ...retry, card: 'fp_new_card' }])).toEqual([]);
  });

  it('names a second subscription’s renewal on the same card as a reattempt', () => {
    const declineA = attempt({ sentAt: NOW, networkCode: '43', gatewayCode: 'stolen_card' });
    const renewalB = attempt({ sentAt: later(15 * DAY), amountMinor: 4900 });
    expect(rules([declineA, renewalB])).toEqual(['visa_category_1_reattempt']);
  });

  it('leaves a payment the customer makes on the hosted page alone', () => {
    const decline = attempt({ sentAt: NOW, networkCode: '43', gatewayCode: 'stolen_card' });
    const customer = attempt({ sentAt: later(HOUR), initiatedBy: 'customer' });
    expect(rules([decline, customer])).toEqual([]);
  });
});

describe('Visa category 3: retry only with corrected data', () => {
  it('names a retry after an expired-card decline with no new details, allows one after', () => {
    const decline = attempt({ sentAt: NOW, networkCode: '54', gatewayCode: 'expired_card' });
    const retry = attempt({ sentAt: later(2 * DAY) });
    expect(rules([decline, retry])).toEqual(['visa_category_3_reattempt_without_new_data']);
    // The card updater reports a new expiry and the retry goes out at that same instant.
    const detailsChanges = [{ card: 'fp_visa', at: later(2 * DAY) }];
    expect(auditAttempts([decline, retry], { detailsChanges })).toEqual([]);
  });

  it('treats 1A (authentication required) as data to fix: the customer authenticates on-session', () => {
    const decline = attempt({
      sentAt: NOW,
      networkCode: '1A',
      gatewayCode: 'authentication_required',
    });
    expect(rules([decline, attempt({ sentAt: later(DAY) })])).toEqual([
      'visa_category_3_reattempt_without_new_data',
    ]);
    expect(rules([decline, attempt({ sentAt: later(DAY), initiatedBy: 'customer' })])).toEqual([]);
  });
});

describe('Mastercard', () => {
  const mc = (over: Partial<AuditAttempt> & { sentAt: Date }) =>
    attempt({
      card: 'fp_mc',
      network: 'mastercard',
      networkCode: '05',
      gatewayCode: 'generic_decline',
      ...over,
    });

  it.each([['03'], ['21']])('names any retry after merchant advice code %s', (adviceCode) => {
    const decline = mc({ sentAt: NOW, adviceCode });
    expect(rules([decline, mc({ sentAt: later(40 * DAY), outcome: 'approved' })])).toEqual([
      'mastercard_do_not_retry',
    ]);
  });

  it('names a retry before the time MAC 24–30 set, and allows one at that time', () => {
    for (const [adviceCode, waitMs] of [
      ['24', HOUR],
      ['25', 24 * HOUR],
      ['26', 2 * DAY],
      ['30', 10 * DAY],
    ] as const) {
      const decline = mc({ sentAt: NOW, adviceCode });
      expect(rules([decline, mc({ sentAt: later(waitMs - 1) })])).toEqual([
        'mastercard_retry_after',
      ]);
      expect(rules([decline, mc({ sentAt: later(waitMs) })])).toEqual([]);
    }
  });

  it('charges the 11th decline in 24 hours, not the 10th nor an approval', () => {
    const ten = Array.from({ length: 10 }, (_, i) => mc({ sentAt: later(i * HOUR) }));
    expect(rules(ten)).toEqual([]);
    expect(rules([...ten, mc({ sentAt: later(10 * HOUR), outcome: 'approved' })])).toEqual([]);
    expect(rules([...ten, mc({ sentAt: later(10 * HOUR) })])).toEqual([
      'mastercard_declines_per_24h',
    ]);
    // 24 hours after the first decline it still counts; a millisecond later it has left.
    expect(rules([...ten, mc({ sentAt: later(24 * HOUR) })])).toEqual([
      'mastercard_declines_per_24h',
    ]);
    expect(rules([...ten, mc({ sentAt: later(24 * HOUR + 1) })])).toEqual([]);
  });

  it('charges the 36th decline of one amount in 30 days; other amounts do not count', () => {
    // Three declines every other day: 35 declines in 24 days, never more than 10 in 24 hours.
    const history = Array.from({ length: 35 }, (_, i) =>
      mc({ sentAt: later(Math.floor(i / 3) * 2 * DAY + (i % 3) * HOUR) }),
    );
    const limits = {
      visaReattemptsPer30Days: 1000,
      mastercardDeclinesPer24h: 10,
      mastercardSameAmountDeclinesPer30Days: 35,
    };
    const audit = (extra: AuditAttempt) =>
      auditAttempts([...history, extra], { limits }).map((v) => v.rule);
    expect(audit(mc({ sentAt: later(25 * DAY) }))).toEqual([
      'mastercard_same_amount_declines_per_30_days',
    ]);
    expect(audit(mc({ sentAt: later(25 * DAY), amountMinor: 2500 }))).toEqual([]);
  });

  it('also holds Mastercard to the Visa-style 15 reattempts in 30 days, the stricter count', () => {
    const history = Array.from({ length: 17 }, (_, i) => mc({ sentAt: later(i * DAY) }));
    const found = auditAttempts(history);
    expect(found.map((v) => v.rule)).toEqual(['visa_reattempt_cap']);
    expect(found[0]!.why).toMatch(/Visa-style/);
  });
});

describe('NACHA: R01/R09 re-presented at most twice within 180 days; other returns never', () => {
  const ach = (over: Partial<AuditAttempt> & { sentAt: Date }) =>
    attempt({ card: 'ba_1', network: 'ach', networkCode: null, gatewayCode: 'R01', ...over });

  it('allows the original and two re-presentments, names the third', () => {
    const chain = [
      ach({ sentAt: NOW }),
      ach({ sentAt: later(5 * DAY) }),
      ach({ sentAt: later(10 * DAY) }),
    ];
    expect(rules(chain)).toEqual([]);
    expect(rules([...chain, ach({ sentAt: later(15 * DAY) })])).toEqual([
      'nacha_representment_limit',
    ]);
  });

  it('names a re-presentment after a return other than R01/R09, or after 180 days', () => {
    expect(rules([ach({ sentAt: NOW, gatewayCode: 'R02' }), ach({ sentAt: later(DAY) })])).toEqual([
      'nacha_no_automatic_retry',
    ]);
    expect(rules([ach({ sentAt: NOW }), ach({ sentAt: later(180 * DAY + 1) })])).toEqual([
      'nacha_representment_window',
    ]);
  });
});
