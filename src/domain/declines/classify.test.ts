import { describe, expect, it } from 'vitest';
import { BACS_RETURN_CODES } from './bacs.ts';
import { blocksRetryUntilMethodChanges, DECLINE_CATEGORIES } from './categories.ts';
import { classifyDecline, type RawDecline } from './classify.ts';
import type { CodeRule, DebitReturnRule } from './code-table.ts';
import { ISO_RESPONSE_CODES, MASTERCARD_RESPONSE_CODES } from './iso8583.ts';
import { NACHA_RETURN_CODES } from './nacha.ts';
import { SEPA_REASON_CODES } from './sepa.ts';
import { STRIPE_ADVICE_CODES, STRIPE_DECLINE_CODES } from './stripe-codes.ts';

describe('the network fields win over Stripe’s summary', () => {
  it('a Stripe generic decline whose Visa code is 51 is insufficient funds, Visa category 2', () => {
    const result = classifyDecline({
      scheme: 'stripe',
      code: 'generic_decline',
      networkDeclineCode: '51',
      network: 'visa',
    });
    expect(result).toMatchObject({ category: 'insufficient_funds', known: true, visaCategory: 2 });
    expect(result.why).toContain('preferred over Stripe decline_code "generic_decline" (generic)');
  });

  it('a Stripe insufficient_funds whose Visa code is 43 (stolen) is hard, hidden, never retried', () => {
    expect(
      classifyDecline({
        scheme: 'stripe',
        code: 'insufficient_funds',
        networkDeclineCode: '43',
        network: 'visa',
      }),
    ).toMatchObject({
      category: 'hard',
      visaCategory: 1,
      hideReasonFromCustomer: true,
      advice: { kind: 'do_not_retry', source: 'Visa category 1' },
    });
  });

  it('the network code decides the category, but a reason Stripe says to hide stays hidden', () => {
    expect(
      classifyDecline({
        scheme: 'stripe',
        code: 'fraudulent',
        networkDeclineCode: '05',
        network: 'visa',
      }),
    ).toMatchObject({ category: 'generic', visaCategory: 4, hideReasonFromCustomer: true });
  });

  it('an unlisted network code leaves the Stripe code in charge (still Visa category 4)', () => {
    const result = classifyDecline({
      scheme: 'stripe',
      code: 'expired_card',
      networkDeclineCode: 'Q9',
      network: 'visa',
    });
    expect(result).toMatchObject({ category: 'update_method', known: true, visaCategory: 4 });
    expect(result.why).toContain('Visa response code "Q9" is not in our table');
  });

  it('a Mastercard 51 with MAC 25 under a Stripe do_not_honor waits exactly 24 hours', () => {
    expect(
      classifyDecline({
        scheme: 'stripe',
        code: 'do_not_honor',
        networkDeclineCode: '51',
        networkAdviceCode: '25',
        network: 'mastercard',
      }),
    ).toMatchObject({
      category: 'insufficient_funds',
      visaCategory: null,
      advice: { kind: 'retry_after', afterMs: 86_400_000, source: 'Mastercard MAC 25' },
    });
  });

  it('the MAC decides before Stripe’s advice_code, and the strictest advice stands', () => {
    expect(
      classifyDecline({
        scheme: 'stripe',
        code: 'generic_decline',
        networkAdviceCode: '01',
        adviceCode: 'do_not_try_again',
        network: 'mastercard',
      }),
    ).toMatchObject({ category: 'update_method', advice: { kind: 'do_not_retry' } });
    expect(
      classifyDecline({
        scheme: 'stripe',
        code: 'insufficient_funds',
        networkAdviceCode: '24',
        adviceCode: 'do_not_try_again',
        network: 'mastercard',
      }),
    ).toMatchObject({
      category: 'hard',
      advice: { kind: 'do_not_retry', source: 'Stripe advice_code do_not_try_again' },
    });
  });

  it('a Mastercard SCA decline (65) reported by Stripe asks the customer to authenticate', () => {
    expect(
      classifyDecline({
        scheme: 'stripe',
        code: 'generic_decline',
        networkDeclineCode: '65',
        network: 'mastercard',
      }).category,
    ).toBe('authentication_required');
  });

  it.each([[''], ['  ']])('an empty network field (%j) counts as absent', (blank) => {
    expect(
      classifyDecline({
        scheme: 'stripe',
        code: 'expired_card',
        networkDeclineCode: blank,
        networkAdviceCode: blank,
        adviceCode: blank,
        network: 'visa',
      }),
    ).toEqual(classifyDecline({ scheme: 'stripe', code: 'expired_card' }));
  });

  it('a bare Stripe code still classifies as before: no network, no advice, no Visa category', () => {
    expect(classifyDecline({ scheme: 'stripe', code: 'insufficient_funds' })).toEqual({
      category: 'insufficient_funds',
      known: true,
      why: 'Stripe decline_code insufficient_funds (insufficient funds) → insufficient_funds [Stripe decline codes, declines-sourced.md §1]',
      visaCategory: null,
      advice: { kind: 'none' },
      hideReasonFromCustomer: false,
      maxRepresentments: null,
      representmentWindowDays: null,
    });
  });
});

