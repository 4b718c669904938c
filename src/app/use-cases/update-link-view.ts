// What the hosted update page shows behind a signed update link: only what the customer needs
// to pay, nothing internal. Opening the page counts a visit for the message's metrics.
import type { Db } from '../../adapters/db/connect.ts';
import { readMerchantNow } from '../../adapters/db/merchants.repo.ts';
import { getPaymentMethod } from '../../adapters/db/payment-methods.repo.ts';
import type { PaymentMethodRow, SubscriptionRow } from '../../adapters/db/schema.ts';
import { findLinkView } from '../../adapters/db/update-links.repo.ts';
import { parseStripeToken } from '../../adapters/gateways/stripe/token.ts';
import type { Deps } from '../deps.ts';
import {
  type LinkRejection,
  recordUpdateLinkVisit,
  type UpdateLinkRow,
  verifyUpdateLinkToken,
} from '../update-links/update-links.ts';

export type MaskedMethod = {
  type: PaymentMethodRow['type'];
  brand: string | null;
  last4: string | null;
  expMonth: number | null;
  expYear: number | null;
};

/** What the hosted page shows: only what the customer needs to pay, nothing internal. */
export type HostedView = {
  /** Whose page, for the server only (never rendered): Stripe's card entry is set up per link. */
  merchantId: string;
  subscriptionId: string;
  linkId: string;
  /** The Stripe customer (cus_…) of the method on file, when it is a Stripe payment method. */
  stripeCustomer: string | null;
  merchantName: string;
  supportContact: string | null;
  productName: string;
  subscriptionState: SubscriptionRow['state'];
  /** The recurring price and when it is next charged (null once nothing renews). */
  priceMinor: number;
  nextRenewalAt: Date | null;
  amountDueMinor: number;
  currency: string;
  /** The customer's locale and time zone, for formatting amounts and dates. */
  locale: string;
  timeZone: string;
  method: MaskedMethod | null;
  /** The last decline asked for the customer's authentication (SCA / 3-D Secure). */
  needsAuthentication: boolean;
  /** The method on file can be authenticated on this page (the test gateway's simulated issuer). */
  canAuthenticateHere: boolean;
  /** A test-mode merchant: the page takes test-gateway card numbers. */
  testMode: boolean;
  /** Opaque id of the method on file: the authentication step names the card it confirms. */
  methodId: string | null;
  linkExpiresAt: Date;
  now: Date;
};

/** A link that does not open the page: a closed case counts as spent, like a used link. */
export type Rejection = { kind: 'rejected'; reason: LinkRejection | 'closed' };

export type OpenedLink = { kind: 'open'; view: HostedView } | Rejection;

type Now = (merchantId: string) => Promise<Date>;

/** The merchant's business time (its test clock in test mode), as link verification asks it. */
export function merchantNowOf(deps: Pick<Deps, 'db' | 'clock'>): Now {
  return (merchantId) => readMerchantNow(deps.db, merchantId, deps.clock);
}

/** Opens the page behind a token; `countVisit` counts a click for the message's metrics. */
export async function openUpdateLink(
  deps: Pick<Deps, 'db' | 'clock'>,
  token: string,
  options: { countVisit: boolean } = { countVisit: false },
): Promise<OpenedLink> {
  const verified = await verifyUpdateLinkToken(deps.db, token, merchantNowOf(deps));
  if (!verified.ok) return { kind: 'rejected', reason: verified.reason };
  const { link } = verified;
  const now = await readMerchantNow(deps.db, link.merchant_id, deps.clock);
  const view = await loadView(deps.db, link, now);
  if (!view) return { kind: 'rejected', reason: 'closed' };
  if (options.countVisit) await recordUpdateLinkVisit(deps.db, link, now);
  return { kind: 'open', view };
}

export function masked(pm: PaymentMethodRow): MaskedMethod {
  return {
    type: pm.type,
    brand: pm.brand,
    last4: pm.last4,
    expMonth: pm.exp_month,
    expYear: pm.exp_year,
  };
}

export async function maskedMethodOf(
  db: Db,
  merchantId: string,
  paymentMethodId: string | null,
): Promise<MaskedMethod> {
  return masked(await getPaymentMethod(db, merchantId, paymentMethodId ?? ''));
}

/** The page's data; null when the case is no longer open (unless `open: false` for the receipt). */
export async function loadView(
  db: Db,
  link: UpdateLinkRow,
  now: Date,
  options: { open: boolean } = { open: true },
): Promise<HostedView | null> {
  const row = await findLinkView(db, link.merchant_id, link.case_id);
  if (!row || (options.open && row.status !== 'open')) return null;
  const needsAuthentication = row.last_category === 'authentication_required';
  return {
    merchantId: link.merchant_id,
    subscriptionId: row.subscription_id,
    linkId: link.link_id,
    stripeCustomer:
      row.pm_gateway === 'stripe' && row.gateway_token
        ? (parseStripeToken(row.gateway_token)?.customer ?? null)
        : null,
    merchantName: row.merchant_name,
    supportContact: row.support_contact,
    productName: row.product_name,
    subscriptionState: row.subscription_state,
    priceMinor: row.price_minor,
    nextRenewalAt: row.next_renewal_at,
    amountDueMinor: row.amount_due_minor,
    currency: row.currency,
    locale: row.locale,
    timeZone: row.time_zone,
    method: row.pm_type
      ? {
          type: row.pm_type,
          brand: row.brand,
          last4: row.last4,
          expMonth: row.exp_month,
          expYear: row.exp_year,
        }
      : null,
    needsAuthentication,
    canAuthenticateHere: needsAuthentication && row.pm_gateway === 'test',
    testMode: row.mode === 'test',
    methodId: row.payment_method_id,
    linkExpiresAt: link.expires_at,
    now,
  };
}
