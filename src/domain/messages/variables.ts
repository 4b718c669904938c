// The variables a message template can use (SPEC section 5 and a few a merchant needs), built from
// plain facts about the case. Every value is a string, number, boolean or null: null means "not
// known for this case", which a template tests with `{% if %}` (in Liquid, "" would be true).

import type { CaseStatus } from '../case/case.ts';
import type { MessageIntent } from '../case/message-intent.ts';
import { money } from '../money.ts';
import type { FinalAction } from '../strategy/strategy.ts';
import type { CaseOutlook } from './case-outlook.ts';
import {
  formatDateForCustomer,
  formatDateTimeForCustomer,
  formatMoneyForCustomer,
  messageLocale,
  messageTimeZone,
} from './format.ts';
import {
  actionFor,
  brandName,
  canBeCharged,
  cardExpiry,
  type DeclineFacts,
  describeMethod,
  failureSubject,
  maskedNumber,
  type PaymentMethodFacts,
  reasonForDecline,
} from './wording.ts';

export const MESSAGE_CHANNELS = ['email', 'chat'] as const;
export type MessageChannel = (typeof MESSAGE_CHANNELS)[number];

export type MessageFacts = {
  readonly at: Date;
  readonly intent: MessageIntent;
  readonly channel: MessageChannel;
  readonly merchant: {
    readonly name: string;
    readonly fromAddress: string | null;
    readonly supportContact: string | null;
  };
  readonly customer: {
    readonly name: string;
    readonly email: string;
    readonly locale: string;
    readonly timeZone: string;
  };
  readonly product: {
    readonly name: string;
    readonly priceMinor: number;
    readonly currency: string;
    readonly interval: 'day' | 'week' | 'month' | 'year';
    readonly intervalCount: number;
  };
  /** The subscription's outstanding balance, in the product's currency. */
  readonly balanceMinor: number;
  /** What this case asks for, in the case's currency. */
  readonly amountDue: { readonly amountMinor: number; readonly currency: string };
  readonly paymentMethod: PaymentMethodFacts | null;
  readonly decline: DeclineFacts;
  readonly caseStatus: CaseStatus;
  readonly outlook: CaseOutlook | null;
  readonly updateUrl: string | null;
  readonly updateLinkExpiresAt: Date | null;
};

export type MessageVariables = {
  name: string;
  first_name: string;
  customer_email: string;
  merchant_name: string;
  from_address: string | null;
  support_contact: string | null;
  product_name: string;
  product_price: string;
  billing_interval: string;
  balance: string;
  balance_in_cents: number;
  amount_due: string;
  amount_due_in_cents: number;
  currency: string;
  update_url: string | null;
  update_link_expires_at: string | null;
  masked_card_number: string | null;
  payment_method_description: string | null;
  card_brand: string | null;
  card_expiry: string | null;
  payment_method_type: string | null;
  payment_profile_exists: boolean;
  reason_for_decline: string;
  failure_subject: string;
  intent: MessageIntent;
  action: string;
  action_label: string;
  next_retry_date: string | null;
  final_action: FinalAction | null;
  access_ends_on: string | null;
  days_until_final_action: number | null;
  case_status: CaseStatus;
  channel: MessageChannel;
};

export type VariableName = keyof MessageVariables;

/** What each variable holds, with an example: the preview and docs/templates.md list them. */
export const VARIABLE_DOCS: Readonly<
  Record<VariableName, { description: string; example: string }>
