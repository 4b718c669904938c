import { describe, expect, it } from 'vitest';
import type { DeclineCategory } from './categories.ts';
import { classifyDecline } from './classify.ts';
import { STRIPE_ADVICE_CODES, STRIPE_DECLINE_CODES } from './stripe-codes.ts';

// reference/declines.md, "Stripe decline_code values": every code it lists.
const DECLINES_MD = [
  ...['lost_card', 'stolen_card', 'pickup_card', 'fraudulent', 'merchant_blacklist'],
  ...['restricted_card', 'invalid_account', 'do_not_try_again', 'revocation_of_authorization'],
  ...['revocation_of_all_authorizations', 'stop_payment_order', 'security_violation'],
  ...['transaction_not_allowed', 'not_permitted', 'service_not_allowed', 'card_not_supported'],
  ...['currency_not_supported', 'highest_risk_level', 'expired_card', 'incorrect_number'],
  ...['invalid_number', 'incorrect_cvc', 'invalid_cvc', 'invalid_expiry_month'],
  ...['invalid_expiry_year', 'incorrect_zip', 'new_account_information_available'],
  ...['authentication_required', 'insufficient_funds', 'card_velocity_exceeded'],
  ...['withdrawal_count_limit_exceeded', 'processing_error', 'issuer_not_available'],
  ...['try_again_later', 'reenter_transaction', 'approve_with_id', 'generic_decline'],
  ...['do_not_honor', 'call_issuer', 'no_action_taken', 'card_declined'],
];

// reference/declines-sourced.md §1: "Every decline_code on Stripe's list (47 codes)".
const SOURCED_47 = [
  ...['insufficient_funds', 'withdrawal_count_limit_exceeded', 'card_velocity_exceeded'],
  ...['processing_error', 'issuer_not_available', 'reenter_transaction', 'approve_with_id'],
  ...['try_again_later', 'do_not_honor', 'generic_decline', 'call_issuer', 'no_action_taken'],
  ...['expired_card', 'incorrect_number', 'invalid_number', 'incorrect_cvc', 'invalid_cvc'],
  ...['invalid_expiry_month', 'invalid_expiry_year', 'incorrect_zip'],
  ...['new_account_information_available', 'invalid_amount', 'card_not_supported'],
  ...['currency_not_supported', 'invalid_account', 'not_permitted', 'service_not_allowed'],
  ...['transaction_not_allowed', 'restricted_card', 'revocation_of_authorization'],
  ...['revocation_of_all_authorizations', 'stop_payment_order', 'do_not_try_again'],
  ...['lost_card', 'stolen_card', 'pickup_card', 'fraudulent', 'merchant_blacklist'],
  ...['security_violation', 'authentication_required', 'duplicate_transaction', 'incorrect_pin'],
  ...['invalid_pin', 'offline_pin_required', 'online_or_offline_pin_required'],
  ...['pin_try_exceeded', 'testmode_decline'],
];

type Row = readonly [code: string, category: DeclineCategory, hideReason: boolean];

const HIDDEN = true;
const SHOWN = false;

// One row per code of both files, with our category; the sourced file's `fraud` is hard + hidden.
const ROWS: readonly Row[] = [
  ['lost_card', 'hard', HIDDEN],
  ['stolen_card', 'hard', HIDDEN],
  ['pickup_card', 'hard', HIDDEN],
  ['fraudulent', 'hard', HIDDEN],
  ['merchant_blacklist', 'hard', HIDDEN],
  ['security_violation', 'hard', HIDDEN],
  ['highest_risk_level', 'hard', HIDDEN],
  ['restricted_card', 'hard', SHOWN],
  ['invalid_account', 'hard', SHOWN],
  ['do_not_try_again', 'hard', SHOWN],
  ['revocation_of_authorization', 'hard', SHOWN],
  ['revocation_of_all_authorizations', 'hard', SHOWN],
  ['stop_payment_order', 'hard', SHOWN],
  ['transaction_not_allowed', 'hard', SHOWN],
  ['not_permitted', 'hard', SHOWN],
  ['service_not_allowed', 'hard', SHOWN],
  ['card_not_supported', 'hard', SHOWN],
  ['currency_not_supported', 'hard', SHOWN],
  ['expired_card', 'update_method', SHOWN],
  ['incorrect_number', 'update_method', SHOWN],
  ['invalid_number', 'update_method', SHOWN],
  ['incorrect_cvc', 'update_method', SHOWN],
  ['invalid_cvc', 'update_method', SHOWN],
  ['invalid_expiry_month', 'update_method', SHOWN],
  ['invalid_expiry_year', 'update_method', SHOWN],
  ['incorrect_zip', 'update_method', SHOWN],
  ['new_account_information_available', 'update_method', SHOWN],
  ['invalid_amount', 'update_method', SHOWN],
  ['authentication_required', 'authentication_required', SHOWN],
  ['insufficient_funds', 'insufficient_funds', SHOWN],
  ['card_velocity_exceeded', 'insufficient_funds', SHOWN],
  ['withdrawal_count_limit_exceeded', 'insufficient_funds', SHOWN],
  ['processing_error', 'temporary', SHOWN],
  ['issuer_not_available', 'temporary', SHOWN],
  ['try_again_later', 'temporary', SHOWN],
  ['reenter_transaction', 'temporary', SHOWN],
  ['approve_with_id', 'temporary', SHOWN],
  ['generic_decline', 'generic', SHOWN],
  ['do_not_honor', 'generic', SHOWN],
  ['call_issuer', 'generic', SHOWN],
  ['no_action_taken', 'generic', SHOWN],
  ['card_declined', 'generic', SHOWN],
  ['duplicate_transaction', 'generic', SHOWN],
  // Card-present or test mode only: generic, with a note.
  ['incorrect_pin', 'generic', SHOWN],
  ['invalid_pin', 'generic', SHOWN],
  ['offline_pin_required', 'generic', SHOWN],
  ['online_or_offline_pin_required', 'generic', SHOWN],
  ['pin_try_exceeded', 'generic', SHOWN],
  ['testmode_decline', 'generic', SHOWN],
];

