import type { NetworkAdvice } from './advice.ts';
import type { DeclineCategory } from './categories.ts';
import { type CodeRule, codeText } from './code-table.ts';

export const STRIPE_SOURCE = 'Stripe decline codes, declines-sourced.md §1';
export const STRIPE_ADVICE_SOURCE = 'Stripe advice_code, declines-sourced.md §1';

export type StripeRule = CodeRule & {
  /** Advice carried by the code itself (duplicate_transaction: reconcile before charging again). */
  readonly advice?: NetworkAdvice;
};

const CARD_PRESENT_NOTE = 'card-present or test mode only; not expected in dunning';

// Stripe `decline_code` values: the 47 of declines-sourced.md §1, plus `card_declined` (Stripe's
// top-level error code when no decline_code is given) and `highest_risk_level` (a Radar outcome).
export const STRIPE_DECLINE_CODES: Readonly<Record<string, StripeRule>> = {
  // Lost, stolen, fraud, block-list: the sourced file's `fraud` category, hidden from the customer.
  lost_card: { category: 'hard', meaning: 'card reported lost', hideReason: true },
  stolen_card: { category: 'hard', meaning: 'card reported stolen', hideReason: true },
  pickup_card: { category: 'hard', meaning: 'issuer asks to pick up the card', hideReason: true },
  fraudulent: { category: 'hard', meaning: 'suspected fraud', hideReason: true },
  merchant_blacklist: { category: 'hard', meaning: 'on a block list', hideReason: true },
  security_violation: { category: 'hard', meaning: 'issuer security violation', hideReason: true },
  highest_risk_level: {
    category: 'hard',
    meaning: 'Radar judged the payment highest risk',
    hideReason: true,
    note: 'a Radar fraud outcome, so hidden like fraudulent',
  },
  restricted_card: {
    category: 'hard',
    meaning: 'card restricted',
    note: 'our stricter choice; Visa 62 "restricted" is network category 2',
  },
  invalid_account: { category: 'hard', meaning: 'card or account invalid' },
  not_permitted: { category: 'hard', meaning: 'payment not permitted' },
  service_not_allowed: { category: 'hard', meaning: 'service not allowed for this card' },
  transaction_not_allowed: { category: 'hard', meaning: 'transaction not allowed for this card' },
  card_not_supported: { category: 'hard', meaning: 'card does not support this purchase' },
  currency_not_supported: { category: 'hard', meaning: 'card does not support the currency' },
  revocation_of_authorization: { category: 'hard', meaning: 'cardholder revoked this merchant' },
  revocation_of_all_authorizations: {
    category: 'hard',
    meaning: 'cardholder revoked all merchants',
  },
  stop_payment_order: { category: 'hard', meaning: 'cardholder stopped this payment' },
  do_not_try_again: { category: 'hard', meaning: 'issuer says do not try again (deprecated)' },
  expired_card: { category: 'update_method', meaning: 'card expired' },
  incorrect_number: { category: 'update_method', meaning: 'card number incorrect' },
  invalid_number: { category: 'update_method', meaning: 'card number invalid' },
  incorrect_cvc: { category: 'update_method', meaning: 'CVC incorrect' },
  invalid_cvc: { category: 'update_method', meaning: 'CVC invalid' },
  invalid_expiry_month: { category: 'update_method', meaning: 'expiry month invalid' },
  invalid_expiry_year: { category: 'update_method', meaning: 'expiry year invalid' },
  incorrect_zip: { category: 'update_method', meaning: 'postal code incorrect' },
  new_account_information_available: {
    category: 'update_method',
    meaning: 'issuer has new account information',
  },
  invalid_amount: { category: 'update_method', meaning: 'amount invalid for this card' },
  authentication_required: {
    category: 'authentication_required',
    meaning: 'issuer requires authentication (SCA / 3-D Secure)',
  },
  insufficient_funds: { category: 'insufficient_funds', meaning: 'insufficient funds' },
  withdrawal_count_limit_exceeded: {
    category: 'insufficient_funds',
    meaning: 'withdrawal count limit exceeded',
  },
  card_velocity_exceeded: {
    category: 'insufficient_funds',
    meaning: 'balance, credit or amount limit exceeded',
  },
  processing_error: { category: 'temporary', meaning: 'processing error' },
  issuer_not_available: { category: 'temporary', meaning: 'issuer unreachable' },
  reenter_transaction: { category: 'temporary', meaning: 'issuer asks to re-enter' },
  approve_with_id: { category: 'temporary', meaning: 'payment could not be authorised' },
  try_again_later: { category: 'temporary', meaning: 'try again later (deprecated)' },
  generic_decline: { category: 'generic', meaning: 'generic decline (may be a Radar block)' },
  do_not_honor: { category: 'generic', meaning: 'do not honor' },
  call_issuer: { category: 'generic', meaning: 'customer should call the issuer' },
  no_action_taken: { category: 'generic', meaning: 'no action taken' },
  card_declined: {
    category: 'generic',
    meaning: 'card declined with no decline_code',
    note: "Stripe's error code, not on the decline_code list",
  },
  duplicate_transaction: {
    category: 'generic',
    meaning: 'an identical payment was just made',
    advice: { kind: 'do_not_retry', source: 'Stripe duplicate_transaction: reconcile first' },
  },
  incorrect_pin: { category: 'generic', meaning: 'PIN incorrect', note: CARD_PRESENT_NOTE },
  invalid_pin: { category: 'generic', meaning: 'PIN invalid', note: CARD_PRESENT_NOTE },
  offline_pin_required: {
    category: 'generic',
    meaning: 'offline PIN required',
    note: CARD_PRESENT_NOTE,
  },
  online_or_offline_pin_required: {
    category: 'generic',
    meaning: 'PIN required',
    note: CARD_PRESENT_NOTE,
  },
  pin_try_exceeded: {
    category: 'generic',
    meaning: 'PIN tries exceeded',
    note: CARD_PRESENT_NOTE,
  },
  testmode_decline: {
    category: 'generic',
    meaning: 'test card used in live mode',
    note: CARD_PRESENT_NOTE,
  },
};

export type StripeAdviceRule = {
  readonly meaning: string;
  readonly advice: NetworkAdvice;
  /** Set when the advice decides the category on its own. */
  readonly category?: DeclineCategory;
};

// Stripe `advice_code` (docs.stripe.com/declines/card): Stripe's summary of the network's advice.
export const STRIPE_ADVICE_CODES: Readonly<Record<string, StripeAdviceRule>> = {
  do_not_try_again: {
    meaning: 'do not try this card again',
    advice: { kind: 'do_not_retry', source: 'Stripe advice_code do_not_try_again' },
    category: 'hard',
  },
  confirm_card_data: {
    meaning: 'the card data needs confirming or updating',
    advice: { kind: 'none' },
    category: 'update_method',
  },
  try_again_later: { meaning: 'try again later (no time given)', advice: { kind: 'none' } },
};

/** Stripe codes are lowercase snake_case, so folding case and trimming cannot merge two codes. */
export function normaliseStripeCode(code: unknown): string {
  return codeText(code).toLowerCase();
}
