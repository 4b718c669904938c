// The hosted update page behind a signed update link, driven through inject() as a browser
// without JavaScript would: what the customer sees, what the gateway is asked to charge, and
// what becomes of the case, the subscription and the link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChargeRequest, PaymentGateway } from '../../src/adapters/gateways/port.ts';
import { createGatewayRouter } from '../../src/adapters/gateways/router.ts';
import { TEST_CARDS, tokenizeTestCard } from '../../src/adapters/gateways/test-gateway/cards.ts';
import { createTestGateway } from '../../src/adapters/gateways/test-gateway/test-gateway.ts';
import { buildApp } from '../../src/app/http/app.ts';
import { cancelSubscription } from '../../src/app/use-cases/subscription-actions.ts';
import {
  createHostedWorld,
  type HostedWorld,
  postForm,
  RENEWAL_AT,
  textOf,
} from './hosted-world.ts';

let w: HostedWorld;
beforeAll(async () => {
  w = await createHostedWorld();
});
afterAll(async () => {
  await w?.close();
});

const MIN = 60_000;

/** Every id that aria-describedby or label[for] names exists on the page. */
function referencedIdsExist(html: string): string[] {
  const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!));
  const refs = [
    ...[...html.matchAll(/aria-describedby="([^"]+)"/g)].flatMap((m) => m[1]!.split(/\s+/)),
    ...[...html.matchAll(/<label for="([^"]+)"/g)].map((m) => m[1]!),
    ...[...html.matchAll(/aria-labelledby="([^"]+)"/g)].map((m) => m[1]!),
  ];
  return refs.filter((r) => !ids.has(r));
}

