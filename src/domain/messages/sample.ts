// Built-in sample cases: the preview shows one when the merchant has no case yet, and every
// template is rendered against both on save so a mistake in either branch of an `{% if %}` on the
// payment method, the support contact or the retry date is caught before a customer sees it.
import type { MessageIntent } from '../case/message-intent.ts';
import type { MessageChannel, MessageFacts } from './variables.ts';

const DAY_MS = 86_400_000;
const later = (at: Date, days: number) => new Date(at.getTime() + days * DAY_MS);

export type SampleMerchant = {
  name: string;
  fromAddress: string | null;
  supportContact: string | null;
};

export const SAMPLE_MERCHANT: SampleMerchant = {
  name: 'Example Co',
  fromAddress: 'billing@example.com',
  supportContact: 'support@example.com',
};

/** A card subscription a few days into a 30-day schedule, after an insufficient-funds decline. */
export function sampleFacts(
  at: Date,
  options: {
    merchant?: SampleMerchant;
    intent?: MessageIntent;
    channel?: MessageChannel;
    updateUrl?: string;
  } = {},
): MessageFacts {
  const intent = options.intent ?? 'payment_failed';
  return {
    at,
    intent,
    channel: options.channel ?? 'email',
    merchant: options.merchant ?? SAMPLE_MERCHANT,
    customer: {
      name: 'Jamie Rivera',
      email: 'jamie@example.com',
      locale: 'en-US',
      timeZone: 'America/New_York',
    },
    product: {
      name: 'Pro plan',
      priceMinor: 2900,
      currency: 'USD',
      interval: 'month',
      intervalCount: 1,
    },
    balanceMinor: 2900,
    amountDue: { amountMinor: 2900, currency: 'USD' },
    paymentMethod: { type: 'card', brand: 'visa', last4: '4242', expMonth: 8, expYear: 2031 },
    decline: { category: SAMPLE_CATEGORY[intent], hideReason: false },
    caseStatus: 'open',
    outlook: {
      nextRetryAt: intent === 'payment_failed' ? later(at, 3) : null,
      finalAction: 'cancel',
      finalActionAt: later(at, 24),
      daysUntilFinalAction: 24,
    },
    updateUrl: options.updateUrl ?? 'https://billing.example.com/pay/sample',
    updateLinkExpiresAt: later(at, 14),
  };
}

const SAMPLE_CATEGORY = {
  payment_failed: 'insufficient_funds',
  new_payment_method: 'hard',
  update_payment_method: 'update_method',
  authenticate: 'authentication_required',
} as const satisfies Record<MessageIntent, string>;

/**
 * The other branches: a pay-link customer in Germany paying in euros, with no support contact,
 * no retry planned, no link expiry, a case already marked unpaid and no update link.
 */
export function sparseSampleFacts(at: Date, merchantName = SAMPLE_MERCHANT.name): MessageFacts {
  return {
    at,
    intent: 'payment_failed',
    channel: 'chat',
    merchant: { name: merchantName, fromAddress: null, supportContact: null },
    customer: {
      name: 'Lena',
      email: 'lena@example.de',
      locale: 'de-DE',
      timeZone: 'Europe/Berlin',
    },
    product: {
      name: 'Team',
      priceMinor: 12000,
      currency: 'EUR',
      interval: 'year',
      intervalCount: 1,
    },
    balanceMinor: 0,
    amountDue: { amountMinor: 12000, currency: 'EUR' },
    paymentMethod: null,
    decline: { category: null, hideReason: false },
    caseStatus: 'unpaid',
    outlook: null,
    updateUrl: null,
    updateLinkExpiresAt: null,
  };
}
