// The hosted update page of a case billed to a Stripe payment method: the new card is entered in
// Stripe's own fields (a SetupIntent per link, confirmed by Stripe.js in the browser), and the
// page charges it only once Stripe confirms that SetupIntent saved it. Stripe's API is the fixture
// server; Stripe.js itself cannot load here (no network), so the browser side is not driven.
import type { FastifyInstance } from 'fastify';
import type Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStripeAccounts } from '../../src/adapters/gateways/stripe/accounts.ts';
import { buildApp } from '../../src/app/http/app.ts';
import { unwrap } from '../../src/app/result.ts';
import { saveStripeAccount } from '../../src/app/stripe/save-stripe-account.ts';
import { issueUpdateLink } from '../../src/app/update-links/update-links.ts';
import { loadEvent, loadRecording, type Recording } from '../stripe/fixture-server.ts';
import {
  createStripeWorld,
  SECRET_KEY,
  STRIPE_CUSTOMER,
  type StripeWorld,
  WEBHOOK_SECRET,
} from '../stripe/stripe-world.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { postForm, textOf } from './hosted-world.ts';

const PUBLISHABLE_KEY = 'pk_test_fixturePublishable0123456789';
const SETUP_INTENT = 'seti_1SGmA2LkdIwHu7ixQw3Rt8Kp';
const CLIENT_SECRET = `${SETUP_INTENT}_secret_TNm4Qa8xVe2Lr7Kc5HwYp1Zd`;
/** The card the fixture SetupIntent saved: Visa ending 1881, expires 07/2032. */
const NEW_CARD = 'pm_1SGl8kLkdIwHu7ixYb5Nc3Ud';
const SUPPORT = 'help@scenario.example';

let database: TestDatabase;
let w: StripeWorld;
let app: FastifyInstance;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());
beforeEach(async () => {
  w = await createStripeWorld({ database });
  unwrap(
    await saveStripeAccount(
      { db: w.db },
      {
        merchantId: w.merchantId,
        secretKey: SECRET_KEY,
        webhookSecret: WEBHOOK_SECRET,
        publishableKey: PUBLISHABLE_KEY,
      },
    ),
  );
  await w.db
    .updateTable('merchants')
    .set({ support_contact: SUPPORT })
    .where('merchant_id', '=', w.merchantId)
    .execute();
  app = buildApp({
    services: {
      ...w.deps,
      config: {
        publicUrl: 'http://dunner.test',
        smtpUrl: null,
        stripeSecretKey: null,
        stripeWebhookSecret: null,
        stripePublishableKey: null,
        stripeMerchantId: null,
        // Test receivers listen on 127.0.0.1 (docs/webhooks.md, DUNNER_ALLOW_LOOPBACK_URLS).
        allowLoopbackUrls: true,
      },
      stripeAccounts: w.accounts,
    },
    databaseKind: process.env.DUNNER_TEST_DB === 'postgres' ? 'postgres' : 'pglite',
  });
});
afterEach(async () => {
  await app.close();
  await w.close();
});

/** A Stripe-billed subscription whose invoice failed (Stripe's webhook), and its update link. */
async function owingOnStripe() {
  const { subscriptionId, paymentMethodId } = await w.subscribeWithStripeCard();
  w.server.answer('invoice_payments.list.payment_failed');
  const event = loadEvent<Stripe.InvoicePaymentFailedEvent>('invoice.payment_failed');
  const details = event.data.object.parent?.subscription_details;
  if (details) details.metadata = { dunner_subscription_id: subscriptionId };
  expect((await w.deliver(event)).body).toMatchObject({ kind: 'applied' });
  const c = await openCase(subscriptionId);
  if (!c) throw new Error('no open case');
  return { subscriptionId, paymentMethodId, caseId: c.case_id, ...(await link(c.case_id)) };
}

async function link(caseId: string) {
  const now = await w.now();
  const issued = await w.db.transaction().execute((trx) =>
    issueUpdateLink(trx, {
      merchantId: w.merchantId,
      caseId,
      at: now,
      expiresAt: new Date(now.getTime() + 14 * 86_400_000),
      publicUrl: 'http://dunner.test',
    }),
  );
  return { linkId: issued.linkId, path: `/pay/${issued.token}` };
}

async function openCase(subscriptionId: string) {
  return w.db
    .selectFrom('dunning_cases')
    .selectAll()
    .where('merchant_id', '=', w.merchantId)
    .where('subscription_id', '=', subscriptionId)
    .where('status', '=', 'open')
    .executeTakeFirst();
}

async function caseStatus(caseId: string) {
  const c = await w.db
    .selectFrom('dunning_cases')
    .select('status')
    .where('merchant_id', '=', w.merchantId)
    .where('case_id', '=', caseId)
    .executeTakeFirstOrThrow();
  return c.status;
}

