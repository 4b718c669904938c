// The slice of a payment processor the engine uses. Adapters pass raw decline codes through;
// only domain/declines classifies them.
import type { RawDecline } from '../../domain/declines/classify.ts';

export type ChargeRequest = {
  readonly merchantId: string;
  /** Recorded before the call; the same key on a re-send must never charge twice. */
  readonly idempotencyKey: string;
  readonly token: string;
  readonly amountMinor: number;
  readonly currency: string;
  /** Business time of the attempt (a test merchant's clock). */
  readonly at: Date;
  /**
   * The customer is present and has just completed the issuer's authentication (3-D Secure) for
   * this charge, so a decline asking for authentication no longer applies. Absent: off-session.
   */
  readonly authenticated?: boolean;
};

export type ChargeResult =
  | { readonly kind: 'succeeded'; readonly gatewayChargeId: string }
  | { readonly kind: 'declined'; readonly raw: RawDecline; readonly message: string }
  /** No answer (timeout, connection lost): the charge may or may not have happened. */
  | { readonly kind: 'unknown'; readonly message: string };

export type PaymentGateway = {
  readonly name: string;
  charge(request: ChargeRequest): Promise<ChargeResult>;
};
