import type { NetworkAdvice } from './advice.ts';
import type { DeclineCategory } from './categories.ts';
import { codeText, DAY_MS, HOUR_MS } from './code-table.ts';
import type { CardNetwork } from './iso8583.ts';

export const MAC_SOURCE = 'Mastercard merchant advice codes, declines-sourced.md §3';

export type MacRule = {
  readonly meaning: string;
  readonly advice: NetworkAdvice;
  /** Set when the advice decides the category (MAC 01 → update_method, MAC 03/21 → hard). */
  readonly category?: DeclineCategory;
  readonly hideReason?: boolean;
  readonly note?: string;
};

const NONE: NetworkAdvice = { kind: 'none' };

function doNotRetry(mac: string): NetworkAdvice {
  return { kind: 'do_not_retry', source: `Mastercard MAC ${mac}` };
}

function retryAfter(mac: string, afterMs: number): NetworkAdvice {
  return { kind: 'retry_after', afterMs, source: `Mastercard MAC ${mac}` };
}

// Merchant advice codes (DE48 SE84). No rule here makes a decline retryable: a category set
// here is always one that waits for a new or updated payment method.
export const MASTERCARD_ADVICE_CODES: Readonly<Record<string, MacRule>> = {
  '01': {
    meaning: 'new account information available',
    advice: doNotRetry('01'),
    category: 'update_method',
    note: 'query the card updater (ABU) or ask the customer',
  },
  '02': {
    meaning: 'cannot approve now, try later',
    advice: retryAfter('02', 72 * HOUR_MS),
    note: 'Mastercard names no time; 72 h is what gateways (Everonet) advise',
  },
  '03': { meaning: 'do not try again', advice: doNotRetry('03'), category: 'hard' },
  '04': {
    meaning: 'token requirements not fulfilled',
    advice: doNotRetry('04'),
    category: 'update_method',
    note: 'fix the token or credential; no blind retry',
  },
  '05': { meaning: 'negotiated value not approved', advice: NONE, note: 'n/a to dunning' },
  '21': {
    meaning: 'payment cancellation: cardholder stopped the recurring payment',
    advice: doNotRetry('21'),
    category: 'hard',
  },
  '22': {
    meaning: 'merchant does not qualify for product code',
    advice: doNotRetry('22'),
    category: 'hard',
    note: 'no retry as is; another card may work',
  },
  '24': { meaning: 'retry after 1 hour', advice: retryAfter('24', HOUR_MS) },
  '25': { meaning: 'retry after 24 hours', advice: retryAfter('25', 24 * HOUR_MS) },
  '26': { meaning: 'retry after 2 days', advice: retryAfter('26', 2 * DAY_MS) },
  '27': { meaning: 'retry after 4 days', advice: retryAfter('27', 4 * DAY_MS) },
  '28': { meaning: 'retry after 6 days', advice: retryAfter('28', 6 * DAY_MS) },
  '29': { meaning: 'retry after 8 days', advice: retryAfter('29', 8 * DAY_MS) },
  '30': { meaning: 'retry after 10 days', advice: retryAfter('30', 10 * DAY_MS) },
  '40': { meaning: 'non-reloadable prepaid card', advice: NONE },
  '41': {
    meaning: 'single-use virtual card number',
    advice: doNotRetry('41'),
    category: 'hard',
    note: 'a single-use card will not work again',
  },
  '42': { meaning: 'sanctions score', advice: NONE, note: 'listed by Cybersource only' },
  '43': { meaning: 'multi-use virtual card number', advice: NONE },
  '99': {
    meaning: 'do not try again',
    advice: doNotRetry('99'),
    category: 'hard',
    note: 'listed by Cybersource only',
  },
};

export type MacComboRule = {
  readonly meaning: string;
  readonly category: DeclineCategory;
  /** Replaces the MAC's own advice when the pair means something else. */
  readonly advice?: NetworkAdvice;
  readonly hideReason?: boolean;
};

// Mastercard response code + MAC pairs whose meaning differs from the MAC alone, keyed 'code+MAC'
// (declines-sourced.md §3, "79/82/83 response codes"); 79/82 + 01/03 follow the MAC alone.
export const MASTERCARD_CODE_WITH_ADVICE: Readonly<Record<string, MacComboRule>> = {
  '83+01': {
    meaning: 'security: retry with 3-D Secure',
    category: 'authentication_required',
    advice: NONE,
  },
  '83+03': { meaning: 'suspected fraud: stop', category: 'hard', hideReason: true },
};

/** MACs are two digits; a lone digit lost its leading zero on the way ('3' is '03'). */
export function normaliseAdviceCode(code: unknown): string {
  const text = codeText(code).toUpperCase();
  return /^\d$/.test(text) ? `0${text}` : text;
}

/**
 * MACs are Mastercard's. A Stripe decline with no network named is read as Mastercard too, since
 * that is where Stripe's network_advice_code comes from, and ignoring a MAC 03 costs fees.
 */
export function macAppliesTo(network: CardNetwork | undefined): boolean {
  return network === undefined || network === 'mastercard';
}
