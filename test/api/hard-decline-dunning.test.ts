// Hard-decline dunning through the API, as an operator and a merchant meet it: the operator's
// configuration makes it available, the merchant activates it, a hard-declined weekly renewal on a
// subscription without a grace period sends one message whose link pays at 2 h 59 and takes no
// card at 3 h 01; the strategy's later messages, whose link would be dead, are not sent.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TEST_CARDS } from '../../src/adapters/gateways/test-gateway/cards.ts';
import { issueUpdateLink } from '../../src/app/update-links/update-links.ts';
import { applyHardDeclineDunningConfig } from '../../src/app/use-cases/hard-decline-dunning.ts';
import { createMessageWorld, type MessageWorld } from '../messages/support.ts';
import { TEST_PUBLIC_URL } from '../support/api.ts';
import { day } from '../support/world.ts';

let w: MessageWorld;

beforeAll(async () => {
  w = await createMessageWorld({ config: { smtpUrl: null } });
});
afterAll(async () => {
  await w.close();
});

// Weekly subscriptions created on Mar 1 renew on Mar 8 at midnight (UTC).
const RENEWAL = new Date('2026-03-08T00:00:00Z');
const minutesAfterRenewal = (minutes: number) =>
  new Date(RENEWAL.getTime() + minutes * 60_000).toISOString();

async function stolenCardSubscription(name: string) {
  const customer = await w.api('POST', '/v1/customers', {
    body: { name, email: `${name.toLowerCase()}@example.com` },
  });
  const pm = await w.api('POST', `/v1/customers/${customer.body.id}/payment_methods`, {
    body: { test_card: 'stolen' },
  });
  const sub = await w.api('POST', '/v1/subscriptions', {
    body: {
      customer_id: customer.body.id,
      payment_method_id: pm.body.id,
      product_name: 'Weekly box',
      price_in_cents: 1500,
      currency: 'EUR',
      interval: 'week',
      grace_days: 0,
    },
  });
  expect(sub.status).toBe(201);
  return { customerId: customer.body.id as string, subscriptionId: sub.body.id as string };
}

async function messagesOf(customerId: string) {
  const list = await w.api('GET', '/v1/messages', { query: { customer_id: customerId } });
  return Promise.all(
    list.body.data.map(
      async (m: { id: string }) => (await w.api('GET', `/v1/messages/${m.id}`)).body,
    ),
  );
}

function payPath(text: string): string {
  const match = /\/pay\/[A-Za-z0-9._-]+/.exec(text);
  if (!match) throw new Error(`no update link in ${text}`);
  return match[0];
}

/** What the test gateway was asked to charge for the subscription, oldest first. */
async function gatewayCharges(subscriptionId: string) {
  return (await w.gatewayCharges(subscriptionId))
    .sort((x, y) => x.first_requested_at.getTime() - y.first_requested_at.getTime())
    .map((c) => ({ outcome: c.outcome, amount_minor: c.amount_minor }));
}

async function payWithNewCard(path: string) {
  return w.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      card_number: TEST_CARDS.success.number,
      exp: '12/30',
    }).toString(),
  });
}

