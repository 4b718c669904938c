// Charges through Stripe: one off-session PaymentIntent per attempt, confirmed at once, with the
// attempt's idempotency key as Stripe's. Stripe's answer is reported as it came (raw decline
// codes untouched); domain/declines classifies it. docs/stripe.md has the whole mapping.
import Stripe from 'stripe';
import type { ChargeRequest, ChargeResult, PaymentGateway } from '../port.ts';
import { RateLimitedError } from '../rate-limit.ts';
import { rawDeclineOf } from './raw-decline.ts';
import { parseStripeToken } from './token.ts';

/** A merchant's Stripe client, or null when the merchant has not set Stripe up. */
export type StripeClientFor = (merchantId: string) => Promise<Stripe | null>;

export type StripeGatewayOptions = {
  /** One client for every merchant, or a lookup per merchant (their own secret keys). */
  readonly stripe: Stripe | StripeClientFor;
};

export function createStripeGateway(options: StripeGatewayOptions): PaymentGateway {
  const { stripe } = options;
  const clientFor: StripeClientFor =
    typeof stripe === 'function' ? stripe : async () => stripe as Stripe;
  return {
    name: 'stripe',
    async charge(req: ChargeRequest): Promise<ChargeResult> {
      const token = parseStripeToken(req.token);
      if (!token) {
        // Nothing Stripe could charge: no re-send can succeed, so it is a decline, not a lost answer.
        return {
          kind: 'declined',
          raw: { scheme: 'stripe', code: 'invalid_account' },
          message: 'the payment method is not a Stripe customer and payment method',
        };
      }
      const client = await clientFor(req.merchantId);
      if (!client) {
        return {
          kind: 'unknown',
          message: `no Stripe account is set up for merchant ${req.merchantId}; nothing was sent`,
        };
      }
      try {
        const intent = await client.paymentIntents.create(
          {
            amount: req.amountMinor,
            currency: req.currency.toLowerCase(),
            customer: token.customer,
            payment_method: token.paymentMethod,
            confirm: true,
            // On-session only when the customer is on the page and has just authenticated; Stripe
            // still answers requires_action if its own 3-D Secure flow is needed.
            off_session: req.authenticated !== true,
            // Off-session there is no page to return to: only methods that need no redirect.
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
            metadata: {
              dunner_merchant_id: req.merchantId,
              dunner_idempotency_key: req.idempotencyKey,
            },
          },
          { idempotencyKey: req.idempotencyKey },
        );
        return await outcomeOf(client, intent);
      } catch (error) {
        return outcomeOfError(error);
      }
    },
  };
}

async function outcomeOf(client: Stripe, intent: Stripe.PaymentIntent): Promise<ChargeResult> {
  const settled = settledOutcome(intent);
  if (settled) return settled;
  if (intent.status === 'processing') {
    // A re-sent key replays the first answer, so read the intent itself for its outcome now.
    const current = await client.paymentIntents.retrieve(intent.id);
    const now = settledOutcome(current);
    if (now) return now;
  }
  return {
    kind: 'unknown',
    message: `Stripe PaymentIntent ${intent.id} is ${intent.status}; the re-send reads its outcome`,
  };
}

/** The outcome of an intent that has one; null while Stripe has not decided. */
function settledOutcome(intent: Stripe.PaymentIntent): ChargeResult | null {
  switch (intent.status) {
    case 'succeeded':
      return { kind: 'succeeded', gatewayChargeId: intent.id };
    case 'requires_action':
      // The issuer wants the customer present (3-D Secure): off-session this is a decline.
      return {
        kind: 'declined',
        raw: {
          ...rawDeclineOf(intent.last_payment_error ?? {}, paymentMethodOf(intent)),
          code: 'authentication_required',
        },
        message: 'the issuer requires the customer to authenticate this payment',
      };
    case 'requires_payment_method':
    case 'canceled': {
      const error = intent.last_payment_error;
      return {
        kind: 'declined',
        raw: rawDeclineOf(error ?? {}, error?.payment_method ?? paymentMethodOf(intent)),
        message: error?.message ?? `Stripe PaymentIntent ${intent.id} is ${intent.status}`,
      };
    }
    default:
      return null;
  }
}

function outcomeOfError(error: unknown): ChargeResult {
  const { errors } = Stripe;
  if (error instanceof errors.StripeRateLimitError) {
    // A 429 (rate_limit, lock_timeout): Stripe saves no result for the key, so the same request
    // can be sent again; `rateLimited` waits and does. https://docs.stripe.com/rate-limits
    const retryAfterMs = retryAfterMsOf(error.headers?.['retry-after']);
    throw new RateLimitedError(`Stripe ${error.code ?? 'rate_limit'}: ${error.message}`, {
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      cause: error,
    });
  }
  if (error instanceof errors.StripeCardError) {
    const intent = error.payment_intent;
    const raw = rawDeclineOf(
      error,
      error.payment_method ?? intent?.last_payment_error?.payment_method ?? null,
    );
    return intent?.status === 'requires_action'
      ? {
          kind: 'declined',
          raw: { ...raw, code: 'authentication_required' },
          message: error.message,
        }
      : { kind: 'declined', raw, message: error.message };
  }
  if (error instanceof errors.StripeInvalidRequestError) {
    // Refused before any money moved (a detached method, an unsupported currency): a decline
    // whose raw code the classifier reads; codes it does not know are counted for review.
    return {
      kind: 'declined',
      raw: rawDeclineOf({ code: error.code ?? 'invalid_request_error' }, error.payment_method),
      message: error.message,
    };
  }
  // Connection lost, timeout, 5xx, a key reused with other parameters, a bad API key:
  // the charge may or may not exist (or was never made); the engine re-sends the same key later.
  const message = error instanceof Error ? error.message : String(error);
  const kind = error instanceof errors.StripeError ? error.type : 'Error';
  return { kind: 'unknown', message: `Stripe ${kind}: ${message}` };
}

/** Retry-After in seconds (RFC 9110 §10.2.3); an HTTP date is ignored, the bucket's wait applies. */
function retryAfterMsOf(header: string | undefined): number | undefined {
  const seconds = header === undefined ? Number.NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

function paymentMethodOf(intent: Stripe.PaymentIntent): Stripe.PaymentMethod | null {
  return typeof intent.payment_method === 'object' ? intent.payment_method : null;
}
