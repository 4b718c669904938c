// Amounts and dates as the customer reads them: in their locale and, for dates, their time zone.
// Intl does the formatting; the digits after the decimal point come from ISO 4217 (money.ts), not
// from Intl's own table, so a KWD amount always shows its 3 decimals and a JPY amount none.
import { currencyExponent, type Money } from '../money.ts';

export const FALLBACK_LOCALE = 'en-US';

/** The customer's locale if Intl knows it, else en-US: a bad stored value must not stop a message. */
export function messageLocale(locale: string | null | undefined): string {
  if (!locale) return FALLBACK_LOCALE;
  try {
    const [canonical] = Intl.getCanonicalLocales(locale);
    if (!canonical) return FALLBACK_LOCALE;
    // A well-formed tag Intl cannot serve (e.g. "zz-ZZ") resolves to the runtime default; keep ours.
    const supported = Intl.NumberFormat.supportedLocalesOf([canonical]);
    return supported[0] ?? FALLBACK_LOCALE;
  } catch {
    return FALLBACK_LOCALE;
  }
}

/** An IANA zone Intl accepts, else UTC. */
export function messageTimeZone(zone: string | null | undefined): string {
  if (!zone) return 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    return 'UTC';
  }
}

/**
 * "$1,234.50", "1.234,50 €", "¥2,000", "KWD 1.234". The amount goes to Intl as an exact decimal
 * string built from the integer, so no float ever touches the money.
 */
export function formatMoneyForCustomer(amount: Money, locale: string): string {
  const exponent = currencyExponent(amount.currency);
  const formatter = new Intl.NumberFormat(messageLocale(locale), {
    style: 'currency',
    currency: amount.currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  });
  return formatter.format(decimalString(amount.amountMinor, exponent) as `${number}`);
}

/** 123450 with exponent 2 → "1234.50"; -5 with exponent 3 → "-0.005". */
export function decimalString(amountMinor: number, exponent: number): string {
  if (!Number.isSafeInteger(amountMinor))
    throw new RangeError(`not an integer amount: ${amountMinor}`);
  const sign = amountMinor < 0 ? '-' : '';
  const digits = String(Math.abs(amountMinor));
  if (exponent === 0) return `${sign}${digits}`;
  const padded = digits.padStart(exponent + 1, '0');
  return `${sign}${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
}

/** "March 14, 2025" / "14. März 2025", on the customer's calendar day. */
export function formatDateForCustomer(at: Date, locale: string, timeZone: string): string {
  return new Intl.DateTimeFormat(messageLocale(locale), {
    dateStyle: 'long',
    timeZone: messageTimeZone(timeZone),
  }).format(at);
}

/** "March 14, 2025 at 7:30 PM EDT": for deadlines measured in hours, such as a link's expiry. */
export function formatDateTimeForCustomer(at: Date, locale: string, timeZone: string): string {
  return new Intl.DateTimeFormat(messageLocale(locale), {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
    timeZone: messageTimeZone(timeZone),
  }).format(at);
}