describe('Stripe decline_code table', () => {
  it('holds every code of declines.md and all 47 of declines-sourced.md, and nothing else', () => {
    const union = [...new Set([...DECLINES_MD, ...SOURCED_47])].sort();
    expect(SOURCED_47).toHaveLength(47);
    expect(Object.keys(STRIPE_DECLINE_CODES).sort()).toEqual(union);
    expect(ROWS.map(([code]) => code).sort()).toEqual(union);
  });

  it.each(ROWS)('Stripe %s is %s (reason hidden from the customer: %s)', (code, category, hide) => {
    expect(classifyDecline({ scheme: 'stripe', code })).toMatchObject({
      category,
      known: true,
      hideReasonFromCustomer: hide,
      visaCategory: null,
      maxRepresentments: null,
      representmentWindowDays: null,
    });
  });

  it.each(['incorrect_pin', 'invalid_pin', 'offline_pin_required', 'testmode_decline'])(
    'card-present or test-only code %s says so in its why',
    (code) => {
      expect(classifyDecline({ scheme: 'stripe', code }).why).toContain('card-present or test');
    },
  );

  it('duplicate_transaction is not retried before the payments are reconciled', () => {
    expect(classifyDecline({ scheme: 'stripe', code: 'duplicate_transaction' }).advice).toEqual({
      kind: 'do_not_retry',
      source: 'Stripe duplicate_transaction: reconcile first',
    });
  });

  it.each(ROWS.filter(([code]) => code !== 'duplicate_transaction'))(
    'Stripe %s carries no network advice of its own',
    (code) => {
      expect(classifyDecline({ scheme: 'stripe', code }).advice).toEqual({ kind: 'none' });
    },
  );

  it('the why names the table, the code, the category and the source', () => {
    expect(classifyDecline({ scheme: 'stripe', code: 'expired_card' }).why).toBe(
      'Stripe decline_code expired_card (card expired) → update_method [Stripe decline codes, declines-sourced.md §1]',
    );
  });

  it.each([
    ['LOST_CARD', 'hard'],
    ['  expired_card\n', 'update_method'],
    ['Insufficient_Funds', 'insufficient_funds'],
  ] as const)(
    'a code with other case or spaces (%j) is read as the code it is',
    (code, category) => {
      expect(classifyDecline({ scheme: 'stripe', code })).toMatchObject({ category, known: true });
    },
  );

  it.each([['some_future_code'], [''], ['lost card'], ['lost-card']])(
    'an unknown Stripe code %j is generic and marked unknown',
    (code) => {
      const result = classifyDecline({ scheme: 'stripe', code });
      expect(result).toMatchObject({ category: 'generic', known: false, advice: { kind: 'none' } });
      expect(result.why).toBe(
        `Stripe decline_code ${JSON.stringify(code.trim())} is not in our table → generic`,
      );
    },
  );
});

describe('Stripe advice_code', () => {
  it('holds the three values Stripe documents', () => {
    expect(Object.keys(STRIPE_ADVICE_CODES).sort()).toEqual([
      'confirm_card_data',
      'do_not_try_again',
      'try_again_later',
    ]);
  });

  it.each([
    [
      'do_not_try_again',
      'hard',
      { kind: 'do_not_retry', source: 'Stripe advice_code do_not_try_again' },
    ],
    ['confirm_card_data', 'update_method', { kind: 'none' }],
    ['try_again_later', 'generic', { kind: 'none' }],
  ] as const)(
    'on a generic decline, advice_code %s gives %s and %j',
    (adviceCode, category, advice) => {
      expect(
        classifyDecline({ scheme: 'stripe', code: 'generic_decline', adviceCode }),
      ).toMatchObject({ category, advice, known: true });
    },
  );

  it('an insufficient-funds decline Stripe says not to try again is not retried', () => {
    expect(
      classifyDecline({
        scheme: 'stripe',
        code: 'insufficient_funds',
        adviceCode: 'do_not_try_again',
      }),
    ).toMatchObject({ category: 'hard', advice: { kind: 'do_not_retry' } });
  });

  it.each([['retry_someday'], ['constructor'], ['__proto__']])(
    'an unknown advice_code %j is ignored and said so',
    (adviceCode) => {
      const result = classifyDecline({ scheme: 'stripe', code: 'insufficient_funds', adviceCode });
      expect(result).toMatchObject({ category: 'insufficient_funds', advice: { kind: 'none' } });
      expect(result.why).toContain('is not in our table; ignored');
    },
  );
});
