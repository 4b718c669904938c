// Money, rates and times for people. Money arrives as integer minor units with its currency and is
// formatted with Intl for that currency (0, 2 or 3 decimals) without going through a float.

const locale = navigator.language || 'en-US';
const moneyFormats = new Map();

function moneyFormat(currency) {
  let f = moneyFormats.get(currency);
  if (!f) {
    f = new Intl.NumberFormat(locale, { style: 'currency', currency });
    moneyFormats.set(currency, f);
  }
  return f;
}

/** Decimal digits of a currency's minor unit (JPY 0, USD 2, KWD 3). */
export function currencyDigits(currency) {
  return moneyFormat(currency).resolvedOptions().maximumFractionDigits ?? 2;
}

/** 123456 USD -> "$1,234.56". The decimal string keeps large amounts exact. */
export function money(minor, currency) {
  if (minor === null || minor === undefined || !currency) return '—';
  return moneyFormat(currency).format(minorToDecimal(minor, currency));
}

/** For chart axes only: an amount already in major units (a float is fine for drawing). */
export function moneyMajor(major, currency) {
  if (major === null || major === undefined || !currency) return '—';
  return moneyFormat(currency).format(major);
}

/** Minor units to a plain number of major units, for drawing charts (never for sums). */
export function toMajor(minor, currency) {
  return minor / 10 ** currencyDigits(currency);
}

export function minorToDecimal(minor, currency) {
  const digits = currencyDigits(currency);
  const negative = minor < 0;
  const s = String(Math.abs(Math.trunc(minor))).padStart(digits + 1, '0');
  const whole = digits ? s.slice(0, -digits) : s;
  const frac = digits ? `.${s.slice(-digits)}` : '';
  return `${negative ? '-' : ''}${whole}${frac}`;
}

/** "12.34" in a currency's major unit -> 1234 minor units; null when it is not an amount. */
export function decimalToMinor(text, currency) {
  const digits = currencyDigits(currency);
  const m = /^\s*(\d+)(?:[.,](\d*))?\s*$/.exec(text ?? '');
  if (!m) return null;
  const frac = (m[2] ?? '').padEnd(digits, '0');
  if (frac.length > digits) return null;
  return Number(m[1]) * 10 ** digits + (digits ? Number(frac) : 0);
}

const percentFormat = new Intl.NumberFormat(locale, {
  style: 'percent',
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

/** A ratio 0..1 -> "42.5%". */
export function percent(ratio) {
  if (ratio === null || ratio === undefined || Number.isNaN(ratio)) return '—';
  return percentFormat.format(ratio);
}

const integerFormat = new Intl.NumberFormat(locale);
export function count(n) {
  return n === null || n === undefined ? '—' : integerFormat.format(n);
}

// Business time is shown in UTC, as the test clock and the API keep it.
const dateTimeFormat = new Intl.DateTimeFormat(locale, {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});
const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });

export function dateTime(iso) {
  if (!iso) return '—';
  return `${dateTimeFormat.format(new Date(iso))} UTC`;
}

export function date(iso) {
  if (!iso) return '—';
  return dateFormat.format(new Date(iso));
}

/** YYYY-MM-DD of a Date, in UTC (what <input type=date> holds). */
export function isoDay(d) {
  return new Date(d).toISOString().slice(0, 10);
}

export function addDays(d, days) {
  return new Date(new Date(d).getTime() + days * 86_400_000);
}

/** Whole days between two instants, rounded down. */
export function daysBetween(from, to) {
  return Math.floor((new Date(to).getTime() - new Date(from).getTime()) / 86_400_000);
}

/** snake_case -> "Snake case" for codes shown to people. */
export function humanize(code) {
  if (!code) return '—';
  const s = String(code).replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}
