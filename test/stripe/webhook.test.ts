// Stripe's webhook events, signed with the SDK's own test helper, delivered to
// POST /inbound/stripe/:merchantId; the details Stripe is asked for come from the fixture server.
import type Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { unwrap } from '../../src/app/result.ts';
import { CLAIM_MS, claimEvent } from '../../src/app/stripe/event-log.ts';
import { linkStripeSubscription } from '../../src/app/stripe/link-stripe-subscription.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { loadEvent } from './fixture-server.ts';
import { createStripeWorld, FIXTURE_TIME, type StripeWorld, withChanges } from './stripe-world.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

let database: TestDatabase;
let w: StripeWorld;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());
// Each test has its own merchant (and Stripe account) in the file's database.
beforeEach(async () => {
  w = await createStripeWorld({ database });
});
afterEach(() => w.close());

function invoiceFailed(
  subscriptionId: string | null,
  change: { id?: string; created?: Date } = {},
): Stripe.InvoicePaymentFailedEvent {
  const event = loadEvent<Stripe.InvoicePaymentFailedEvent>('invoice.payment_failed');
  const copy = withChanges(event, change);
  const details = copy.data.object.parent?.subscription_details;
  if (details) details.metadata = subscriptionId ? { dunner_subscription_id: subscriptionId } : {};
  return copy;
}

function cardUpdated(change: {
  id?: string;
  created?: Date;
  card?: Partial<Stripe.PaymentMethod.Card>;
}): Stripe.PaymentMethodAutomaticallyUpdatedEvent {
  const event = loadEvent<Stripe.PaymentMethodAutomaticallyUpdatedEvent>(
    'payment_method.automatically_updated',
  );
  const copy = withChanges(event, change);
  if (change.card && copy.data.object.card) Object.assign(copy.data.object.card, change.card);
  return copy;
}

function setupSucceeded(subscriptionId: string, change: { created?: Date } = {}) {
  const event = loadEvent<Stripe.SetupIntentSucceededEvent>('setup_intent.succeeded');
  return withChanges(event, {
    ...change,
    object: { metadata: { dunner_subscription_id: subscriptionId } },
  });
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

describe('invoice.payment_failed', () => {
  it('opens a dunning case with the category of the decline Stripe reported', async () => {
    const { subscriptionId } = await w.subscribeWithStripeCard();
    w.server.answer('invoice_payments.list.payment_failed');

    const res = await w.deliver(invoiceFailed(subscriptionId));

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: true, kind: 'applied' });
    const sub = await w.subscription(subscriptionId);
    expect(sub.state).toBe('past_due');
    expect(sub.balanceMinor).toBe(2000);
    const c = await openCase(subscriptionId);
    expect(c?.last_category).toBe('insufficient_funds');
    expect(c?.amount_due_minor).toBe(2000);
    const [attempt] = await w.attempts(subscriptionId);
    expect(attempt?.status).toBe('failed');
    expect(attempt?.raw_code).toBe('insufficient_funds / network 51 / advice 24');
    // The decline came from the invoice's PaymentIntent, asked of Stripe with the merchant's key.
    const read = w.server.requests.find((r) => r.path === '/v1/invoice_payments');
    expect(read?.query.get('invoice')).toBe('in_1SGl6fLkdIwHu7ixM0rK8vQa');
    expect(read?.query.get('expand[0]')).toBe('data.payment.payment_intent');
    expect(read?.headers.authorization).toBe('Bearer sk_test_fixture0123456789');
  });

  it('the same event delivered twice is applied once', async () => {
    const { subscriptionId } = await w.subscribeWithStripeCard();
    w.server.answer('invoice_payments.list.payment_failed');
    const event = invoiceFailed(subscriptionId);

    const first = await w.deliver(event);
    const second = await w.deliver(event);

    expect(first.body.kind).toBe('applied');
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ kind: 'duplicate', status: 'applied' });
    expect(await w.attempts(subscriptionId)).toHaveLength(1);
    expect((await w.subscription(subscriptionId)).balanceMinor).toBe(2000);
    expect((await w.storedEvent(event.id))?.deliveries).toBe(2);
  });

  it('an event for a Stripe subscription Dunner does not know waits, and linking it applies it', async () => {
    const { subscriptionId } = await w.subscribeWithStripeCard();
    w.server.answer('invoice_payments.list.payment_failed');
    const event = invoiceFailed(null);

    const res = await w.deliver(event);
    expect(res.status).toBe(200);
    expect(res.body.kind).toBe('waiting');
    expect(await openCase(subscriptionId)).toBeUndefined();

    const linked = unwrap(
      await linkStripeSubscription(w.deps, {
        merchantId: w.merchantId,
        subscriptionId,
        stripeSubscriptionId: 'sub_1SGkVELkdIwHu7ixJ3qTn5Xw',
        stripe: await w.accounts.clientFor(w.merchantId),
      }),
    );
    expect(linked.replayed.map((o) => o.kind)).toEqual(['applied']);
    expect((await openCase(subscriptionId))?.last_category).toBe('insufficient_funds');
    expect((await w.storedEvent(event.id))?.status).toBe('applied');
  });

  it('a failure older than the card the customer saved since is acknowledged and skipped', async () => {
    const { subscriptionId } = await w.subscribeWithStripeCard();
    w.server.answer('payment_method.retrieve.new_card');
    await w.advanceTo(new Date(FIXTURE_TIME.getTime() + 2 * DAY_MS));
    expect((await w.deliver(setupSucceeded(subscriptionId))).body.kind).toBe('applied');

    w.server.answer('invoice_payments.list.payment_failed');
    const late = await w.deliver(invoiceFailed(subscriptionId));
    expect(late.status).toBe(200);
    expect(late.body.kind).toBe('skipped');
    expect(await openCase(subscriptionId)).toBeUndefined();
    expect((await w.subscription(subscriptionId)).state).toBe('active');
  });
});

