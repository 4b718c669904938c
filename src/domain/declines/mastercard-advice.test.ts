import { describe, expect, it } from 'vitest';
import { blocksRetryUntilMethodChanges, type DeclineCategory } from './categories.ts';
import { type CardNetwork, classifyDecline, type NetworkAdvice } from './classify.ts';
import {
  MASTERCARD_ADVICE_CODES,
  MASTERCARD_CODE_WITH_ADVICE,
  normaliseAdviceCode,
} from './mastercard-advice.ts';

const stop = (mac: string): NetworkAdvice => ({
  kind: 'do_not_retry',
  source: `Mastercard MAC ${mac}`,
});
const waitFor = (mac: string, afterMs: number): NetworkAdvice => ({
  kind: 'retry_after',
  afterMs,
  source: `Mastercard MAC ${mac}`,
});
const NONE: NetworkAdvice = { kind: 'none' };

/** A Mastercard "do not honor" (05, generic) carrying the merchant advice code. */
function withMac(merchantAdviceCode: string, code = '05', network: CardNetwork = 'mastercard') {
  return classifyDecline({ scheme: 'iso8583', code, network, merchantAdviceCode });
}

// declines-sourced.md §3 (and declines.md): every MAC, the category it decides (else the
// response code's, here generic) and its advice. Delays are written out in milliseconds.
const ROWS: readonly (readonly [string, DeclineCategory, NetworkAdvice])[] = [
  ['01', 'update_method', stop('01')],
  ['02', 'generic', waitFor('02', 259_200_000)], // ≥ 72 h, as gateways advise
  ['03', 'hard', stop('03')],
  ['04', 'update_method', stop('04')],
  ['05', 'generic', NONE],
  ['21', 'hard', stop('21')],
  ['22', 'hard', stop('22')],
  ['24', 'generic', waitFor('24', 3_600_000)],
  ['25', 'generic', waitFor('25', 86_400_000)],
  ['26', 'generic', waitFor('26', 172_800_000)],
  ['27', 'generic', waitFor('27', 345_600_000)],
  ['28', 'generic', waitFor('28', 518_400_000)],
  ['29', 'generic', waitFor('29', 691_200_000)],
  ['30', 'generic', waitFor('30', 864_000_000)],
  ['40', 'generic', NONE],
  ['41', 'hard', stop('41')], // a single-use virtual card will not work again
  ['42', 'generic', NONE], // Cybersource only
  ['43', 'generic', NONE],
  ['99', 'hard', stop('99')], // Cybersource only
];

describe('Mastercard merchant advice codes', () => {
  it('the table holds exactly the MACs the references list', () => {
    expect(Object.keys(MASTERCARD_ADVICE_CODES).sort()).toEqual(ROWS.map(([mac]) => mac).sort());
  });

  it.each(ROWS)('MAC %s makes the decline %s with advice %j', (mac, category, advice) => {
    expect(withMac(mac)).toMatchObject({ category, advice, known: true, visaCategory: null });
  });

  it.each([
    ['24', 'one hour', 60 * 60 * 1000],
    ['25', '24 hours', 24 * 60 * 60 * 1000],
    ['26', '2 days', 2 * 24 * 60 * 60 * 1000],
    ['27', '4 days', 4 * 24 * 60 * 60 * 1000],
    ['28', '6 days', 6 * 24 * 60 * 60 * 1000],
    ['29', '8 days', 8 * 24 * 60 * 60 * 1000],
    ['30', '10 days', 10 * 24 * 60 * 60 * 1000],
  ])('MAC %s on insufficient funds: keep the category, wait exactly %s', (mac, _label, afterMs) => {
    expect(withMac(mac, '51')).toMatchObject({
      category: 'insufficient_funds',
      advice: { kind: 'retry_after', afterMs, source: `Mastercard MAC ${mac}` },
    });
  });

  it.each(['03', '21'])('MAC %s stops retries even on an insufficient-funds decline', (mac) => {
    expect(withMac(mac, '51')).toMatchObject({ category: 'hard', advice: stop(mac) });
  });

  it('the why names the MAC, its meaning, the wait and the source', () => {
    expect(withMac('25', '51').why).toBe(
      'Mastercard response code 51 (insufficient funds) → insufficient_funds ' +
        '[ISO 8583 codes with Visa categories, declines-sourced.md §2, declines.md]; ' +
        'Mastercard MAC 25 (retry after 24 hours) [Mastercard merchant advice codes, declines-sourced.md §3]; ' +
        'retry no sooner than 24 h (Mastercard MAC 25)',
    );
  });

  it('no MAC ever makes a decline retryable: a category it sets waits for a new method', () => {
    const categories = [
      ...Object.values(MASTERCARD_ADVICE_CODES).map((rule) => rule.category),
      ...Object.values(MASTERCARD_CODE_WITH_ADVICE).map((rule) => rule.category),
    ].filter((category) => category !== undefined);
    for (const category of categories) expect(blocksRetryUntilMethodChanges(category)).toBe(true);
  });
});

describe('Mastercard response code with MAC (79 / 82 / 83)', () => {
  it.each([
    ['79', '01', 'update_method', stop('01'), false],
    ['82', '01', 'update_method', stop('01'), false],
    ['79', '03', 'hard', stop('03'), false],
    ['82', '03', 'hard', stop('03'), false],
    ['83', '01', 'authentication_required', NONE, false],
    ['83', '03', 'hard', stop('03'), true],
    ['79', '02', 'generic', waitFor('02', 259_200_000), false],
    ['83', '02', 'generic', waitFor('02', 259_200_000), false],
  ] as const)(
    'Mastercard %s with MAC %s is %s, advice %j, reason hidden: %s',
    (code, mac, category, advice, hidden) => {
      expect(withMac(mac, code)).toMatchObject({
        category,
        advice,
        hideReasonFromCustomer: hidden,
      });
    },
  );
});

describe('which declines a MAC is read on', () => {
  it.each(['visa', 'amex', 'discover', 'other'] as const)(
    'an advice code on a %s decline is not a Mastercard MAC and is ignored',
    (network) => {
      const result = withMac('03', '51', network);
      expect(result).toMatchObject({ category: 'insufficient_funds', advice: NONE });
      expect(result.why).toContain("merchant advice codes are Mastercard's");
    },
  );

  it('a Stripe decline with no network named still honours MAC 03 (ignoring it costs fees)', () => {
    expect(
      classifyDecline({ scheme: 'stripe', code: 'do_not_honor', networkAdviceCode: '03' }),
    ).toMatchObject({ category: 'hard', advice: stop('03') });
  });

  it.each([['77'], ['ZZ'], ['constructor'], ['__proto__'], ['toString']])(
    'an unknown MAC %j is ignored and said so; the response code still decides',
    (mac) => {
      const result = withMac(mac, '51');
      expect(result).toMatchObject({ category: 'insufficient_funds', known: true, advice: NONE });
      expect(result.why).toContain('is not in our table; ignored');
    },
  );

  it.each([
    ['3', '03'],
    [' 25 ', '25'],
    ['03', '03'],
    ['003', '003'],
  ])('MAC %j is read as %j', (raw, mac) => {
    expect(normaliseAdviceCode(raw)).toBe(mac);
  });

  it("a MAC that lost its leading zero ('3') is still do not try again", () => {
    expect(withMac('3', '51')).toMatchObject({ category: 'hard', advice: stop('03') });
  });
});
