// The webhook endpoint as the app mounts it (src/app/http/site/), with the single-merchant
// STRIPE_WEBHOOK_SECRET: its raw-body parser stays in its scope, so /v1 still parses JSON.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { loadEvent } from './fixture-server.ts';

const SECRET = 'whsec_singleMerchantSecret0123456789';
let w: ApiWorld;
beforeAll(async () => {
  w = await createApiWorld({ config: { stripeWebhookSecret: SECRET } });
});
afterAll(() => w.close());

async function post(payload: string, secret: string) {
  const res = await w.app.inject({
    method: 'POST',
    url: `/inbound/stripe/${w.merchantId}`,
    headers: {
      'content-type': 'application/json',
      'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret }),
    },
    payload,
  });
  return { status: res.statusCode, body: res.json() };
}

describe('the Stripe endpoint in the app', () => {
  it('verifies events with the environment’s webhook secret', async () => {
    const event = {
      ...loadEvent('invoice.payment_failed'),
      id: 'evt_in_app',
      type: 'invoice.paid',
    };
    const ok = await post(JSON.stringify(event), SECRET);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ received: true, kind: 'ignored' });
    const forged = await post(JSON.stringify(event), 'whsec_notTheSecret0123456789');
    expect(forged.status).toBe(400);
    expect(forged.body.error).toMatchObject({ code: 'invalid_field', field: 'Stripe-Signature' });
  });

  it('leaves JSON parsing of the API as it was', async () => {
    const res = await w.api('POST', '/v1/customers', {
      body: { name: 'Grace Hopper', email: 'grace@example.com' },
    });
    expect(res.status).toBe(201);
    expect(res.body.name).toBe('Grace Hopper');
  });
});