describe('payment_method.automatically_updated (card updater)', () => {
  it('updates the card and retries the open case at once; the retry through Stripe recovers it', async () => {
    const { subscriptionId, paymentMethodId } = await w.subscribeWithStripeCard();
    // Day 1: the renewal invoice fails in Stripe because the card expired.
    w.server.answer('invoice_payments.list.expired_card');
    expect((await w.deliver(invoiceFailed(subscriptionId))).body.kind).toBe('applied');
    const opened = await openCase(subscriptionId);
    expect(opened?.last_category).toBe('update_method');
    expect(opened?.awaiting_new_method).toBe(true);

    // Hours later the network's updater gives Stripe the new card; Stripe tells Dunner.
    await w.advanceTo(new Date(FIXTURE_TIME.getTime() + 6 * HOUR_MS));
    const res = await w.deliver(
      cardUpdated({ created: new Date(FIXTURE_TIME.getTime() + 6 * HOUR_MS) }),
    );
    expect(res.body.kind).toBe('applied');
    const pm = await w.paymentMethod(paymentMethodId);
    expect([pm.brand, pm.last4, pm.exp_month, pm.exp_year]).toEqual([
      'mastercard',
      '5100',
      9,
      2031,
    ]);
    // A new number is a new credential for the network rules.
    expect(pm.fingerprint).toBe('fp_stripe_Ub2Rk6Tn9LsQ3vWx');

    // The retry is due at once and goes to Stripe, which accepts it.
    w.server.answer('payment_intent.succeeded');
    await w.advanceTo(new Date(FIXTURE_TIME.getTime() + 6 * HOUR_MS + 60_000));
    const charges = w.stripeCharges();
    expect(charges).toHaveLength(1);
    expect(charges[0]?.form.get('customer')).toBe('cus_TCx4hN2oVbE7Lq');
    expect(charges[0]?.form.get('payment_method')).toBe('pm_1SGkV9LkdIwHu7ixRt2pW6Ka');
    expect(charges[0]?.form.get('amount')).toBe('2000');
    const attempts = await w.attempts(subscriptionId);
    const retry = attempts.find((a) => a.status === 'succeeded');
    expect(charges[0]?.headers['idempotency-key']).toBe(retry?.idempotency_key);
    const c = await w.latestCase(subscriptionId);
    expect(c?.status).toBe('recovered');
    const sub = await w.subscription(subscriptionId);
    expect(sub.state).toBe('active');
    expect(sub.balanceMinor).toBe(0);
  });

  it('a new expiry on the same card keeps it the same credential', async () => {
    const { paymentMethodId } = await w.subscribeWithStripeCard();
    const before = await w.paymentMethod(paymentMethodId);
    const event = cardUpdated({ card: { last4: '4444', fingerprint: 'Zp7Qe1Wm4RsV0bNk' } });
    event.data.previous_attributes = { card: { exp_month: 3, exp_year: 2029 } } as never;

    expect((await w.deliver(event)).body.kind).toBe('applied');
    const pm = await w.paymentMethod(paymentMethodId);
    expect([pm.last4, pm.exp_month, pm.exp_year]).toEqual(['4444', 9, 2031]);
    expect(pm.fingerprint).toBe(before.fingerprint);
  });

  it('the same update delivered twice retries the case once', async () => {
    const { subscriptionId } = await w.subscribeWithStripeCard();
    w.server.answer('invoice_payments.list.expired_card');
    await w.deliver(invoiceFailed(subscriptionId));
    const event = cardUpdated({});

    expect((await w.deliver(event)).body.kind).toBe('applied');
    expect((await w.deliver(event)).body).toMatchObject({ kind: 'duplicate' });

    const events = await w.events(subscriptionId);
    const retries = events.filter(
      (e) =>
        e.type === 'dunning_case.decision' && (e.data as { kind?: string }).kind === 'retry_now',
    );
    expect(retries).toHaveLength(1);
  });

  it('an older update delivered after a newer one is acknowledged and skipped', async () => {
    const { paymentMethodId } = await w.subscribeWithStripeCard();
    const newer = cardUpdated({
      id: 'evt_newer',
      created: new Date(FIXTURE_TIME.getTime() + 2 * DAY_MS),
      card: { last4: '5100', exp_month: 9, exp_year: 2031 },
    });
    const older = cardUpdated({
      id: 'evt_older',
      created: new Date(FIXTURE_TIME.getTime() + DAY_MS),
      card: { last4: '4445', exp_month: 5, exp_year: 2030 },
    });

    expect((await w.deliver(newer)).body.kind).toBe('applied');
    const late = await w.deliver(older);

    expect(late.status).toBe(200);
    expect(late.body.kind).toBe('skipped');
    const pm = await w.paymentMethod(paymentMethodId);
    expect([pm.last4, pm.exp_month, pm.exp_year]).toEqual(['5100', 9, 2031]);
  });

  it('an update for a card Dunner does not hold is stored and answered 200', async () => {
    await w.subscribeWithStripeCard();
    const event = cardUpdated({});
    event.data.object.id = 'pm_1SGkZZLkdIwHu7ixUnknown0';
    const res = await w.deliver(event);
    expect(res.status).toBe(200);
    expect(res.body.kind).toBe('waiting');
    expect((await w.storedEvent(event.id))?.waiting_for).toBe('pm_1SGkZZLkdIwHu7ixUnknown0');
  });
});