describe('hard-decline dunning, switched on and kept to its rules', () => {
  test('available by configuration, activated by the merchant; one message; its link pays at 2 h 59 and not at 3 h 01', async () => {
    // Before the operator acts, the merchant is told who makes it available.
    const early = await w.api('POST', '/v1/merchant', { body: { hard_decline_dunning: true } });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({
      code: 'invalid_state',
      field: 'hard_decline_dunning',
    });
    expect(early.body.error.message).toMatch(/dunner merchant hard-decline-dunning --available/);

    // serve start with DUNNER_HARD_DECLINE_DUNNING_MERCHANTS=<this merchant>.
    expect(await applyHardDeclineDunningConfig(w.deps, [w.merchantId, 'mer_nobody'])).toEqual({
      madeAvailable: [w.merchantId],
      unknown: ['mer_nobody'],
    });
    const on = await w.api('POST', '/v1/merchant', { body: { hard_decline_dunning: true } });
    expect(on.status).toBe(200);
    expect(on.body.hard_decline_dunning).toEqual({ available: true, active: true });

    const ana = await stolenCardSubscription('Ana');
    const ben = await stolenCardSubscription('Ben');

    // Mar 8, 00:00: both renewals are declined (stolen card); a minute later the cases have run
    // their first step and the messages have gone out.
    await w.api('POST', '/v1/test_clock/advance', { body: { to: minutesAfterRenewal(1) } });
    await w.dispatch();
    for (const who of [ana, ben]) {
      const messages = await messagesOf(who.customerId);
      expect(messages.map((m) => m.template)).toEqual(['hard_decline']);
      expect(messages[0].text).toContain('/pay/');
      expect((await w.api('GET', `/v1/subscriptions/${who.subscriptionId}`)).body.state).toBe(
        'past_due',
      );
      expect(await gatewayCharges(who.subscriptionId)).toEqual([
        { outcome: 'declined', amount_minor: 1500 },
      ]);
    }
    const anaLink = payPath((await messagesOf(ana.customerId))[0].text);
    const benLink = payPath((await messagesOf(ben.customerId))[0].text);

    // 02:59: Ana's link opens and her new card is charged at once; her subscription is active.
    await w.api('POST', '/v1/test_clock/advance', { body: { to: minutesAfterRenewal(179) } });
    expect((await w.app.inject({ method: 'GET', url: anaLink })).statusCode).toBe(200);
    const paid = await payWithNewCard(anaLink);
    expect(paid.statusCode).toBe(200);
    expect((await w.api('GET', `/v1/subscriptions/${ana.subscriptionId}`)).body).toMatchObject({
      state: 'active',
      balance_in_cents: 0,
    });
    expect((await gatewayCharges(ana.subscriptionId)).map((c) => c.outcome)).toEqual([
      'declined',
      'succeeded',
    ]);

    // 03:01: Ben's link has expired; a card sent to it is not charged.
    await w.api('POST', '/v1/test_clock/advance', { body: { to: minutesAfterRenewal(181) } });
    const opened = await w.app.inject({ method: 'GET', url: benLink });
    expect(opened.statusCode).toBe(410);
    expect(opened.body).toContain('This link has expired');
    const refused = await payWithNewCard(benLink);
    expect(refused.statusCode).toBe(410);
    // Any other link of the case, whatever its own expiry (a first notice's is 14 days), too.
    const [benCase] = (
      await w.api('GET', '/v1/dunning_cases', { query: { subscription_id: ben.subscriptionId } })
    ).body.data;
    const longLink = await issueUpdateLink(w.db, {
      merchantId: w.merchantId,
      caseId: benCase.id,
      at: new Date(minutesAfterRenewal(1)),
      publicUrl: TEST_PUBLIC_URL,
    });
    const other = await payWithNewCard(new URL(longLink.url).pathname);
    expect(other.statusCode).toBe(410);
    expect(other.body).toContain('This link has expired');
    expect(await gatewayCharges(ben.subscriptionId)).toHaveLength(1);
    expect((await w.api('GET', `/v1/subscriptions/${ben.subscriptionId}`)).body.state).toBe(
      'past_due',
    );

    // Mar 16 (the strategy's day-8 reminder): its link would be dead, so Ben gets nothing more,
    // and his case says why.
    await w.api('POST', '/v1/test_clock/advance', {
      body: { to: day('2026-03-16').toISOString() },
    });
    await w.dispatch();
    expect((await messagesOf(ben.customerId)).map((m) => m.template)).toEqual(['hard_decline']);
    const cases = await w.api('GET', '/v1/dunning_cases', {
      query: { subscription_id: ben.subscriptionId },
    });
    const timeline = await w.api('GET', `/v1/dunning_cases/${cases.body.data[0].id}`);
    expect(JSON.stringify(timeline.body)).toMatch(
      /step 3 sends no message: its update link would not work/,
    );
  });
});
