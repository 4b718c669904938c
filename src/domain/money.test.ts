import { describe, expect, it } from 'vitest';
import {
  addMoney,
  currencyExponent,
  formatMoney,
  isAmountMinor,
  isCurrencyCode,
  money,
  subtractMoney,
  sumMinor,
} from './money.ts';

describe('currencyExponent', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['GBP', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['CLP', 0],
    ['VND', 0],
    ['XOF', 0],
    ['KWD', 3],
    ['BHD', 3],
    ['JOD', 3],
    ['TND', 3],
  ])('%s has %i decimal places', (currency, exponent) => {
    expect(currencyExponent(currency)).toBe(exponent);
  });

  it('treats a currency missing from the exception list as having 2 decimals', () => {
    expect(currencyExponent('CHF')).toBe(2);
  });
});

describe('formatMoney', () => {
  it.each([
    // 2 decimals
    [1250, 'USD', 'USD 12.50'],
    [5, 'USD', 'USD 0.05'],
    [0, 'EUR', 'EUR 0.00'],
    [100, 'EUR', 'EUR 1.00'],
    [123456789, 'GBP', 'GBP 1234567.89'],
    [-1250, 'USD', 'USD -12.50'],
    [-5, 'USD', 'USD -0.05'],
    // 0 decimals
    [1200, 'JPY', 'JPY 1200'],
    [0, 'JPY', 'JPY 0'],
    [-300, 'KRW', 'KRW -300'],
    // 3 decimals
    [1234, 'KWD', 'KWD 1.234'],
    [5, 'KWD', 'KWD 0.005'],
    [1000, 'BHD', 'BHD 1.000'],
    [-1050, 'JOD', 'JOD -1.050'],
  ])('%i minor units of %s render as "%s"', (amountMinor, currency, expected) => {
    expect(formatMoney(money(amountMinor, currency))).toBe(expected);
  });
});

describe('money', () => {
  it('keeps the amount in minor units and the currency as given', () => {
    expect(money(1999, 'USD')).toEqual({ amountMinor: 1999, currency: 'USD' });
  });

  it.each([[12.5], [0.1], [Number.NaN], [Number.POSITIVE_INFINITY], [Number.MAX_SAFE_INTEGER + 1]])(
    'rejects %s because money is never a float or an unsafe integer',
    (amount) => {
      expect(() => money(amount, 'USD')).toThrow(RangeError);
    },
  );
});

describe('addMoney and subtractMoney', () => {
  it('adds two amounts of the same currency', () => {
    expect(addMoney(money(1050, 'USD'), money(250, 'USD'))).toEqual(money(1300, 'USD'));
  });

  it('subtracts two amounts of the same currency, going negative when needed', () => {
    expect(subtractMoney(money(1000, 'EUR'), money(250, 'EUR'))).toEqual(money(750, 'EUR'));
    expect(subtractMoney(money(250, 'EUR'), money(1000, 'EUR'))).toEqual(money(-750, 'EUR'));
  });

  it.each([
    ['add', addMoney],
    ['subtract', subtractMoney],
  ] as const)('refuses to %s amounts in different currencies', (_name, op) => {
    expect(() => op(money(100, 'USD'), money(100, 'EUR'))).toThrow(/cannot combine USD with EUR/);
  });

  it('refuses a sum that would leave the safe integer range', () => {
    expect(() => addMoney(money(Number.MAX_SAFE_INTEGER, 'USD'), money(1, 'USD'))).toThrow(
      RangeError,
    );
  });
});

describe('sumMinor', () => {
  it.each([
    [[], 0],
    [[100], 100],
    [[100, 250, 5], 355],
    [[100, -40], 60],
  ])('sums %j to %i', (amounts, total) => {
    expect(sumMinor(amounts)).toBe(total);
  });
});

describe('isCurrencyCode', () => {
  it.each([
    ['USD', true],
    ['JPY', true],
    ['usd', false],
    ['US', false],
    ['USDT', false],
    ['U$D', false],
    ['', false],
    ['ZZZ', false],
    ['XTS', false],
    ['KWD', true],
    ['XCG', true],
  ])('%j is a currency code: %s', (value, expected) => {
    expect(isCurrencyCode(value)).toBe(expected);
  });
});

describe('isAmountMinor', () => {
  it.each([
    [0, true],
    [1999, true],
    [Number.MAX_SAFE_INTEGER, true],
    [-1, false],
    [12.5, false],
    [Number.NaN, false],
    [Number.MAX_SAFE_INTEGER + 1, false],
    ['1999', false],
    [null, false],
    [undefined, false],
  ])('%j is a valid amount in minor units: %s', (value, expected) => {
    expect(isAmountMinor(value)).toBe(expected);
  });
});