describe('setup_intent.succeeded', () => {
  it('makes the saved card the subscription’s method and retries the open case with it at once', async () => {
    const { subscriptionId, paymentMethodId } = await w.subscribeWithStripeCard();
    w.server.answer('invoice_payments.list.expired_card');
    await w.deliver(invoiceFailed(subscriptionId));

    await w.advanceTo(new Date(FIXTURE_TIME.getTime() + 2 * DAY_MS));
    w.server.answer('payment_method.retrieve.new_card');
    const res = await w.deliver(setupSucceeded(subscriptionId));
    expect(res.body.kind).toBe('applied');
    const sub = await w.subscription(subscriptionId);
    expect(sub.row.payment_method_id).not.toBe(paymentMethodId);
    const saved = await w.paymentMethod(sub.row.payment_method_id!);
    expect([saved.gateway, saved.brand, saved.last4, saved.exp_month, saved.exp_year]).toEqual([
      'stripe',
      'visa',
      '1881',
      7,
      2032,
    ]);
    expect(saved.gateway_token).toBe('stripe:cus_TCx4hN2oVbE7Lq:pm_1SGl8kLkdIwHu7ixYb5Nc3Ud');

    w.server.answer('payment_intent.succeeded');
    await w.advanceTo(new Date(FIXTURE_TIME.getTime() + 2 * DAY_MS + 60_000));
    const charges = w.stripeCharges();
    expect(charges.map((c) => c.form.get('payment_method'))).toEqual([
      'pm_1SGl8kLkdIwHu7ixYb5Nc3Ud',
    ]);
    expect((await w.latestCase(subscriptionId))?.status).toBe('recovered');
    expect((await w.subscription(subscriptionId)).state).toBe('active');
  });
});

describe('the endpoint', () => {
  it('refuses a body whose signature does not match, with the error shape, and stores nothing', async () => {
    const { subscriptionId } = await w.subscribeWithStripeCard();
    const event = invoiceFailed(subscriptionId);
    const res = await w.deliver(event, { secret: 'whsec_someoneElsesSecret000000' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: { code: 'invalid_field', message: expect.any(String), field: 'Stripe-Signature' },
    });
    expect(await w.storedEvent(event.id)).toBeUndefined();
  });

  it('refuses a request without a signature', async () => {
    const res = await w.deliver(invoiceFailed(null), { signature: null });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('Stripe-Signature');
  });

  it('answers 404 for a merchant it does not know', async () => {
    const res = await w.deliver(invoiceFailed(null), { merchantId: 'mer_nobody' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('acknowledges event types it does not act on, without storing them', async () => {
    const event = withChanges(loadEvent('invoice.payment_failed'), { id: 'evt_paid' });
    (event as { type: string }).type = 'invoice.paid';
    const res = await w.deliver(event);
    expect(res.status).toBe(200);
    expect(res.body.kind).toBe('ignored');
    expect(await w.storedEvent('evt_paid')).toBeUndefined();
  });

  it('a delivery of an event another delivery is applying is refused so Stripe retries it', async () => {
    const { subscriptionId } = await w.subscribeWithStripeCard();
    const event = invoiceFailed(subscriptionId);
    expect(
      await claimEvent(w.db, w.merchantId, event, event.data.object.id, w.deps.clock.now()),
    ).toEqual({
      kind: 'claimed',
    });
    const res = await w.deliver(event);
    expect(res.status).toBe(409);
    expect(await openCase(subscriptionId)).toBeUndefined();

    // The first delivery never finished: once its claim lapses, a redelivery applies the event.
    w.server.answer('invoice_payments.list.payment_failed');
    w.clock.advanceMs(CLAIM_MS);
    const retried = await w.deliver(event);
    expect(retried.body.kind).toBe('applied');
    expect((await openCase(subscriptionId))?.last_category).toBe('insufficient_funds');
  });
});