const UNKNOWN_BY_SCHEME: readonly RawDecline[] = [
  { scheme: 'stripe', code: 'some_future_code' },
  { scheme: 'stripe', code: 'x', networkDeclineCode: 'Q9', network: 'mastercard' },
  { scheme: 'iso8583', code: 'Q9', network: 'visa' },
  { scheme: 'iso8583', code: 'Q9', network: 'amex' },
  { scheme: 'nacha', code: 'R99' },
  { scheme: 'sepa', code: 'XX99' },
  { scheme: 'bacs', code: 'Z' },
];

describe('unknown codes', () => {
  it.each(UNKNOWN_BY_SCHEME)(
    'an unknown $scheme code ($code) is generic and marked unknown',
    (raw) => {
      const result = classifyDecline(raw);
      expect(result).toMatchObject({ category: 'generic', known: false, advice: { kind: 'none' } });
      expect(result.why).toContain('not in our table');
    },
  );

  const BUILT_INS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
  const everywhere = BUILT_INS.flatMap((code): RawDecline[] => [
    { scheme: 'stripe', code },
    { scheme: 'stripe', code, networkDeclineCode: code, networkAdviceCode: code, adviceCode: code },
    { scheme: 'iso8583', code, network: 'mastercard', merchantAdviceCode: code },
    { scheme: 'nacha', code },
    { scheme: 'sepa', code },
    { scheme: 'bacs', code },
  ]);
  it.each(everywhere)(
    'a $scheme code named like an object built-in ($code) is unknown and generic, never a throw',
    (raw) => {
      expect(classifyDecline(raw)).toMatchObject({ category: 'generic', known: false });
    },
  );

  it.each([
    [{ scheme: 'paypal', code: 'x' }],
    [{ scheme: 'stripe', code: undefined }],
    [{ scheme: 'stripe', code: 51 }],
    [{ scheme: 'iso8583', code: null, network: 'jcb' }],
    [{ scheme: 'nacha' }],
  ])('untyped input (%j) still gets an answer, never a throw', (raw) => {
    const result = classifyDecline(raw as unknown as RawDecline);
    expect(DECLINE_CATEGORIES).toContain(result.category);
    expect(result.why).not.toBe('');
  });
});

describe('the tables as data', () => {
  const cardTables: readonly Readonly<Record<string, CodeRule>>[] = [
    STRIPE_DECLINE_CODES,
    ISO_RESPONSE_CODES,
    MASTERCARD_RESPONSE_CODES,
  ];
  const debitTables: readonly Readonly<Record<string, DebitReturnRule>>[] = [
    NACHA_RETURN_CODES,
    SEPA_REASON_CODES,
    BACS_RETURN_CODES,
  ];

  it('every row maps to one of the six categories and says what the code means', () => {
    for (const table of [...cardTables, ...debitTables]) {
      for (const rule of Object.values(table)) {
        expect(DECLINE_CATEGORIES).toContain(rule.category);
        expect(rule.meaning).not.toBe('');
      }
    }
  });

  it('only funds returns are ever re-presented automatically', () => {
    for (const table of debitTables) {
      for (const rule of Object.values(table)) {
        if (rule.maxRepresentments > 0) expect(rule.category).toBe('insufficient_funds');
        else expect(rule.representmentWindowDays).toBeNull();
      }
    }
  });

  it('Stripe’s advice_code never makes a decline retryable', () => {
    for (const rule of Object.values(STRIPE_ADVICE_CODES)) {
      if (rule.category) expect(blocksRetryUntilMethodChanges(rule.category)).toBe(true);
    }
  });
});
