import { describe, expect, it } from 'vitest';
import { money } from '../money.ts';
import {
  decimalString,
  formatDateForCustomer,
  formatDateTimeForCustomer,
  formatMoneyForCustomer,
  messageLocale,
  messageTimeZone,
} from './format.ts';

// Intl separates "1.234,50" and "€" with a no-break space, and groups French digits with a narrow one.
const NBSP = '\u00a0';
const NNBSP = '\u202f';

describe('formatMoneyForCustomer', () => {
  it.each([
    [123450, 'USD', 'en-US', '$1,234.50'],
    [123450, 'EUR', 'de-DE', `1.234,50${NBSP}€`],
    [123450, 'EUR', 'fr-FR', `1${NNBSP}234,50${NBSP}€`],
    [2000, 'USD', 'en-US', '$20.00'],
    [5, 'USD', 'en-US', '$0.05'],
    [0, 'GBP', 'en-GB', '£0.00'],
    // Zero-decimal currencies: the amount is already whole yen / won.
    [2000, 'JPY', 'en-US', '¥2,000'],
    [2000, 'JPY', 'ja-JP', '￥2,000'],
    [15000, 'KRW', 'ko-KR', '₩15,000'],
    // Three-decimal currencies: 1234 fils is 1.234 dinar.
    [1234, 'KWD', 'en-US', `KWD${NBSP}1.234`],
    [12345, 'BHD', 'en-US', `BHD${NBSP}12.345`],
    [5, 'KWD', 'en-US', `KWD${NBSP}0.005`],
  ])('%i minor units of %s in %s read %s', (minor, currency, locale, expected) => {
    expect(formatMoneyForCustomer(money(minor, currency), locale)).toBe(expected);
  });

  it('keeps every cent of an amount past the precision of a float', () => {
    // 9007199254740991 / 100 is not exact as a float; the decimal string is.
    expect(formatMoneyForCustomer(money(9_007_199_254_740_991, 'USD'), 'en-US')).toBe(
      '$90,071,992,547,409.91',
    );
  });

  it('falls back to en-US for a locale nobody can read', () => {
    expect(formatMoneyForCustomer(money(2000, 'USD'), 'not a locale')).toBe('$20.00');
  });
});

describe('decimalString', () => {
  it.each([
    [123450, 2, '1234.50'],
    [5, 2, '0.05'],
    [0, 2, '0.00'],
    [-5, 3, '-0.005'],
    [2000, 0, '2000'],
    [1234, 3, '1.234'],
  ])('%i with %i decimals is %s', (minor, exponent, expected) => {
    expect(decimalString(minor, exponent)).toBe(expected);
  });

  it('refuses a fractional amount', () => {
    expect(() => decimalString(1.5, 2)).toThrow(RangeError);
  });
});

describe('locale and time zone', () => {
  it('canonicalises a locale and keeps the ones Intl serves', () => {
    expect(messageLocale('de-de')).toBe('de-DE');
    expect(messageLocale('pt-BR')).toBe('pt-BR');
  });

  it.each([[''], [null], ['x y'], ['zz-ZZ']])('falls back to en-US for %j', (locale) => {
    expect(messageLocale(locale)).toBe('en-US');
  });

  it('falls back to UTC for an unknown zone', () => {
    expect(messageTimeZone('Mars/Olympus')).toBe('UTC');
    expect(messageTimeZone('Asia/Tokyo')).toBe('Asia/Tokyo');
  });

  it("dates fall on the customer's calendar day", () => {
    const lateEvening = new Date('2025-03-14T23:30:00Z');
    expect(formatDateForCustomer(lateEvening, 'en-US', 'America/New_York')).toBe('March 14, 2025');
    expect(formatDateForCustomer(lateEvening, 'de-DE', 'Europe/Berlin')).toBe('15. März 2025');
  });

  it('a deadline shows the time and the zone', () => {
    // ICU versions differ on the space before "PM"; the words are what matter.
    const shown = formatDateTimeForCustomer(
      new Date('2025-03-14T23:30:00Z'),
      'en-US',
      'America/New_York',
    );
    expect(shown.replace(/\s/g, ' ')).toBe('March 14, 2025 at 7:30 PM EDT');
  });
});