describe('the page behind a link', () => {
  it('shows the merchant, the product, the amount due and the masked card on file, and counts the visit', async () => {
    const o = await w.owing({ card: 'generic_decline' });
    const res = await w.get(o.path);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    const text = textOf(res.body);
    expect(text).toContain('Scenario Co');
    expect(text).toContain('Update your payment method');
    expect(text).toContain('Subscription Pro plan');
    expect(text).toContain('Amount due $20.00');
    expect(text).toContain('Visa •••• ending in 0002, expires 12/2030');
    expect(text).toContain('Pay $20.00');
    expect(text).toMatch(/This secure link works until March 19, 2026 at 10:00\sAM UTC/);
    // Usable without JavaScript, accessible, and never cached or leaked through a Referer.
    expect(res.body).toContain('<html lang="en">');
    expect(res.body).not.toContain('<script');
    expect(res.body).toMatch(/<label for="card_number">Card number<\/label>/);
    expect(res.body).toMatch(/<label for="exp">Expiry date<\/label>/);
    expect(res.body).toContain('name="viewport"');
    expect(referencedIdsExist(res.body)).toEqual([]);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(String(res.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
    expect((await w.linkRow(o.linkId)).visits).toBe(1);

    const css = await w.get(
      res.body.match(/href="(\/pay\/assets\/hosted\.css\?v=[0-9a-f]+)"/)![1]!,
    );
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toContain('text/css');
  });

  it.each([
    { currency: 'USD', locale: 'en-US', priceMinor: 2000, shown: '$20.00' },
    { currency: 'EUR', locale: 'de-DE', priceMinor: 123456, shown: '1.234,56 €' },
    { currency: 'JPY', locale: 'ja-JP', priceMinor: 2000, shown: '￥2,000' },
    { currency: 'KWD', locale: 'en-GB', priceMinor: 20500, shown: 'KWD 20.500' },
  ])(
    'shows $priceMinor minor units of $currency as "$shown" for a customer in $locale',
    async (c) => {
      const o = await w.owing({
        card: 'insufficient_funds',
        currency: c.currency,
        priceMinor: c.priceMinor,
        locale: c.locale,
      });
      const text = textOf((await w.get(o.path)).body).replace(/\u00a0|\u202f/g, ' ');
      expect(text).toContain(`Amount due ${c.shown}`);
    },
  );

  it('escapes what the merchant and the customer typed', async () => {
    const o = await w.owing({ card: 'generic_decline' });
    await w.db
      .updateTable('subscriptions')
      .set({ product_name: '<script>alert(1)</script> & "Pro"' })
      .where('merchant_id', '=', w.merchantId)
      .where('subscription_id', '=', o.subscriptionId)
      .execute();
    const res = await w.get(o.path);
    expect(res.body).not.toContain('<script>');
    expect(res.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Pro&#34;');
  });
});

describe('paying with a new card', () => {
  it('charges the amount due at once; the case recovers, the subscription is active and renewed, the link is spent', async () => {
    const o = await w.owing({ card: 'stolen' });
    const before = await w.subscription(o.subscriptionId);
    expect(before.state).toBe('past_due');

    const res = await w.post(o.path, { card_number: '4242 4242 4242 4242', exp: '09 / 31' });
    expect(res.statusCode).toBe(200);
    const text = textOf(res.body);
    expect(text).toContain('Payment received — your subscription is active');
    expect(text).toContain('We charged $20.00 to Visa •••• ending in 4242, expires 09/2031');
    expect(text).toContain('Scenario Co');
    expect(text).toContain('Next payment $20.00 on April 5, 2026');

    // The gateway saw the declined renewal, then one charge of the amount due on the new card.
    const charges = await w.gatewayCharges(o.subscriptionId);
    expect(charges.map((c) => [c.outcome, c.amount_minor, c.currency])).toEqual([
      ['declined', 2000, 'USD'],
      ['succeeded', 2000, 'USD'],
    ]);
    // Charged by the new card's token, which names the test card but never holds its number.
    expect(charges[1]!.token).toMatch(/^tok_test_success_[0-9a-f]{12}$/);
    // Its idempotency key was recorded on the attempt before the gateway was called.
    const attempt = (await w.attempts(o.subscriptionId)).at(-1)!;
    expect(attempt).toMatchObject({
      purpose: 'manual',
      status: 'succeeded',
      amount_minor: 2000,
      idempotency_key: `${o.caseId}:update_link:${o.linkId}:1`,
      case_id: o.caseId,
    });
    expect(charges[1]!.idempotency_key).toBe(attempt.idempotency_key);

    const c = await w.caseRow(o.caseId);
    expect(c).toMatchObject({ status: 'recovered', outcome_reason: 'update_link' });
    const after = await w.subscription(o.subscriptionId);
    expect(after).toMatchObject({ state: 'active', entitlement: 'full', balanceMinor: 0 });
    // Renewed: the new period (Mar 5 to Apr 5) is paid and the next renewal is at its end.
    expect(after.row.current_period_start).toEqual(RENEWAL_AT);
    expect(after.row.next_renewal_at).toEqual(new Date('2026-04-05T10:00:00Z'));
    const renewal = await w.db
      .selectFrom('charges')
      .selectAll()
      .where('merchant_id', '=', w.merchantId)
      .where('subscription_id', '=', o.subscriptionId)
      .where('period_start', '=', RENEWAL_AT)
      .executeTakeFirstOrThrow();
    expect(renewal.status).toBe('paid');

    // The new card is the subscription's method; only brand, last 4 and expiry are kept of it.
    const pm = await w.methodOf(o.subscriptionId);
    expect(pm).toMatchObject({ brand: 'visa', last4: '4242', exp_month: 9, exp_year: 2031 });
    expect((await w.linkRow(o.linkId)).used_at).not.toBeNull();
    expect(await w.eventTypes(o.subscriptionId)).toEqual(
      expect.arrayContaining([
        'payment_method.updated',
        'payment_attempt.succeeded',
        'dunning_case.recovered',
        'payment.recovered',
        'subscription.active',
        'update_link.used',
      ]),
    );

    // The link is single-purpose: opening or posting it again shows the spent-link page.
    const again = await w.get(o.path);
    expect(again.statusCode).toBe(410);
    expect(textOf(again.body)).toContain('This link is no longer active');
    const repost = await w.post(o.path, { card_number: '4242424242424242', exp: '09/31' });
    expect(repost.statusCode).toBe(410);
    expect(await w.gatewayCharges(o.subscriptionId)).toHaveLength(2);
  });

  it('a declined card gets a clear message without the reason; the case stays open and another card recovers it', async () => {
    const o = await w.owing({ card: 'insufficient_funds' });

    const stolen = await w.post(o.path, { card_number: TEST_CARDS.stolen.number, exp: '12/30' });
    expect(stolen.statusCode).toBe(402);
    const text = textOf(stolen.body);
    expect(text).toContain('Your card ending in 9979 was declined, so nothing was charged.');
    expect(text.toLowerCase()).not.toContain('stolen');
    expect(stolen.body).toContain('role="alert"');
    // The card field points at the message, and the form is there to try another card.
    expect(stolen.body).toMatch(/id="card_number"[^>]*aria-describedby="card_number-hint notice"/);
    expect(stolen.body).not.toContain(TEST_CARDS.stolen.number);
    expect(referencedIdsExist(stolen.body)).toEqual([]);

    const generic = await w.post(o.path, {
      card_number: TEST_CARDS.generic_decline.number,
      exp: '12/30',
    });
    expect(generic.statusCode).toBe(402);
    expect(textOf(generic.body)).toContain('Your card ending in 0002 was declined');

    expect((await w.caseRow(o.caseId)).status).toBe('open');
    expect((await w.subscription(o.subscriptionId)).state).toBe('past_due');
    expect((await w.linkRow(o.linkId)).used_at).toBeNull();
    expect((await w.gatewayCharges(o.subscriptionId)).map((c) => c.outcome)).toEqual([
      'declined',
      'declined',
      'declined',
    ]);

    const paid = await w.post(o.path, {
      card_number: TEST_CARDS.success_mastercard.number,
      exp: '01/29',
    });
    expect(paid.statusCode).toBe(200);
    expect(textOf(paid.body)).toContain('We charged $20.00 to Mastercard •••• ending in 4444');
    expect((await w.caseRow(o.caseId)).status).toBe('recovered');
    expect((await w.subscription(o.subscriptionId)).state).toBe('active');
  });

  it('a declined new card never replaces the saved card; only a card that pays becomes the subscription’s', async () => {
    const o = await w.owing({ card: 'insufficient_funds' });
    const saved = await w.methodOf(o.subscriptionId);
    const before = await w.caseRow(o.caseId);

    const declined = await w.post(o.path, {
      card_number: TEST_CARDS.stolen.number,
      exp: '12/30',
    });
    expect(declined.statusCode).toBe(402);
    // The page still shows the card on file, and says which card was declined.
    expect(textOf(declined.body)).toContain('Your card ending in 9979 was declined');
    expect(textOf(declined.body)).toContain(`ending in ${saved.last4}`);
    expect((await w.methodOf(o.subscriptionId)).payment_method_id).toBe(saved.payment_method_id);
    const after = await w.caseRow(o.caseId);
    expect(after).toMatchObject({
      status: 'open',
      payment_method_id: saved.payment_method_id,
      last_category: before.last_category,
      pending_attempt_id: null,
      lease_owner: null,
    });
    expect(await w.eventTypes(o.subscriptionId)).not.toContain('payment_method.updated');

    const paid = await w.post(o.path, {
      card_number: TEST_CARDS.success_mastercard.number,
      exp: '01/29',
    });
    expect(paid.statusCode).toBe(200);
    const adopted = await w.methodOf(o.subscriptionId);
    expect(adopted).toMatchObject({ brand: 'mastercard', last4: '4444' });
    expect((await w.caseRow(o.caseId)).payment_method_id).toBe(adopted.payment_method_id);
    const events = await w.eventTypes(o.subscriptionId);
    expect(events.filter((t) => t === 'payment_method.updated')).toHaveLength(1);
  });

  it('marks a test-mode merchant’s page as test mode', async () => {
    const o = await w.owing({ card: 'generic_decline' });
    const res = await w.get(o.path);
    expect(res.statusCode).toBe(200);
    expect(textOf(res.body)).toContain('Test mode — no real card is charged here.');
    expect(res.body).toContain('class="test-mode" role="note"');
  });

  it('shows each input problem beside its field, and charges nothing', async () => {
    const o = await w.owing({ card: 'generic_decline' });
    const cases = [
      {
        form: { card_number: '', exp: '12/30' },
        field: 'card_number',
        says: 'Enter your card number.',
      },
      {
        form: { card_number: '1234 5678 9012 3456', exp: '12/30' },
        field: 'card_number',
        says: 'This card number is not accepted here.',
      },
      {
        form: { card_number: '4242424242424242', exp: '' },
        field: 'exp',
        says: 'Enter the expiry date',
      },
      {
        form: { card_number: '4242424242424242', exp: '13/30' },
        field: 'exp',
        says: 'from 01 to 12',
      },
      {
        form: { card_number: '4242424242424242', exp: '02/26' },
        field: 'exp',
        says: 'This card has expired.',
      },
    ];
    for (const c of cases) {
      const res = await w.post(o.path, c.form);
      expect(res.statusCode, c.says).toBe(422);
      const html = res.body;
      expect(textOf(html)).toContain('There is a problem');
      expect(textOf(html)).toContain(c.says);
      expect(html).toContain(`<a href="#${c.field}">`);
      expect(html).toMatch(
        new RegExp(
          `id="${c.field}"[^>]*aria-describedby="${c.field}-hint ${c.field}-error"[^>]*aria-invalid="true"[^>]*autofocus`,
        ),
      );
      expect(referencedIdsExist(html)).toEqual([]);
    }
    // Every missing field is named at once.
    const empty = await w.post(o.path, { card_number: ' ', exp: '' });
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('<a href="#card_number">Enter your card number.</a>');
    expect(empty.body).toContain('<a href="#exp">Enter the expiry date, as MM/YY.</a>');
    expect(empty.body.match(/aria-invalid="true"/g)).toHaveLength(2);
    expect(empty.body.match(/ autofocus/g)).toHaveLength(1);
    // The expiry typed is kept; a card number is never echoed back.
    const kept = await w.post(o.path, { card_number: '1234567890123456', exp: '12/30' });
    expect(kept.body).toContain('value="12/30"');
    expect(kept.body).not.toContain('1234567890123456');
    expect(await w.gatewayCharges(o.subscriptionId)).toHaveLength(1);
    expect((await w.caseRow(o.caseId)).status).toBe('open');
  });

  it('an unanswered charge is not charged twice: the worker re-sends the same key and the case recovers', async () => {
    const o = await w.owing({ card: 'generic_decline' });
    const res = await w.post(o.path, { card_number: TEST_CARDS.timeout.number, exp: '12/30' });
    expect(res.statusCode).toBe(202);
    expect(textOf(res.body)).toContain("We're confirming your payment");
    expect((await w.caseRow(o.caseId)).pending_attempt_id).not.toBeNull();

    // A second submission while the charge is unanswered sends nothing.
    const second = await w.post(o.path, { card_number: TEST_CARDS.success.number, exp: '12/30' });
    expect(second.statusCode).toBe(409);
    expect(textOf(second.body)).toContain('A payment is already in progress');

    await w.advanceTo(new Date((await w.now()).getTime() + 16 * MIN));
    expect((await w.caseRow(o.caseId)).status).toBe('recovered');
    const charges = await w.gatewayCharges(o.subscriptionId);
    expect(charges.map((c) => [c.outcome, c.request_count])).toEqual([
      ['declined', 1],
      ['succeeded', 2],
    ]);
    expect((await w.subscription(o.subscriptionId)).state).toBe('active');
    // The card the customer entered paid, so it is now the subscription's.
    const card = await w.methodOf(o.subscriptionId);
    expect(card.last4).toBe(TEST_CARDS.timeout.number.slice(-4));
    expect((await w.caseRow(o.caseId)).payment_method_id).toBe(card.payment_method_id);
    expect(
      (await w.eventTypes(o.subscriptionId)).filter((t) => t === 'payment_method.updated'),
    ).toHaveLength(1);
    expect((await w.get(o.path)).statusCode).toBe(410);
  });

  it('a form sent twice at once charges the card once', async () => {
    const o = await w.owing({ card: 'generic_decline' });
    const form = { card_number: TEST_CARDS.success.number, exp: '12/30' };
    const [a, b] = await Promise.all([w.post(o.path, form), w.post(o.path, form)]);
    const statuses = [a.statusCode, b.statusCode].sort();
    expect(statuses[0]).toBe(200);
    // The other one either waited for the first (link spent) or found its charge in flight.
    expect([409, 410]).toContain(statuses[1]);
    expect((await w.gatewayCharges(o.subscriptionId)).map((c) => c.outcome)).toEqual([
      'declined',
      'succeeded',
    ]);
    expect((await w.caseRow(o.caseId)).status).toBe('recovered');
  });

  it('a charge that goes through while the merchant cancels the subscription is still recorded', async () => {
    const o = await w.owing({ card: 'generic_decline' });
    const test = createTestGateway(w.db);
    const cancelingGateway: PaymentGateway = {
      name: 'test',
      async charge(req) {
        // The merchant cancels while the page's charge is at the gateway.
        await cancelSubscription(w.deps, {
          merchantId: w.merchantId,
          subscriptionId: o.subscriptionId,
        });
        return test.charge(req);
      },
    };
    const app = buildApp({
      services: { ...w.services, gateway: cancelingGateway },
      databaseKind: process.env.DUNNER_TEST_DB === 'postgres' ? 'postgres' : 'pglite',
    });
    try {
      const res = await postForm(app, o.path, {
        card_number: TEST_CARDS.success.number,
        exp: '12/30',
      });
      expect(res.statusCode).toBe(200);
      const text = textOf(res.body);
      expect(text).toContain('Payment received');
      expect(text).not.toContain('your subscription is active');
      expect(text).toContain('contact Scenario Co');
    } finally {
      await app.close();
    }
    // The money taken is on record for the operator, even though the case had been stopped.
    expect((await w.attempts(o.subscriptionId)).at(-1)).toMatchObject({
      status: 'succeeded',
      amount_minor: 2000,
    });
    expect(await w.eventTypes(o.subscriptionId)).toContain('payment_attempt.succeeded');
    expect((await w.caseRow(o.caseId)).status).toBe('stopped');
    expect((await w.subscription(o.subscriptionId)).state).toBe('canceled');
  });

  it('sends nothing while a worker holds the case', async () => {
    const o = await w.owing({ card: 'generic_decline' });
    await w.db
      .updateTable('dunning_cases')
      .set({ lease_owner: 'wrk_busy', lease_until: new Date(Date.now() + 60_000) })
      .where('merchant_id', '=', w.merchantId)
      .where('case_id', '=', o.caseId)
      .execute();
    const res = await w.post(o.path, { card_number: TEST_CARDS.success.number, exp: '12/30' });
    expect(res.statusCode).toBe(409);
    expect(await w.gatewayCharges(o.subscriptionId)).toHaveLength(1);
    expect((await w.caseRow(o.caseId)).status).toBe('open');
  });

  it('takes a test-gateway token from hosted fields through the same use case', async () => {
    const o = await w.owing({ card: 'expired' });
    const res = await w.post(o.path, {
      payment_method_token: tokenizeTestCard(TEST_CARDS.success_mastercard),
    });
    expect(res.statusCode).toBe(200);
    expect(textOf(res.body)).toContain('Mastercard •••• ending in 4444');
    expect((await w.caseRow(o.caseId)).status).toBe('recovered');
    const bad = await w.owing({ card: 'expired' });
    const refused = await w.post(bad.path, { payment_method_token: 'not a token!' });
    expect(refused.statusCode).toBe(422);
    expect(textOf(refused.body)).toContain('The payment details were not accepted.');
  });

  it('charges a Stripe payment method from hosted fields through the gateway that issued it', async () => {
    const o = await w.owing({ card: 'generic_decline' });
    const seen: ChargeRequest[] = [];
    const stripe: PaymentGateway = {
      name: 'stripe',
      async charge(req) {
        seen.push(req);
        return { kind: 'succeeded', gatewayChargeId: 'pi_test_1' };
      },
    };
    const app = buildApp({
      services: {
        ...w.services,
        gateway: createGatewayRouter({ test: createTestGateway(w.db), stripe }),
      },
      databaseKind: process.env.DUNNER_TEST_DB === 'postgres' ? 'postgres' : 'pglite',
    });
    try {
      const res = await postForm(app, o.path, { payment_method_token: 'stripe:cus_Q1:pm_Q2' });
      expect(res.statusCode).toBe(200);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({
        token: 'stripe:cus_Q1:pm_Q2',
        amountMinor: 2000,
        currency: 'USD',
        idempotencyKey: `${o.caseId}:update_link:${o.linkId}:1`,
      });
      expect((await w.methodOf(o.subscriptionId)).gateway).toBe('stripe');
      expect((await w.caseRow(o.caseId)).status).toBe('recovered');
    } finally {
      await app.close();
    }
  });
});

describe('authentication required (SCA)', () => {
  it('asks the customer to confirm with their bank; a declined challenge charges nothing; an approved one recovers', async () => {
    const o = await w.owing({ card: 'authentication_required' });
    expect((await w.caseRow(o.caseId)).last_category).toBe('authentication_required');

    const page = await w.get(o.path);
    expect(page.statusCode).toBe(200);
    expect(textOf(page.body)).toContain('Confirm this payment with your bank');
    expect(page.body).toContain(`href="${o.path}/authenticate"`);
    expect(textOf(page.body)).toContain('Or pay with a different card');

    const challenge = await w.get(`${o.path}/authenticate`);
    expect(challenge.statusCode).toBe(200);
    const text = textOf(challenge.body);
    expect(text).toContain('Test Bank');
    expect(text).toContain('Confirm your payment');
    expect(text).toContain('Scenario Co');
    expect(text).toContain('$20.00');
    expect(text).toContain('Visa •••• ending in 3184');
    const pmId = (await w.methodOf(o.subscriptionId)).payment_method_id;
    expect(challenge.body).toContain(`name="payment_method" value="${pmId}"`);

    const declined = await w.post(`${o.path}/authenticate`, {
      payment_method: pmId,
      decision: 'decline',
    });
    expect(declined.statusCode).toBe(200);
    expect(textOf(declined.body)).toContain(
      "You didn't confirm the payment with your bank, so nothing was charged.",
    );
    expect(await w.gatewayCharges(o.subscriptionId)).toHaveLength(1);

    const approved = await w.post(`${o.path}/authenticate`, {
      payment_method: pmId,
      decision: 'approve',
    });
    expect(approved.statusCode).toBe(200);
    expect(textOf(approved.body)).toContain('Payment received — your subscription is active');
    // The same card, charged on-session with the customer's authentication.
    const charges = await w.gatewayCharges(o.subscriptionId);
    expect(charges.map((c) => c.outcome)).toEqual(['declined', 'succeeded']);
    expect(charges[1]!.token).toBe(charges[0]!.token);
    expect(charges[0]!.token).toMatch(/^tok_test_authentication_required_[0-9a-f]{12}$/);
    expect((await w.attempts(o.subscriptionId)).at(-1)!.why).toContain('authenticated');
    expect((await w.caseRow(o.caseId)).status).toBe('recovered');
    expect(await w.subscription(o.subscriptionId)).toMatchObject({
      state: 'active',
      balanceMinor: 0,
    });
    expect((await w.linkRow(o.linkId)).used_at).not.toBeNull();
  });

  it('a new card whose bank asks for authentication goes through the challenge, then recovers', async () => {
    const o = await w.owing({ card: 'generic_decline' });
    const res = await w.post(o.path, {
      card_number: TEST_CARDS.authentication_required.number,
      exp: '12/30',
    });
    expect(res.statusCode).toBe(200);
    expect(textOf(res.body)).toContain('Test Bank');
    const pmId = res.body.match(/name="payment_method" value="([^"]+)"/)![1]!;
    expect((await w.methodOf(o.subscriptionId)).last4).toBe('3184');

    const approved = await w.post(`${o.path}/authenticate`, {
      payment_method: pmId,
      decision: 'approve',
    });
    expect(approved.statusCode).toBe(200);
    expect((await w.caseRow(o.caseId)).status).toBe('recovered');
    expect((await w.gatewayCharges(o.subscriptionId)).map((c) => c.outcome)).toEqual([
      'declined',
      'declined',
      'succeeded',
    ]);
  });

  it('an approval that no longer matches the card on file, or a case that needs none, charges nothing', async () => {
    const o = await w.owing({ card: 'authentication_required' });
    const stale = await w.post(`${o.path}/authenticate`, {
      payment_method: 'pm_other',
      decision: 'approve',
    });
    expect(stale.statusCode).toBe(409);
    expect(textOf(stale.body)).toContain('This payment no longer needs to be confirmed');

    const plain = await w.owing({ card: 'generic_decline' });
    const pmId = (await w.methodOf(plain.subscriptionId)).payment_method_id;
    const none = await w.post(`${plain.path}/authenticate`, {
      payment_method: pmId,
      decision: 'approve',
    });
    expect(none.statusCode).toBe(409);
    const redirect = await w.get(`${plain.path}/authenticate`);
    expect(redirect.statusCode).toBe(303);
    expect(redirect.headers.location).toBe(plain.path);

    expect(await w.gatewayCharges(o.subscriptionId)).toHaveLength(1);
    expect(await w.gatewayCharges(plain.subscriptionId)).toHaveLength(1);
  });

  it('the test gateway approves the authentication-required card only when the charge is authenticated', async () => {
    const gateway = createTestGateway(w.db);
    const base = {
      merchantId: w.merchantId,
      token: tokenizeTestCard(TEST_CARDS.authentication_required),
      amountMinor: 1500,
      currency: 'EUR',
      at: await w.now(),
    };
    const offSession = await gateway.charge({ ...base, idempotencyKey: 'sca-off-session' });
    expect(offSession).toMatchObject({
      kind: 'declined',
      raw: { code: 'authentication_required' },
    });
    const onSession = await gateway.charge({
      ...base,
      idempotencyKey: 'sca-on-session',
      authenticated: true,
    });
    expect(onSession.kind).toBe('succeeded');
    // Other declines are not cured by authentication.
    const stolen = await gateway.charge({
      ...base,
      token: tokenizeTestCard(TEST_CARDS.stolen),
      idempotencyKey: 'sca-stolen',
      authenticated: true,
    });
    expect(stolen).toMatchObject({ kind: 'declined', raw: { code: 'stolen_card' } });
  });
});

describe('links that do not open the page', () => {
  const revealsNothing = (html: string, o: { caseId: string; subscriptionId: string }) => {
    for (const secret of [
      'Scenario Co',
      'Pro plan',
      '20.00',
      'Ada',
      o.caseId,
      o.subscriptionId,
      w.merchantId,
    ])
      expect(html, secret).not.toContain(secret);
  };

  it('a tampered or unknown link shows a clear page with nothing from the merchant or the case', async () => {
    const o = await w.owing({ card: 'generic_decline' });
    const last = o.token.at(-1) === 'A' ? 'B' : 'A';
    const tampered = `/pay/${o.token.slice(0, -1)}${last}`;
    for (const url of [
      tampered,
      '/pay/nonsense',
      `/pay/${'x'.repeat(150)}`,
      `${tampered}/authenticate`,
    ]) {
      const res = await w.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toContain('text/html');
      expect(textOf(res.body)).toContain("This link doesn't work");
      revealsNothing(res.body, o);
    }
    const post = await w.post(tampered, { card_number: TEST_CARDS.success.number, exp: '12/30' });
    expect(post.statusCode).toBe(404);
    revealsNothing(post.body, o);
    expect(await w.gatewayCharges(o.subscriptionId)).toHaveLength(1);
    expect((await w.linkRow(o.linkId)).visits).toBe(0);
  });

  it('a used link shows a clear page with nothing from the merchant or the case', async () => {
    const o = await w.owing({ card: 'generic_decline' });
    await w.post(o.path, { card_number: TEST_CARDS.success.number, exp: '12/30' });
    const res = await w.get(o.path);
    expect(res.statusCode).toBe(410);
    expect(textOf(res.body)).toContain('This link is no longer active');
    revealsNothing(res.body, o);
  });

  it('an expired link shows a clear page with nothing from the merchant or the case, and charges nothing', async () => {
    const o = await w.owing({ card: 'generic_decline', linkTtlMs: 60 * MIN });
    expect((await w.get(o.path)).statusCode).toBe(200);
    await w.advanceTo(new Date((await w.now()).getTime() + 61 * MIN));
    const res = await w.get(o.path);
    expect(res.statusCode).toBe(410);
    expect(textOf(res.body)).toContain('This link has expired');
    revealsNothing(res.body, o);
    const post = await w.post(o.path, { card_number: TEST_CARDS.success.number, exp: '12/30' });
    expect(post.statusCode).toBe(410);
    revealsNothing(post.body, o);
    expect(await w.gatewayCharges(o.subscriptionId)).toHaveLength(1);
    expect((await w.caseRow(o.caseId)).status).toBe('open');
  });
});
