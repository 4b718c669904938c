// Stripe's decline fields, copied onto a RawDecline as they came. Only domain/declines reads
// their meaning; here a missing field stays missing and nothing is classified.
import type { CardNetwork, RawDecline } from '../../../domain/declines/classify.ts';

/** The fields Stripe puts on a card error and on a PaymentIntent's `last_payment_error`. */
export type StripeDeclineFields = {
  readonly code?: string | null;
  readonly decline_code?: string | null;
  readonly network_decline_code?: string | null;
  readonly network_advice_code?: string | null;
  readonly advice_code?: string | null;
  readonly payment_method?: StripeCardHolder | null;
};

type StripeCardHolder = {
  readonly card?: { readonly brand?: string | null } | null;
};

/** Stripe's `code` when a decline carries no `decline_code` and no code at all was sent. */
export const DEFAULT_DECLINE_CODE = 'card_declined';

export function rawDeclineOf(
  fields: StripeDeclineFields,
  paymentMethod: StripeCardHolder | null | undefined = fields.payment_method,
): RawDecline {
  const network = networkOf(paymentMethod?.card?.brand);
  const networkDeclineCode = present(fields.network_decline_code);
  const networkAdviceCode = present(fields.network_advice_code);
  const adviceCode = present(fields.advice_code);
  return {
    scheme: 'stripe',
    code: present(fields.decline_code) ?? present(fields.code) ?? DEFAULT_DECLINE_CODE,
    ...(networkDeclineCode ? { networkDeclineCode } : {}),
    ...(networkAdviceCode ? { networkAdviceCode } : {}),
    ...(adviceCode ? { adviceCode } : {}),
    ...(network ? { network } : {}),
  };
}

/** Stripe's card brand names the network for the networks whose rules we keep; others are `other`. */
export function networkOf(brand: string | null | undefined): CardNetwork | undefined {
  if (!brand) return undefined;
  switch (brand) {
    case 'visa':
    case 'mastercard':
    case 'amex':
    case 'discover':
      return brand;
    default:
      return 'other';
  }
}

function present(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value === '' ? undefined : value;
}
