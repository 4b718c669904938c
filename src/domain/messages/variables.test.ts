import { describe, expect, it } from 'vitest';
import { sampleFacts, sparseSampleFacts } from './sample.ts';
import { buildMessageVariables, type MessageFacts, VARIABLE_NAMES } from './variables.ts';

const AT = new Date('2025-03-14T15:00:00Z');
const NBSP = '\u00a0';

describe('buildMessageVariables', () => {
  it('fills every variable of a card case', () => {
    expect(buildMessageVariables(sampleFacts(AT))).toEqual({
      name: 'Jamie Rivera',
      first_name: 'Jamie',
      customer_email: 'jamie@example.com',
      merchant_name: 'Example Co',
      from_address: 'billing@example.com',
      support_contact: 'support@example.com',
      product_name: 'Pro plan',
      product_price: '$29.00',
      billing_interval: 'month',
      balance: '$29.00',
      balance_in_cents: 2900,
      amount_due: '$29.00',
      amount_due_in_cents: 2900,
      currency: 'USD',
      update_url: 'https://billing.example.com/pay/sample',
      update_link_expires_at: expect.stringMatching(/^March 28, 2025 at 11:00\sAM EDT$/),
      masked_card_number: '•••• 4242',
      payment_method_description: 'Visa ending in 4242',
      card_brand: 'Visa',
      card_expiry: '08/2031',
      payment_method_type: 'card',
      payment_profile_exists: true,
      reason_for_decline:
        'Your bank declined the payment, which can happen when the available balance or credit limit is too low.',
      failure_subject: "Your payment for Pro plan didn't go through",
      intent: 'payment_failed',
      action:
        "We'll try again on March 17, 2025. If your details have changed, you can update your payment method now.",
      action_label: 'Update payment method',
      next_retry_date: 'March 17, 2025',
      final_action: 'cancel',
      access_ends_on: 'April 7, 2025',
      days_until_final_action: 24,
      case_status: 'open',
      channel: 'email',
    });
  });

  it('a customer in Germany reads euros and dates their way; missing facts are nil', () => {
    const vars = buildMessageVariables(sparseSampleFacts(AT));
    expect(vars.product_price).toBe(`120,00${NBSP}€`);
    expect(vars.balance).toBe(`0,00${NBSP}€`);
    expect(vars.billing_interval).toBe('year');
    expect(vars.payment_profile_exists).toBe(false);
    for (const name of [
      'from_address',
      'support_contact',
      'update_url',
      'update_link_expires_at',
      'masked_card_number',
      'payment_method_description',
      'card_brand',
      'card_expiry',
      'payment_method_type',
      'next_retry_date',
      'final_action',
      'access_ends_on',
      'days_until_final_action',
    ] as const) {
      expect(vars[name], name).toBeNull();
    }
  });

  it('balance_in_cents is the minor unit of any currency: yen for JPY, fils for KWD', () => {
    const base = sampleFacts(AT);
    const yen: MessageFacts = {
      ...base,
      product: { ...base.product, priceMinor: 2000, currency: 'JPY' },
      balanceMinor: 2000,
      amountDue: { amountMinor: 2000, currency: 'JPY' },
      customer: { ...base.customer, locale: 'ja-JP' },
    };
    expect(buildMessageVariables(yen)).toMatchObject({
      balance: '￥2,000',
      balance_in_cents: 2000,
      amount_due: '￥2,000',
    });
    const dinar: MessageFacts = {
      ...base,
      product: { ...base.product, priceMinor: 12345, currency: 'KWD' },
      balanceMinor: 12345,
      amountDue: { amountMinor: 12345, currency: 'KWD' },
    };
    expect(buildMessageVariables(dinar)).toMatchObject({
      balance: `KWD${NBSP}12.345`,
      balance_in_cents: 12345,
      currency: 'KWD',
    });
  });

  it('a one-word name is its own first name; an interval of 3 months says so', () => {
    const base = sampleFacts(AT);
    const vars = buildMessageVariables({
      ...base,
      customer: { ...base.customer, name: '  Cher ' },
      product: { ...base.product, intervalCount: 3 },
    });
    expect(vars.name).toBe('Cher');
    expect(vars.first_name).toBe('Cher');
    expect(vars.billing_interval).toBe('3 months');
  });

  it('builds exactly the documented variables', () => {
    expect(Object.keys(buildMessageVariables(sampleFacts(AT))).sort()).toEqual(
      [...VARIABLE_NAMES].sort(),
    );
  });

  it('includes every variable SPEC section 5 names', () => {
    expect(VARIABLE_NAMES).toEqual(
      expect.arrayContaining([
        'failure_subject',
        'from_address',
        'name',
        'product_name',
        'product_price',
        'balance',
        'balance_in_cents',
        'merchant_name',
        'update_url',
        'masked_card_number',
        'reason_for_decline',
        'payment_profile_exists',
      ]),
    );
  });
});