async function methodOf(subscriptionId: string) {
  const sub = await w.subscription(subscriptionId);
  return w.paymentMethod(sub.row.payment_method_id!);
}

/** Stripe's SetupIntent as it is once the customer confirmed it in Stripe's fields. */
function setupSucceeded(change: { linkId: string; customer?: string }): Recording {
  const r = loadRecording('setup_intent.retrieve.succeeded');
  const body = r.response.body as Stripe.SetupIntent;
  body.metadata = { ...body.metadata, dunner_link_id: change.linkId };
  if (change.customer) body.customer = change.customer;
  return r;
}

const setupCreates = () =>
  w.server.created.filter((r) => r.method === 'POST' && r.path === '/v1/setup_intents');

describe('the page of a case billed to a Stripe payment method', () => {
  it("shows Stripe's card fields with the publishable key and this link's SetupIntent, and a CSP that lets Stripe.js in", async () => {
    const o = await owingOnStripe();
    w.server.answer('setup_intent.create');

    const page = await app.inject({ method: 'GET', url: o.path });

    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`data-publishable-key="${PUBLISHABLE_KEY}"`);
    expect(page.body).toContain(`data-client-secret="${CLIENT_SECRET}"`);
    expect(page.body).toContain(`data-customer="${STRIPE_CUSTOMER}"`);
    expect(page.body).toContain('<script src="https://js.stripe.com/v3/" defer></script>');
    expect(page.body).toMatch(/<script src="\/pay\/assets\/stripe-fields\.js\?v=[0-9a-f]{12}"/);
    expect(page.body).not.toContain('name="card_number"');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self' https://js.stripe.com");
    expect(csp).toContain('frame-src https://js.stripe.com');
    expect(csp).toContain('connect-src https://api.stripe.com');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    // Without JavaScript the customer reads why there is no card form, and whom to contact.
    const text = textOf(page.body);
    expect(text).toContain('Entering a new card for Scenario Co needs JavaScript');
    expect(text).toContain(`contact Scenario Co at ${SUPPORT}`);

    // The SetupIntent: for the case's Stripe customer, saved for off-session charges, cards only.
    const [create] = setupCreates();
    expect(create?.form.get('customer')).toBe(STRIPE_CUSTOMER);
    expect(create?.form.get('usage')).toBe('off_session');
    expect(create?.form.get('allowed_payment_method_types[0]')).toBe('card');
    expect(create?.form.get('metadata[dunner_link_id]')).toBe(o.linkId);
    expect(create?.form.get('metadata[dunner_subscription_id]')).toBe(o.subscriptionId);
    expect(create?.headers['idempotency-key']).toBe(`dunner_link_${o.linkId}_setup`);
    expect(create?.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);

    // The script the page loads is served from the page's own origin.
    const src = /src="(\/pay\/assets\/stripe-fields\.js\?v=[0-9a-f]{12})"/.exec(page.body)?.[1];
    const script = await app.inject({ method: 'GET', url: src! });
    expect(script.statusCode).toBe(200);
    expect(String(script.headers['content-type'])).toContain('text/javascript');
    expect(script.body).toContain('confirmSetup');
  });

  it('opened again, reuses the same SetupIntent', async () => {
    const o = await owingOnStripe();
    w.server.answer('setup_intent.create');
    const stillOpen = loadRecording('setup_intent.retrieve.succeeded');
    Object.assign(stillOpen.response.body as Stripe.SetupIntent, {
      status: 'requires_payment_method',
      payment_method: null,
    });
    w.server.answer(stillOpen);

    const first = await app.inject({ method: 'GET', url: o.path });
    const second = await app.inject({ method: 'GET', url: o.path });

    expect(first.body).toContain(`data-client-secret="${CLIENT_SECRET}"`);
    expect(second.body).toContain(`data-client-secret="${CLIENT_SECRET}"`);
    expect(setupCreates()).toHaveLength(1);
  });

  it('charges the card the SetupIntent saved through Stripe and recovers the case', async () => {
    const o = await owingOnStripe();
    w.server.answer(setupSucceeded({ linkId: o.linkId }));
    w.server.answer('payment_intent.succeeded');

    const res = await postForm(app, o.path, {
      payment_method_token: `stripe:${STRIPE_CUSTOMER}:${NEW_CARD}`,
      setup_intent: SETUP_INTENT,
    });

    expect(res.statusCode).toBe(200);
    const text = textOf(res.body);
    expect(text).toContain('Payment received');
    expect(text).toContain('Visa •••• ending in 1881');
    expect(await caseStatus(o.caseId)).toBe('recovered');
    // Stripe was asked whether the SetupIntent saved this card, then charged it once.
    const read = w.server.requests.find((r) => r.path === `/v1/setup_intents/${SETUP_INTENT}`);
    expect(read?.method).toBe('GET');
    expect(read?.query.get('expand[0]')).toBe('payment_method');
    const charges = w.stripeCharges();
    expect(charges).toHaveLength(1);
    expect(charges[0]?.form.get('payment_method')).toBe(NEW_CARD);
    expect(charges[0]?.form.get('customer')).toBe(STRIPE_CUSTOMER);
    expect(charges[0]?.form.get('amount')).toBe('2000');
    // The subscription is now billed to the new card, stored with what Stripe said about it.
    const method = await methodOf(o.subscriptionId);
    expect(method).toMatchObject({
      gateway: 'stripe',
      gateway_token: `stripe:${STRIPE_CUSTOMER}:${NEW_CARD}`,
      brand: 'visa',
      last4: '1881',
      exp_month: 7,
      exp_year: 2032,
      fingerprint: 'fp_stripe_Mc8Ve2Xq5TdR1nKz',
    });
  });

  it.each([
    ['a payment method the SetupIntent did not save', { pm: 'pm_1SGzzzLkdIwHu7ixNotSaved0' }],
    ['another Stripe customer', { customer: 'cus_OtherCustomer01' }],
    ["another link's SetupIntent", { linkId: 'lnk_another' }],
    ['no SetupIntent', { setupIntent: '' }],
  ])(
    'refuses %s and charges nothing',
    async (_name, change: {
      pm?: string;
      customer?: string;
      linkId?: string;
      setupIntent?: string;
    }) => {
      const o = await owingOnStripe();
      const before = await methodOf(o.subscriptionId);
      w.server.answer(setupSucceeded({ linkId: change.linkId ?? o.linkId }));
      w.server.answer('setup_intent.create');
      w.server.answer('payment_intent.succeeded');

      const res = await postForm(app, o.path, {
        payment_method_token: `stripe:${change.customer ?? STRIPE_CUSTOMER}:${change.pm ?? NEW_CARD}`,
        setup_intent: change.setupIntent ?? SETUP_INTENT,
      });

      expect(res.statusCode).toBe(422);
      expect(textOf(res.body)).toContain(
        "We couldn't confirm your new card with Stripe, so nothing was charged.",
      );
      expect(w.stripeCharges()).toHaveLength(0);
      expect(await caseStatus(o.caseId)).toBe('open');
      expect((await methodOf(o.subscriptionId)).payment_method_id).toBe(before.payment_method_id);
    },
  );

  it('refuses a SetupIntent Stripe does not know', async () => {
    const o = await owingOnStripe();
    w.server.answer('setup_intent.create');
    w.server.answer('payment_intent.succeeded');

    const res = await postForm(app, o.path, {
      payment_method_token: `stripe:${STRIPE_CUSTOMER}:${NEW_CARD}`,
      setup_intent: 'seti_1SGzzzLkdIwHu7ixMadeUp000',
    });

    expect(res.statusCode).toBe(422);
    expect(textOf(res.body)).toContain("We couldn't confirm your new card with Stripe");
    expect(w.stripeCharges()).toHaveLength(0);
    expect(await caseStatus(o.caseId)).toBe('open');
  });
});

