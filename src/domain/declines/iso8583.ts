import { type CodeRule, codeText, findRule } from './code-table.ts';

export type CardNetwork = 'visa' | 'mastercard' | 'amex' | 'discover' | 'other';

/** Visa's decline categories ("Excessive Reattempts"): 1 never, 2 not now, 3 fix data, 4 generic. */
export type VisaCategory = 1 | 2 | 3 | 4;

export type IsoRule = CodeRule & {
  /** Visa's category for this code; only reported for Visa declines. */
  readonly visaCategory: VisaCategory;
};

export const ISO_SOURCE =
  'ISO 8583 codes with Visa categories, declines-sourced.md §2, declines.md';
export const MASTERCARD_CODES_SOURCE = 'Mastercard response codes, declines-sourced.md §3–4';

// ISO 8583 response codes (field 39) with Visa's meaning and category, current lists (2022–2026).
// Codes meaning the same as a Stripe code get that code's category (62 restricted → hard,
// 13 invalid amount and 14 invalid number → update_method), so both tables agree.
export const ISO_RESPONSE_CODES: Readonly<Record<string, IsoRule>> = {
  // Category 1: the issuer will never approve; any reattempt on this credential is charged.
  '04': { category: 'hard', visaCategory: 1, meaning: 'pick up card', hideReason: true },
  '07': {
    category: 'hard',
    visaCategory: 1,
    meaning: 'pick up card, special conditions',
    hideReason: true,
  },
  '12': { category: 'hard', visaCategory: 1, meaning: 'invalid transaction' },
  '14': {
    category: 'update_method',
    visaCategory: 1,
    meaning: 'invalid card number',
    note: 'declines.md allows hard or update_method; update_method matches Stripe incorrect_number',
  },
  '15': { category: 'hard', visaCategory: 1, meaning: 'no such issuer' },
  '41': { category: 'hard', visaCategory: 1, meaning: 'lost card', hideReason: true },
  '43': { category: 'hard', visaCategory: 1, meaning: 'stolen card', hideReason: true },
  '46': {
    category: 'hard',
    visaCategory: 1,
    meaning: 'closed account (or deactivated token)',
  },
  '57': {
    category: 'hard',
    visaCategory: 1,
    meaning: 'transaction not permitted to cardholder',
    note: 'unverified: the VisaNet transcription marks it switch-only',
  },
  R0: { category: 'hard', visaCategory: 1, meaning: 'stop payment order' },
  R1: { category: 'hard', visaCategory: 1, meaning: 'revocation of authorization' },
  R3: { category: 'hard', visaCategory: 1, meaning: 'revocation of all authorizations' },
  // Category 2: cannot approve now; retries capped (15 in 30 days by default).
  '03': { category: 'generic', visaCategory: 2, meaning: 'invalid merchant' },
  '19': { category: 'temporary', visaCategory: 2, meaning: 're-enter transaction' },
  '39': { category: 'generic', visaCategory: 2, meaning: 'no credit account' },
  '51': { category: 'insufficient_funds', visaCategory: 2, meaning: 'insufficient funds' },
  '52': { category: 'generic', visaCategory: 2, meaning: 'no checking account' },
  '53': { category: 'generic', visaCategory: 2, meaning: 'no savings account' },
  '59': {
    category: 'generic',
    visaCategory: 2,
    meaning: 'suspected fraud',
    hideReason: true,
    note: 'declines.md: generic with a low retry budget',
  },
  '61': { category: 'insufficient_funds', visaCategory: 2, meaning: 'exceeds amount limit' },
  '62': {
    category: 'hard',
    visaCategory: 2,
    meaning: 'restricted card',
    note: 'our stricter choice, as for Stripe restricted_card',
  },
  '65': { category: 'insufficient_funds', visaCategory: 2, meaning: 'exceeds frequency limit' },
  '75': { category: 'generic', visaCategory: 2, meaning: 'PIN tries exceeded' },
  '78': { category: 'generic', visaCategory: 2, meaning: 'blocked, first use' },
  '83': {
    category: 'generic',
    visaCategory: 2,
    meaning: 'fraud / security',
    hideReason: true,
    note: 'category 2 from Jul or Oct 2026 (sources disagree on the date)',
  },
  '86': { category: 'generic', visaCategory: 2, meaning: 'cannot verify PIN' },
  '91': { category: 'temporary', visaCategory: 2, meaning: 'issuer or switch inoperative' },
  '93': { category: 'generic', visaCategory: 2, meaning: 'cannot be completed, violation of law' },
  '96': { category: 'temporary', visaCategory: 2, meaning: 'system malfunction' },
  N3: { category: 'temporary', visaCategory: 2, meaning: 'cash service not available' },
  N4: { category: 'temporary', visaCategory: 2, meaning: 'cash request exceeds issuer limit' },
  '5C': { category: 'generic', visaCategory: 2, meaning: 'blocked by an issuer rule' },
  '9G': { category: 'generic', visaCategory: 2, meaning: 'blocked by the cardholder' },
  Z5: {
    category: 'generic',
    visaCategory: 2,
    meaning: 'declined by the switch',
    note: 'unverified',
  },
  Z6: {
    category: 'generic',
    visaCategory: 2,
    meaning: 'declined by the switch',
    note: 'unverified',
  },
  // Category 3: data quality; retry only with corrected data.
  '54': { category: 'update_method', visaCategory: 3, meaning: 'expired card' },
  '55': { category: 'update_method', visaCategory: 3, meaning: 'incorrect PIN' },
  '6P': { category: 'update_method', visaCategory: 3, meaning: 'verification data failed' },
  '82': { category: 'update_method', visaCategory: 3, meaning: 'negative CVV or CAM results' },
  N7: { category: 'update_method', visaCategory: 3, meaning: 'CVV2 failure' },
  '1A': {
    category: 'authentication_required',
    visaCategory: 3,
    meaning: 'additional customer authentication required (SCA)',
    note: 'category 3 per VisaNet; one source says 4 outside Europe/CEMEA',
  },
  '70': {
    category: 'generic',
    visaCategory: 3,
    meaning: 'PIN data required',
    note: 'card-present; category 3 per VisaNet, 4 per one source',
  },
  // Category 4: generic; the examples the references list (every unlisted Visa code is 4 too).
  '01': { category: 'generic', visaCategory: 4, meaning: 'refer to card issuer' },
  '02': {
    category: 'generic',
    visaCategory: 4,
    meaning: 'refer to card issuer, special condition',
  },
  '05': { category: 'generic', visaCategory: 4, meaning: 'do not honor' },
  '06': { category: 'generic', visaCategory: 4, meaning: 'error' },
  '13': {
    category: 'update_method',
    visaCategory: 4,
    meaning: 'invalid amount',
    note: 'as Stripe invalid_amount (declines-sourced.md §1)',
  },
  '58': { category: 'generic', visaCategory: 4, meaning: 'transaction not permitted to terminal' },
  '64': { category: 'generic', visaCategory: 4, meaning: 'amount or AML requirement not met' },
  '79': { category: 'generic', visaCategory: 4, meaning: 'already reversed / life cycle' },
  '80': { category: 'generic', visaCategory: 4, meaning: 'no financial impact' },
  '81': { category: 'generic', visaCategory: 4, meaning: 'PIN cryptographic error' },
  N0: { category: 'generic', visaCategory: 4, meaning: 'force STIP' },
  Z3: { category: 'generic', visaCategory: 4, meaning: 'unable to go online; declined offline' },
};