> = {
  name: { description: "The customer's full name.", example: 'Jamie Rivera' },
  first_name: { description: "The first word of the customer's name.", example: 'Jamie' },
  customer_email: { description: "The customer's email address.", example: 'jamie@example.com' },
  merchant_name: { description: 'Your business name (merchant settings).', example: 'Example Co' },
  from_address: {
    description: 'The address messages are sent from (merchant settings), or nil.',
    example: 'billing@example.com',
  },
  support_contact: {
    description: 'How customers reach your support (merchant settings), or nil.',
    example: 'support@example.com',
  },
  product_name: { description: 'The subscribed product.', example: 'Pro plan' },
  product_price: {
    description: "The recurring price, formatted for the currency and the customer's locale.",
    example: '$29.00',
  },
  billing_interval: {
    description: 'The billing period in words.',
    example: 'month (or "3 months")',
  },
  balance: {
    description: "The subscription's outstanding balance, formatted.",
    example: '$29.00',
  },
  balance_in_cents: {
    description: 'The balance in the currency minor unit (cents; yen for JPY; fils for KWD).',
    example: '2900',
  },
  amount_due: {
    description: 'What this case asks the customer to pay, formatted.',
    example: '$29.00',
  },
  amount_due_in_cents: {
    description: 'The amount due in the currency minor unit.',
    example: '2900',
  },
  currency: { description: 'ISO 4217 code of the amount due.', example: 'USD' },
  update_url: {
    description:
      'The signed, expiring link to the page where the customer fixes the payment, or nil when the message carries none.',
    example: 'https://billing.example.com/pay/…',
  },
  update_link_expires_at: {
    description: "When the update link stops working, in the customer's time zone, or nil.",
    example: 'March 14, 2025 at 7:30 PM EDT',
  },
  masked_card_number: {
    description: 'The last digits of the card or account on file, masked, or nil.',
    example: '•••• 4242',
  },
  payment_method_description: {
    description: 'The method on file in words, or nil for a pay link.',
    example: 'Visa ending in 4242',
  },
  card_brand: { description: 'The card brand, or nil.', example: 'Visa' },
  card_expiry: { description: "The card's expiry (MM/YYYY), or nil.", example: '08/2027' },
  payment_method_type: {
    description: 'card, ach, direct_debit or pay_link; nil when there is no method.',
    example: 'card',
  },
  payment_profile_exists: {
    description: 'True when a method we can charge is on file (not a pay link).',
    example: 'true',
  },
  reason_for_decline: {
    description:
      'Why the payment failed, in customer-safe words: a lost, stolen or fraud decline only ever reads "Your bank declined the payment."',
    example: 'Your bank declined the payment.',
  },
  failure_subject: {
    description: 'A subject line that says what this failure needs.',
    example: "Your payment for Pro plan didn't go through",
  },
  intent: {
    description:
      'What the message asks for: new_payment_method (hard decline), authenticate (SCA), update_payment_method or payment_failed.',
    example: 'payment_failed',
  },
  action: {
    description: 'The specific thing to do for the intent, as a sentence.',
    example: 'Please add a new card to keep your subscription. …',
  },
  action_label: { description: 'Words for the button or link.', example: 'Add a new card' },
  next_retry_date: {
    description: "When we try the payment again, in the customer's time zone, or nil.",
    example: 'March 17, 2025',
  },
  final_action: {
    description: 'What happens at the end if the payment is still missing: cancel or mark_unpaid.',
    example: 'cancel',
  },
  access_ends_on: {
    description:
      "The day the final action happens (or happened), in the customer's time zone, or nil.",
    example: 'April 7, 2025',
  },
  days_until_final_action: {
    description: 'Whole days until the final action; 0 once it is due or done.',
    example: '24',
  },
  case_status: {
    description: 'open, recovered, canceled, unpaid or stopped.',
    example: 'open',
  },
  channel: { description: 'email or chat: where this message goes.', example: 'email' },
};

export const VARIABLE_NAMES = Object.keys(VARIABLE_DOCS) as VariableName[];

export function buildMessageVariables(facts: MessageFacts): MessageVariables {
  const locale = messageLocale(facts.customer.locale);
  const zone = messageTimeZone(facts.customer.timeZone);
  const day = (d: Date | null) => (d ? formatDateForCustomer(d, locale, zone) : null);
  const method = facts.paymentMethod;
  const amountDue = formatMoneyForCustomer(
    money(facts.amountDue.amountMinor, facts.amountDue.currency),
    locale,
  );
  const nextRetryDate = day(facts.outlook?.nextRetryAt ?? null);
  const action = actionFor({
    intent: facts.intent,
    method,
    nextRetryDate,
    amountDue,
    hasLink: Boolean(facts.updateUrl),
  });
  const name = facts.customer.name.trim();
  return {
    name,
    first_name: name.split(/\s+/)[0] || name,
    customer_email: facts.customer.email,
    merchant_name: facts.merchant.name,
    from_address: facts.merchant.fromAddress || null,
    support_contact: facts.merchant.supportContact || null,
    product_name: facts.product.name,
    product_price: formatMoneyForCustomer(
      money(facts.product.priceMinor, facts.product.currency),
      locale,
    ),
    billing_interval: intervalWords(facts.product.interval, facts.product.intervalCount),
    balance: formatMoneyForCustomer(money(facts.balanceMinor, facts.product.currency), locale),
    balance_in_cents: facts.balanceMinor,
    amount_due: amountDue,
    amount_due_in_cents: facts.amountDue.amountMinor,
    currency: facts.amountDue.currency,
    update_url: facts.updateUrl || null,
    update_link_expires_at: facts.updateLinkExpiresAt
      ? formatDateTimeForCustomer(facts.updateLinkExpiresAt, locale, zone)
      : null,
    masked_card_number: maskedNumber(method),
    payment_method_description: describeMethod(method),
    card_brand: method?.type === 'card' ? brandName(method.brand) : null,
    card_expiry: cardExpiry(method),
    payment_method_type: method?.type ?? null,
    payment_profile_exists: canBeCharged(method),
    reason_for_decline: reasonForDecline(facts.decline, method, facts.at),
    failure_subject: failureSubject(facts.intent, method, facts.product.name),
    intent: facts.intent,
    action: action.text,
    action_label: action.label,
    next_retry_date: nextRetryDate,
    final_action: facts.outlook?.finalAction ?? null,
    access_ends_on: day(facts.outlook?.finalActionAt ?? null),
    days_until_final_action: facts.outlook?.daysUntilFinalAction ?? null,
    case_status: facts.caseStatus,
    channel: facts.channel,
  };
}

function intervalWords(interval: MessageFacts['product']['interval'], count: number): string {
  return count === 1 ? interval : `${count} ${interval}s`;
}
