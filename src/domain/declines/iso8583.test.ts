import { describe, expect, it } from 'vitest';
import type { DeclineCategory } from './categories.ts';
import { classifyDecline } from './classify.ts';
import { ISO_RESPONSE_CODES, MASTERCARD_RESPONSE_CODES, normaliseIsoCode } from './iso8583.ts';

type Row = readonly [code: string, category: DeclineCategory, visaCategory: 1 | 2 | 3 | 4];

// Every raw code both references list, with Visa's category (current lists) and ours.
const CATEGORY_1: readonly Row[] = [
  ['04', 'hard', 1],
  ['07', 'hard', 1],
  ['12', 'hard', 1],
  ['14', 'update_method', 1], // declines.md: hard, or update_method "also defensible"
  ['15', 'hard', 1],
  ['41', 'hard', 1],
  ['43', 'hard', 1],
  ['46', 'hard', 1],
  ['57', 'hard', 1],
  ['R0', 'hard', 1],
  ['R1', 'hard', 1],
  ['R3', 'hard', 1],
];
const CATEGORY_2: readonly Row[] = [
  ['03', 'generic', 2],
  ['19', 'temporary', 2],
  ['39', 'generic', 2],
  ['51', 'insufficient_funds', 2],
  ['52', 'generic', 2],
  ['53', 'generic', 2],
  ['59', 'generic', 2],
  ['61', 'insufficient_funds', 2],
  ['62', 'hard', 2], // as Stripe restricted_card: our stricter choice
  ['65', 'insufficient_funds', 2],
  ['75', 'generic', 2],
  ['78', 'generic', 2],
  ['83', 'generic', 2],
  ['86', 'generic', 2],
  ['91', 'temporary', 2],
  ['93', 'generic', 2],
  ['96', 'temporary', 2],
  ['N3', 'temporary', 2],
  ['N4', 'temporary', 2],
  ['5C', 'generic', 2],
  ['9G', 'generic', 2],
  ['Z5', 'generic', 2],
  ['Z6', 'generic', 2],
];
const CATEGORY_3: readonly Row[] = [
  ['54', 'update_method', 3],
  ['55', 'update_method', 3],
  ['6P', 'update_method', 3],
  ['82', 'update_method', 3],
  ['N7', 'update_method', 3],
  ['1A', 'authentication_required', 3],
  ['70', 'generic', 3],
];
const CATEGORY_4: readonly Row[] = [
  ['01', 'generic', 4],
  ['02', 'generic', 4],
  ['05', 'generic', 4],
  ['06', 'generic', 4],
  ['13', 'update_method', 4], // as Stripe invalid_amount
  ['58', 'generic', 4],
  ['64', 'generic', 4],
  ['79', 'generic', 4],
  ['80', 'generic', 4],
  ['81', 'generic', 4],
  ['N0', 'generic', 4],
  ['Z3', 'generic', 4],
];
const VISA_ROWS = [...CATEGORY_1, ...CATEGORY_2, ...CATEGORY_3, ...CATEGORY_4];

const HIDDEN = ['04', '07', '41', '43', '59', '83'];

