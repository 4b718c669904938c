// How a Stripe payment method is stored as a Dunner gateway token: `stripe:<customer>:<method>`.
// Off-session charges need both ids, and the `stripe:` prefix is what the gateway router reads.

export type StripeToken = { readonly customer: string; readonly paymentMethod: string };

const TOKEN = /^stripe:(cus_[A-Za-z0-9]+):((?:pm|card|src)_[A-Za-z0-9]+)$/;

export const STRIPE_TOKEN_PREFIX = 'stripe:';

export function stripeToken(t: StripeToken): string {
  const token = `${STRIPE_TOKEN_PREFIX}${t.customer}:${t.paymentMethod}`;
  if (!TOKEN.test(token))
    throw new RangeError(
      `not a Stripe customer and payment method: ${t.customer}, ${t.paymentMethod}`,
    );
  return token;
}

export function parseStripeToken(token: string): StripeToken | null {
  const m = TOKEN.exec(token);
  return m ? { customer: m[1]!, paymentMethod: m[2]! } : null;
}

export function isStripeToken(token: string): boolean {
  return token.startsWith(STRIPE_TOKEN_PREFIX);
}