// Where Mastercard's meaning differs from Visa's; other codes read as in the table above.
export const MASTERCARD_RESPONSE_CODES: Readonly<Record<string, CodeRule>> = {
  '65': {
    category: 'authentication_required',
    meaning: 'authentication required (PSD2 soft decline)',
    note: 'declines-sourced.md §3–4: Mastercard 65 → on-session flow',
  },
  '79': { category: 'generic', meaning: 'life cycle, card not present' },
  '82': { category: 'generic', meaning: 'policy, card not present' },
  '83': { category: 'generic', meaning: 'security, card not present' },
};

/**
 * Field 39 codes are two uppercase alphanumerics, so '1a' is '1A' and a lone digit is a code that
 * lost its leading zero on the way ('5' is '05'). Longer strings are left alone and stay unknown.
 */
export function normaliseIsoCode(code: unknown): string {
  const text = codeText(code).toUpperCase();
  return /^\d$/.test(text) ? `0${text}` : text;
}

export type IsoLookup = {
  readonly code: string;
  readonly rule: CodeRule | undefined;
  readonly source: string;
  readonly visaCategory: VisaCategory | null;
};

/** A raw response code read for its network; Visa counts every unlisted decline as category 4. */
export function lookupIsoCode(code: unknown, network: CardNetwork | undefined): IsoLookup {
  const normal = normaliseIsoCode(code);
  const iso = findRule(ISO_RESPONSE_CODES, normal);
  const mastercard =
    network === 'mastercard' ? findRule(MASTERCARD_RESPONSE_CODES, normal) : undefined;
  return {
    code: normal,
    rule: mastercard ?? iso,
    source: mastercard ? MASTERCARD_CODES_SOURCE : ISO_SOURCE,
    visaCategory: network === 'visa' ? (iso?.visaCategory ?? 4) : null,
  };
}
