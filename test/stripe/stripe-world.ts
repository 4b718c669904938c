// A test merchant set up with Stripe: its keys saved, the engine charging through the gateway
// router (Stripe methods to the Stripe gateway, which talks to the fixture server), and the
// inbound webhook endpoint mounted on a Fastify app driven through inject().
import Fastify, { type FastifyInstance } from 'fastify';
import type { Stripe as StripeTypes } from 'stripe';
import Stripe from 'stripe';
import { createGatewayRouter } from '../../src/adapters/gateways/router.ts';
import { createStripeAccounts } from '../../src/adapters/gateways/stripe/accounts.ts';
import { createStripeGateway } from '../../src/adapters/gateways/stripe/stripe-gateway.ts';
import { createTestGateway } from '../../src/adapters/gateways/test-gateway/test-gateway.ts';
import { fixedClock } from '../../src/app/clock.ts';
import type { Deps } from '../../src/app/deps.ts';
import { stripeWebhookPlugin } from '../../src/app/http/site/stripe-webhook.ts';
import type { Services } from '../../src/app/http/v1/kit.ts';
import { unwrap } from '../../src/app/result.ts';
import { saveStripeAccount } from '../../src/app/stripe/save-stripe-account.ts';
import { ensureStripeMethod } from '../../src/app/stripe/stripe-methods.ts';
import { advanceTestClock } from '../../src/app/use-cases/advance-test-clock.ts';
import { createCustomer } from '../../src/app/use-cases/create-customer.ts';
import { createSubscription } from '../../src/app/use-cases/create-subscription.ts';
import type { PresetKey } from '../../src/domain/strategy/presets.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { createWorld } from '../support/world.ts';
import { loadRecording, startStripeServer } from './fixture-server.ts';

export const WEBHOOK_SECRET = 'whsec_fixtureSigningSecret0123456789';
export const SECRET_KEY = 'sk_test_fixture0123456789';
/** The Stripe customer of every fixture. */
export const STRIPE_CUSTOMER = 'cus_TCx4hN2oVbE7Lq';
/** The fixtures' time: the invoice fails at 2026-11-02 09:00 UTC. */
export const FIXTURE_TIME = new Date('2026-11-02T09:00:00Z');

export type StripeWorld = Awaited<ReturnType<typeof createStripeWorld>>;

/** A new merchant per world; pass one database to share it between the worlds of a file. */
export async function createStripeWorld(
  options: { preset?: PresetKey; database?: TestDatabase } = {},
) {
  const database = options.database ?? (await createTestDatabase());
  const world = await createWorld({
    preset: options.preset ?? 'firm_14',
    start: FIXTURE_TIME,
    database,
  });
  const server = await startStripeServer();
  const { db, merchantId } = world;
  unwrap(
    await saveStripeAccount(
      { db },
      { merchantId, secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET },
    ),
  );
  const accounts = createStripeAccounts(db, { client: server.clientOptions });
  // Real time for the process (claims on inbound events); the merchant lives on its test clock.
  const clock = fixedClock(FIXTURE_TIME);
  const deps: Deps = {
    db,
    clock,
    gateway: createGatewayRouter({
      test: createTestGateway(db),
      stripe: createStripeGateway({ stripe: accounts.clientFor }),
    }),
  };
  const services: Services = {
    ...deps,
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
  };
  const app: FastifyInstance = Fastify();
  await app.register(stripeWebhookPlugin({ accounts: () => accounts }), { services });
  await app.ready();

  const stripeWorld = {
    ...world,
    deps,
    clock,
    server,
    accounts,
    app,
    /** A customer billed monthly (20.00 USD) to the fixtures' saved Mastercard ending 4444. */
    async subscribeWithStripeCard(): Promise<{ subscriptionId: string; paymentMethodId: string }> {
      const { customerId } = unwrap(
        await createCustomer(deps, { merchantId, name: 'Ada Lovelace', email: 'ada@example.com' }),
      );
      const declined = loadRecording('payment_intent.card_declined.insufficient_funds');
      const method = (
        declined.response.body as { error: { payment_method: StripeTypes.PaymentMethod } }
      ).error.payment_method;
      const paymentMethodId = await ensureStripeMethod(db, {
        merchantId,
        customerId,
        stripeCustomer: STRIPE_CUSTOMER,
        method,
      });
      const { subscriptionId } = unwrap(
        await createSubscription(deps, {
          merchantId,
          customerId,
          paymentMethodId,
          productName: 'Pro plan',
          priceMinor: 2000,
          currency: 'USD',
          interval: 'month',
          currentPeriodStart: new Date('2026-10-20T00:00:00Z'),
        }),
      );
      return { subscriptionId, paymentMethodId };
    },
    /** Posts the event as Stripe does: JSON body, signed with the endpoint's secret. */
    async deliver(
      event: object,
      options: { secret?: string; merchantId?: string; signature?: string | null } = {},
    ) {
      const payload = JSON.stringify(event);
      const signature =
        options.signature === undefined
          ? Stripe.webhooks.generateTestHeaderString({
              payload,
              secret: options.secret ?? WEBHOOK_SECRET,
            })
          : options.signature;
      const response = await app.inject({
        method: 'POST',
        url: `/inbound/stripe/${options.merchantId ?? merchantId}`,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          ...(signature === null ? {} : { 'stripe-signature': signature }),
        },
        payload,
      });
      return { status: response.statusCode, body: response.json() };
    },
    async advanceTo(to: Date): Promise<void> {
      unwrap(await advanceTestClock(deps, merchantId, to));
    },
    async paymentMethod(paymentMethodId: string) {
      return db
        .selectFrom('payment_methods')
        .selectAll()
        .where('merchant_id', '=', merchantId)
        .where('payment_method_id', '=', paymentMethodId)
        .executeTakeFirstOrThrow();
    },
    async storedEvent(eventId: string) {
      return db
        .selectFrom('stripe_events')
        .selectAll()
        .where('merchant_id', '=', merchantId)
        .where('event_id', '=', eventId)
        .executeTakeFirst();
    },
    /** Charges Stripe saw for this world (first sends of a key, replays not counted). */
    stripeCharges() {
      return server.created.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents');
    },
    async close() {
      await app.close();
      await server.close();
      if (!options.database) await world.close();
    },
  };
  return stripeWorld;
}

/** A copy of an event fixture with other values; `metadata` lands where Stripe puts it. */
export function withChanges<T extends StripeTypes.Event>(
  event: T,
  change: { id?: string; created?: Date; object?: Record<string, unknown> },
): T {
  const copy = structuredClone(event);
  if (change.id) copy.id = change.id;
  if (change.created) copy.created = Math.floor(change.created.getTime() / 1000);
  if (change.object) Object.assign(copy.data.object, change.object);
  return copy;
}