describe('ISO 8583 response codes on Visa', () => {
  it('the table holds exactly the codes the references list', () => {
    expect(Object.keys(ISO_RESPONSE_CODES).sort()).toEqual(VISA_ROWS.map(([c]) => c).sort());
  });

  it.each(VISA_ROWS)('Visa %s is %s, Visa category %i', (code, category, visaCategory) => {
    expect(classifyDecline({ scheme: 'iso8583', code, network: 'visa' })).toMatchObject({
      category,
      visaCategory,
      known: true,
      hideReasonFromCustomer: HIDDEN.includes(code),
      maxRepresentments: null,
      representmentWindowDays: null,
    });
  });

  it.each(CATEGORY_1)('Visa %s (category 1) advises never to retry this credential', (code) => {
    expect(classifyDecline({ scheme: 'iso8583', code, network: 'visa' }).advice).toEqual({
      kind: 'do_not_retry',
      source: 'Visa category 1',
    });
  });

  it.each([...CATEGORY_2, ...CATEGORY_3, ...CATEGORY_4])(
    'Visa %s (category 2–4) carries no advice: retries are capped, not forbidden',
    (code) => {
      expect(classifyDecline({ scheme: 'iso8583', code, network: 'visa' }).advice).toEqual({
        kind: 'none',
      });
    },
  );

  it('the why names the network, the code, our category, the Visa category and the source', () => {
    expect(classifyDecline({ scheme: 'iso8583', code: '51', network: 'visa' }).why).toBe(
      'Visa response code 51 (insufficient funds) → insufficient_funds, Visa category 2 ' +
        '[ISO 8583 codes with Visa categories, declines-sourced.md §2, declines.md]',
    );
  });

  it.each([['Q9'], ['00'], ['005'], [''], ['constructor'], ['__proto__']])(
    'an unlisted Visa code %j is generic, unknown, and Visa category 4 ("all others")',
    (code) => {
      expect(classifyDecline({ scheme: 'iso8583', code, network: 'visa' })).toMatchObject({
        category: 'generic',
        known: false,
        visaCategory: 4,
        advice: { kind: 'none' },
      });
    },
  );
});

describe('ISO 8583 codes on other networks', () => {
  it.each([
    ['65', 'authentication_required'],
    ['79', 'generic'],
    ['82', 'generic'],
    ['83', 'generic'],
  ] as const)('Mastercard %s has its own meaning: %s', (code, category) => {
    expect(Object.hasOwn(MASTERCARD_RESPONSE_CODES, code)).toBe(true);
    expect(classifyDecline({ scheme: 'iso8583', code, network: 'mastercard' })).toMatchObject({
      category,
      known: true,
      visaCategory: null,
      hideReasonFromCustomer: false,
    });
  });

  it.each([
    ['mastercard', '51', 'insufficient_funds'],
    ['mastercard', '54', 'update_method'],
    ['amex', '05', 'generic'],
    ['discover', '41', 'hard'],
    ['other', '91', 'temporary'],
  ] as const)(
    '%s %s reads as the shared table says: %s, no Visa category',
    (network, code, category) => {
      expect(classifyDecline({ scheme: 'iso8583', code, network })).toMatchObject({
        category,
        known: true,
        visaCategory: null,
        advice: { kind: 'none' },
      });
    },
  );

  it('a Visa category 1 code on Mastercard carries no Visa advice', () => {
    expect(classifyDecline({ scheme: 'iso8583', code: '43', network: 'mastercard' })).toMatchObject(
      {
        category: 'hard',
        hideReasonFromCustomer: true,
        visaCategory: null,
        advice: { kind: 'none' },
      },
    );
  });

  it.each([['mastercard'], ['amex'], ['discover'], ['other']] as const)(
    'an unlisted %s code is generic and unknown, with no Visa category',
    (network) => {
      expect(classifyDecline({ scheme: 'iso8583', code: 'Q9', network })).toMatchObject({
        category: 'generic',
        known: false,
        visaCategory: null,
      });
    },
  );
});

describe('ISO 8583 code normalisation', () => {
  it.each([
    ['5', '05'],
    [' 51 ', '51'],
    ['1a', '1A'],
    ['n7', 'N7'],
    ['r0', 'R0'],
    ['05', '05'],
    ['005', '005'],
    ['', ''],
  ])('%j is read as %j', (raw, code) => {
    expect(normaliseIsoCode(raw)).toBe(code);
  });

  it("a code that lost its leading zero ('5') is do not honor, like '05'", () => {
    expect(classifyDecline({ scheme: 'iso8583', code: '5', network: 'visa' })).toEqual(
      classifyDecline({ scheme: 'iso8583', code: '05', network: 'visa' }),
    );
  });

  it("lowercase '1a' still asks the customer to authenticate", () => {
    expect(classifyDecline({ scheme: 'iso8583', code: '1a', network: 'visa' }).category).toBe(
      'authentication_required',
    );
  });
});
