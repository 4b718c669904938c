// Customer-facing words for a failed payment: why it failed, what to do, and the subject line.
// The reason never repeats what the issuer told us when that could tip off whoever holds a lost or
// stolen card (hard declines and reasons the classifier hides): those read "declined" and nothing
// more. The action names the one specific thing to do for the intent (SPEC section 5).
import type { MessageIntent } from '../case/message-intent.ts';
import type { DeclineCategory } from '../declines/categories.ts';
import type { PaymentMethodType } from '../strategy/strategy.ts';

export type PaymentMethodFacts = {
  readonly type: PaymentMethodType;
  readonly brand: string | null;
  readonly last4: string | null;
  readonly expMonth: number | null;
  readonly expYear: number | null;
};

/** Methods the engine can charge on its own; a pay link only gets notices with a link. */
export function canBeCharged(method: PaymentMethodFacts | null): boolean {
  return method !== null && method.type !== 'pay_link';
}

const BRAND_NAMES: Readonly<Record<string, string>> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  american_express: 'American Express',
  discover: 'Discover',
  diners: 'Diners Club',
  jcb: 'JCB',
  unionpay: 'UnionPay',
  cartes_bancaires: 'Cartes Bancaires',
};

export function brandName(brand: string | null): string | null {
  if (!brand) return null;
  const key = brand
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return BRAND_NAMES[key] ?? brand.charAt(0).toUpperCase() + brand.slice(1);
}

/** "•••• 4242": the only card digits a message ever shows. */
export function maskedNumber(method: PaymentMethodFacts | null): string | null {
  if (!method?.last4 || !/^\d{2,4}$/.test(method.last4)) return null;
  return `•••• ${method.last4}`;
}

/** "Visa ending in 4242", "bank account ending in 6789", or null for a pay link. */
export function describeMethod(method: PaymentMethodFacts | null): string | null {
  if (!method || method.type === 'pay_link') return null;
  const digits = method.last4 && /^\d{2,4}$/.test(method.last4) ? method.last4 : null;
  if (method.type === 'card') {
    const brand = brandName(method.brand) ?? 'card';
    return digits ? `${brand} ending in ${digits}` : brand;
  }
  return digits ? `bank account ending in ${digits}` : 'bank account';
}

/** "08/2027", or null when the method has no expiry. */
export function cardExpiry(method: PaymentMethodFacts | null): string | null {
  if (!method || method.expMonth === null || method.expYear === null) return null;
  return `${String(method.expMonth).padStart(2, '0')}/${method.expYear}`;
}

/** A card is expired after the last day of its expiry month (UTC is close enough for wording). */
export function isExpired(method: PaymentMethodFacts | null, at: Date): boolean {
  if (method?.type !== 'card' || method.expMonth === null || method.expYear === null) return false;
  const firstDayAfter = Date.UTC(method.expYear, method.expMonth, 1);
  return at.getTime() >= firstDayAfter;
}

export type DeclineFacts = {
  readonly category: DeclineCategory | null;
  /** The classifier marked the raw reason as not for the customer (lost, stolen, fraud, …). */
  readonly hideReason: boolean;
};

const isBank = (method: PaymentMethodFacts | null) =>
  method?.type === 'ach' || method?.type === 'direct_debit';

/** `reason_for_decline`: one short, customer-safe sentence. */
export function reasonForDecline(
  decline: DeclineFacts,
  method: PaymentMethodFacts | null,
  at: Date,
): string {
  if (!canBeCharged(method)) return "We haven't received this payment yet.";
  const declined = isBank(method)
    ? 'Your bank returned the payment.'
    : 'Your bank declined the payment.';
  if (decline.hideReason) return declined;
  switch (decline.category) {
    case null:
      return "The payment didn't go through.";
    case 'hard':
    case 'generic':
      return declined;
    case 'update_method':
      if (isExpired(method, at)) return 'The card we have on file has expired.';
      return isBank(method)
        ? "Your bank couldn't accept the account details we have on file."
        : "Your bank couldn't accept the card details we have on file.";
    case 'authentication_required':
      return 'Your bank needs you to confirm this payment before it can go through.';
    case 'insufficient_funds':
      return isBank(method)
        ? 'Your bank returned the payment, which can happen when the account balance is too low.'
        : 'Your bank declined the payment, which can happen when the available balance or credit limit is too low.';
    case 'temporary':
      return "Your bank couldn't process the payment because of a temporary problem.";
    default: {
      const unreachable: never = decline.category;
      return unreachable;
    }
  }
}

export type ActionInput = {
  readonly intent: MessageIntent;
  readonly method: PaymentMethodFacts | null;
  /** Already formatted for the customer, e.g. "March 14, 2025". */
  readonly nextRetryDate: string | null;
  readonly amountDue: string;
  /** The message carries the update link (the words point at it only then). */
  readonly hasLink: boolean;
};

export type Action = {
  /** `action`: what the customer should do, as a sentence or two. */
  readonly text: string;
  /** `action_label`: the words on the button or link. */
  readonly label: string;
};

/** The specific thing the customer should do, for the intent the engine chose. */
export function actionFor(input: ActionInput): Action {
  const { method } = input;
  if (!canBeCharged(method)) {
    return {
      text: input.hasLink
        ? `Please pay ${input.amountDue} using the secure link.`
        : `Please pay ${input.amountDue}.`,
      label: 'Pay now',
    };
  }
  const bank = isBank(method);
  switch (input.intent) {
    case 'new_payment_method':
      return bank
        ? {
            text: "Please add a new bank account or card to keep your subscription. Your bank won't accept more payments from the account we have.",
            label: 'Add a new payment method',
          }
        : {
            text: "Please add a new card to keep your subscription. Your bank won't approve more payments on the card we have.",
            label: 'Add a new card',
          };
    case 'authenticate':
      return {
        text: input.hasLink
          ? "Please confirm the payment with your bank: open the secure link and follow your bank's steps. It takes about a minute, and nothing else changes."
          : 'Please confirm the payment with your bank. It takes about a minute, and nothing else changes.',
        label: 'Confirm the payment',
      };
    case 'update_payment_method':
      return bank
        ? {
            text: 'Please update your bank account details so we can try again.',
            label: 'Update your bank details',
          }
        : {
            text: 'Please update your card details (for example the expiry date) or add another card so we can try again.',
            label: 'Update your card',
          };
    case 'payment_failed':
      return {
        text: input.nextRetryDate
          ? `We'll try again on ${input.nextRetryDate}. If your details have changed, you can update your payment method now.`
          : 'Please check your payment method, or add a different one, so the payment can go through.',
        label: 'Update payment method',
      };
    default: {
      const unreachable: never = input.intent;
      return unreachable;
    }
  }
}

/** `failure_subject`: a subject line that says what this failure needs. */
export function failureSubject(
  intent: MessageIntent,
  method: PaymentMethodFacts | null,
  productName: string,
): string {
  if (!canBeCharged(method)) return `Your payment for ${productName} is due`;
  switch (intent) {
    case 'new_payment_method':
      return isBank(method)
        ? `Please add a new payment method for ${productName}`
        : `Please add a new card for ${productName}`;
    case 'authenticate':
      return `Please confirm your payment for ${productName}`;
    case 'update_payment_method':
      return isBank(method)
        ? `Please update your bank details for ${productName}`
        : `Please update your card for ${productName}`;
    case 'payment_failed':
      return `Your payment for ${productName} didn't go through`;
    default: {
      const unreachable: never = intent;
      return unreachable;
    }
  }
}