describe('a case billed to a test-gateway card', () => {
  it('keeps the card form and the strict CSP, even for a merchant with Stripe keys', async () => {
    const subscriptionId = await w.subscribe({
      card: 'generic_decline',
      periodStart: new Date('2026-10-03T00:00:00Z'),
    });
    await w.advanceTo(new Date('2026-11-03T01:00:00Z'));
    const c = await openCase(subscriptionId);
    const { path } = await link(c!.case_id);

    const page = await app.inject({ method: 'GET', url: path });

    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('name="card_number"');
    expect(page.body).not.toContain('<script');
    expect(page.body).not.toContain('data-client-secret');
    expect(String(page.headers['content-security-policy'])).toBe(
      "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(setupCreates()).toHaveLength(0);
  });
});

describe('Stripe keys from the environment', () => {
  it('apply the publishable key with the secret key, and a merchant’s own keys only as a set', async () => {
    const env = {
      secretKey: 'sk_test_environment0123456789',
      webhookSecret: 'whsec_environment0123456789',
      publishableKey: 'pk_test_environment0123456789',
    };
    const accounts = createStripeAccounts(w.db, { env });
    const other = await createStripeWorld({ database });
    try {
      await other.db
        .deleteFrom('stripe_accounts')
        .where('merchant_id', '=', other.merchantId)
        .execute();
      expect(await accounts.settingsFor(other.merchantId)).toEqual(env);
      expect(await accounts.settingsFor(w.merchantId)).toEqual({
        secretKey: SECRET_KEY,
        webhookSecret: WEBHOOK_SECRET,
        publishableKey: PUBLISHABLE_KEY,
      });
    } finally {
      await other.close();
    }
  });
});
