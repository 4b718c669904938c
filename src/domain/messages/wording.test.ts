import { describe, expect, it } from 'vitest';
import { MESSAGE_INTENTS } from '../case/message-intent.ts';
import { DECLINE_CATEGORIES } from '../declines/categories.ts';
import {
  actionFor,
  cardExpiry,
  describeMethod,
  failureSubject,
  isExpired,
  maskedNumber,
  type PaymentMethodFacts,
  reasonForDecline,
} from './wording.ts';

const AT = new Date('2025-03-14T15:00:00Z');
const visa: PaymentMethodFacts = {
  type: 'card',
  brand: 'visa',
  last4: '4242',
  expMonth: 8,
  expYear: 2031,
};
const expiredVisa: PaymentMethodFacts = { ...visa, expMonth: 2, expYear: 2025 };
const ach: PaymentMethodFacts = {
  type: 'ach',
  brand: null,
  last4: '6789',
  expMonth: null,
  expYear: null,
};
const payLink: PaymentMethodFacts = {
  type: 'pay_link',
  brand: null,
  last4: null,
  expMonth: null,
  expYear: null,
};

describe('reason_for_decline', () => {
  it.each([
    ['hard', 'Your bank declined the payment.'],
    ['generic', 'Your bank declined the payment.'],
    ['update_method', "Your bank couldn't accept the card details we have on file."],
    [
      'authentication_required',
      'Your bank needs you to confirm this payment before it can go through.',
    ],
    [
      'insufficient_funds',
      'Your bank declined the payment, which can happen when the available balance or credit limit is too low.',
    ],
    ['temporary', "Your bank couldn't process the payment because of a temporary problem."],
  ] as const)('a %s decline on a card reads "%s"', (category, words) => {
    expect(reasonForDecline({ category, hideReason: false }, visa, AT)).toBe(words);
  });

  it('a hidden reason (lost, stolen, fraud) only ever says the payment was declined', () => {
    for (const category of DECLINE_CATEGORIES) {
      const words = reasonForDecline({ category, hideReason: true }, visa, AT);
      expect(words).toBe('Your bank declined the payment.');
    }
  });

  it('no category at all never invents one', () => {
    expect(reasonForDecline({ category: null, hideReason: false }, visa, AT)).toBe(
      "The payment didn't go through.",
    );
  });

  it('an expired card says so', () => {
    expect(
      reasonForDecline({ category: 'update_method', hideReason: false }, expiredVisa, AT),
    ).toBe('The card we have on file has expired.');
  });

  it('bank debits are returned, not declined', () => {
    expect(reasonForDecline({ category: 'generic', hideReason: false }, ach, AT)).toBe(
      'Your bank returned the payment.',
    );
  });

  it('a pay link was never charged: the payment is simply not there yet', () => {
    expect(reasonForDecline({ category: null, hideReason: false }, payLink, AT)).toBe(
      "We haven't received this payment yet.",
    );
  });

  it('no wording ever names lost, stolen or fraud', () => {
    for (const category of DECLINE_CATEGORIES)
      for (const hideReason of [true, false])
        for (const method of [visa, expiredVisa, ach, payLink, null])
          expect(reasonForDecline({ category, hideReason }, method, AT)).not.toMatch(
            /lost|stolen|fraud|pick ?up|block/i,
          );
  });
});

describe('action for the intent', () => {
  const base = { method: visa, nextRetryDate: null, amountDue: '$29.00', hasLink: true };

  it('a hard decline asks for a new card, not an update', () => {
    const action = actionFor({ ...base, intent: 'new_payment_method' });
    expect(action.text).toMatch(/add a new card/i);
    expect(action.label).toBe('Add a new card');
    expect(action.text).not.toMatch(/update your card/i);
  });

  it('SCA asks the customer to confirm the payment with their bank', () => {
    const action = actionFor({ ...base, intent: 'authenticate' });
    expect(action.text).toMatch(/confirm the payment with your bank/i);
    expect(action.label).toBe('Confirm the payment');
    expect(action.text).not.toMatch(/update|new card/i);
  });

  it('an expired or mistyped card asks for its details to be updated', () => {
    const action = actionFor({ ...base, intent: 'update_payment_method' });
    expect(action.text).toMatch(/update your card details/i);
    expect(action.label).toBe('Update your card');
  });

  it('a soft failure says when we try again', () => {
    const action = actionFor({
      ...base,
      intent: 'payment_failed',
      nextRetryDate: 'March 17, 2025',
    });
    expect(action.text).toContain("We'll try again on March 17, 2025.");
  });

  it('a bank account is asked for a new method, not a card', () => {
    const action = actionFor({ ...base, method: ach, intent: 'new_payment_method' });
    expect(action.text).toMatch(/add a new bank account or card/i);
    expect(action.label).toBe('Add a new payment method');
  });

  it('a pay link asks for the payment, whatever the intent', () => {
    for (const intent of MESSAGE_INTENTS) {
      expect(actionFor({ ...base, method: payLink, intent })).toEqual({
        text: 'Please pay $29.00 using the secure link.',
        label: 'Pay now',
      });
    }
  });

  it('without a link the words do not point at one', () => {
    const action = actionFor({ ...base, intent: 'authenticate', hasLink: false });
    expect(action.text).not.toMatch(/link/);
  });
});

describe('failure_subject', () => {
  it.each([
    ['new_payment_method', 'Please add a new card for Pro plan'],
    ['authenticate', 'Please confirm your payment for Pro plan'],
    ['update_payment_method', 'Please update your card for Pro plan'],
    ['payment_failed', "Your payment for Pro plan didn't go through"],
  ] as const)('%s: %s', (intent, subject) => {
    expect(failureSubject(intent, visa, 'Pro plan')).toBe(subject);
  });

  it('a pay link is due, not failed', () => {
    expect(failureSubject('payment_failed', payLink, 'Pro plan')).toBe(
      'Your payment for Pro plan is due',
    );
  });
});

describe('the method on file', () => {
  it('shows only the last digits', () => {
    expect(maskedNumber(visa)).toBe('•••• 4242');
    expect(maskedNumber(payLink)).toBeNull();
    expect(maskedNumber({ ...visa, last4: '4242424242424242' })).toBeNull();
  });

  it('names the brand or the account', () => {
    expect(describeMethod(visa)).toBe('Visa ending in 4242');
    expect(describeMethod({ ...visa, brand: 'mastercard', last4: '4444' })).toBe(
      'Mastercard ending in 4444',
    );
    expect(describeMethod(ach)).toBe('bank account ending in 6789');
    expect(describeMethod(payLink)).toBeNull();
  });

  it('expires after the last day of its month', () => {
    expect(cardExpiry(visa)).toBe('08/2031');
    expect(isExpired(expiredVisa, new Date('2025-02-28T23:59:59Z'))).toBe(false);
    expect(isExpired(expiredVisa, new Date('2025-03-01T00:00:00Z'))).toBe(true);
  });
});
