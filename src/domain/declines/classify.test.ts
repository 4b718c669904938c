import { describe, expect, it } from 'vitest';
import { DECLINE_CATEGORIES, type DeclineCategory } from './categories.ts';
import { classifyDecline } from './classify.ts';
import { STRIPE_DECLINE_CODES } from './stripe-codes.ts';

// The expected table, copied from reference/declines.md ("Stripe decline_code values").
const EXPECTED: Readonly<Record<DeclineCategory, readonly string[]>> = {
  hard: [
    'lost_card',
    'stolen_card',
    'pickup_card',
    'fraudulent',
    'merchant_blacklist',
    'restricted_card',
    'invalid_account',
    'do_not_try_again',
    'revocation_of_authorization',
    'revocation_of_all_authorizations',
    'stop_payment_order',
    'security_violation',
    'transaction_not_allowed',
    'not_permitted',
    'service_not_allowed',
    'card_not_supported',
    'currency_not_supported',
    'highest_risk_level',
  ],
  update_method: [
    'expired_card',
    'incorrect_number',
    'invalid_number',
    'incorrect_cvc',
    'invalid_cvc',
    'invalid_expiry_month',
    'invalid_expiry_year',
    'incorrect_zip',
    'new_account_information_available',
    'invalid_amount', // from reference/declines-sourced.md
  ],
  authentication_required: ['authentication_required'],
  insufficient_funds: [
    'insufficient_funds',
    'card_velocity_exceeded',
    'withdrawal_count_limit_exceeded',
  ],
  temporary: [
    'processing_error',
    'issuer_not_available',
    'try_again_later',
    'reenter_transaction',
    'approve_with_id',
  ],
  generic: ['generic_decline', 'do_not_honor', 'call_issuer', 'no_action_taken', 'card_declined'],
};

const expectedRows = DECLINE_CATEGORIES.flatMap((category) =>
  EXPECTED[category].map((code) => [code, category] as const),
);

describe('Stripe decline code table', () => {
  it('holds exactly the codes of reference/declines.md, each once', () => {
    expect(Object.keys(STRIPE_DECLINE_CODES).sort()).toEqual(
      expectedRows.map(([code]) => code).sort(),
    );
  });

  it('only maps to known categories', () => {
    for (const category of Object.values(STRIPE_DECLINE_CODES)) {
      expect(DECLINE_CATEGORIES).toContain(category);
    }
  });
});

describe('classifyDecline', () => {
  it.each(expectedRows)('stripe code %s is classified as %s', (code, category) => {
    const result = classifyDecline({ scheme: 'stripe', code });
    expect(result).toEqual({
      category,
      known: true,
      why: `stripe code ${code} is ${category}`,
    });
  });

  it.each(Object.entries(STRIPE_DECLINE_CODES))(
    'every code in the table (%s) classifies to its own category (%s)',
    (code, category) => {
      expect(classifyDecline({ scheme: 'stripe', code }).category).toBe(category);
    },
  );

  it.each([['some_future_code'], [''], ['LOST_CARD'], ['lost_card ']])(
    'an unknown code %j falls back to generic and is marked unknown',
    (code) => {
      const result = classifyDecline({ scheme: 'stripe', code });
      expect(result.category).toBe('generic');
      expect(result.known).toBe(false);
      expect(result.why).toBe(`stripe code ${code} is unknown; treated as generic`);
    },
  );

  // Gateway codes are free strings: a code named like an Object.prototype member stays unknown.
  it.each([['toString'], ['constructor'], ['hasOwnProperty'], ['__proto__']])(
    'a code named like an object built-in (%j) is unknown and generic',
    (code) => {
      const result = classifyDecline({ scheme: 'stripe', code });
      expect(result.category).toBe('generic');
      expect(result.known).toBe(false);
    },
  );
});
