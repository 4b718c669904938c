// Secrets at rest, as someone reading the database would see them and as the merchant relies on
// them: with DUNNER_SECRETS_KEY set, no signing secret, Stripe key, link key or channel setting is
// in the rows in clear; webhooks still verify with the standardwebhooks library, Stripe keys and
// update links still work; a rotation to a new key changes every row and loses nothing.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NO_KEYS,
  parseSecretsKey,
  SecretsKeyError,
  useSecretsKeys,
} from '../../src/adapters/crypto/secret-box.ts';
import { resealAllSecrets } from '../../src/adapters/db/secrets.repo.ts';
import { findStripeAccount } from '../../src/adapters/db/stripe.repo.ts';
import { getWebhookEndpointRow } from '../../src/adapters/db/webhooks.repo.ts';
import { unwrap } from '../../src/app/result.ts';
import { saveStripeAccount } from '../../src/app/stripe/save-stripe-account.ts';
import { issueUpdateLink, verifyUpdateLinkToken } from '../../src/app/update-links/update-links.ts';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { at } from '../support/world.ts';
import { type Receiver, startReceiver, verifyWith } from '../webhooks/receiver.ts';

const keyA = parseSecretsKey(randomBytes(32).toString('base64'))!;
const keyB = parseSecretsKey(randomBytes(32).toString('base64'))!;
const STRIPE_SECRET = 'sk_test_51AbCdEfGhIjKlMnOpQrStUv';
const STRIPE_WEBHOOK = 'whsec_AbCdEfGhIjKlMnOpQrStUvWx';
const SLACK_PART = 'T0AAA/B0BBB/secretpartofslackurl';
const CHANNEL_SECRET = 'whsec_Y2hhbm5lbC1zZWNyZXQtcGFydA==';

let w: ApiWorld;
let hooks: Receiver;
let endpointId: string;
let endpointSecret: string;
let customerId: string;
let linkToken: string;

/** Every secret-holding column of the merchant as stored, one string. */
async function rawRows(): Promise<string> {
  const tables = ['webhook_endpoints', 'stripe_accounts', 'merchant_secrets', 'customer_channels'];
  const rows = [];
  for (const table of tables)
    rows.push(
      await w.db
        .selectFrom(table as 'webhook_endpoints')
        .selectAll()
        .where('merchant_id', '=', w.merchantId)
        .execute(),
    );
  return JSON.stringify(rows);
}

async function sendTestEvent() {
  const before = hooks.received.length;
  const res = await w.api('POST', `/v1/webhook_endpoints/${endpointId}/test`);
  expect(res.status).toBe(200);
  const message = hooks.received[before]!;
  return verifyWith(endpointSecret, message, new Date(message.webhookTimestamp * 1000));
}

beforeAll(async () => {
  useSecretsKeys({ current: keyA, previous: [] });
  w = await createApiWorld({ start: at('2026-03-01T00:00:00Z') });
  hooks = await startReceiver();

  const created = await w.api('POST', '/v1/webhook_endpoints', {
    body: { url: hooks.url, enabled_events: ['*'] },
  });
  expect(created.status).toBe(201);
  endpointId = created.body.id;
  endpointSecret = created.body.secret;

  unwrap(
    await saveStripeAccount(w.deps, {
      merchantId: w.merchantId,
      secretKey: STRIPE_SECRET,
      webhookSecret: STRIPE_WEBHOOK,
    }),
  );

  const sub = await w.subscribe({
    card: 'insufficient_funds',
    periodStart: at('2026-02-05T10:00:00Z'),
    priceMinor: 2000,
    currency: 'USD',
  });
  await w.advanceTo(at('2026-03-05T11:00:00Z'));
  const openCase = (await w.latestCase(sub))!;
  customerId = (
    await w.db
      .selectFrom('subscriptions')
      .select('customer_id')
      .where('subscription_id', '=', sub)
      .executeTakeFirstOrThrow()
  ).customer_id;
  const link = await issueUpdateLink(w.db, {
    merchantId: w.merchantId,
    caseId: openCase.case_id,
    at: at('2026-03-05T11:00:00Z'),
    publicUrl: 'http://dunner.test',
  });
  linkToken = link.token;

  const put = await w.api('PUT', `/v1/customers/${customerId}/channels`, {
    body: {
      channels: [
        { type: 'slack', webhook_url: `https://hooks.slack.com/services/${SLACK_PART}` },
        { type: 'webhook', url: 'https://app.shop.example/dunner', secret: CHANNEL_SECRET },
        { type: 'email' },
      ],
    },
  });
  expect(put.status).toBe(200);
});

afterAll(async () => {
  useSecretsKeys(NO_KEYS);
  await hooks?.close();
  await w?.close();
});

describe('with DUNNER_SECRETS_KEY set', () => {
  it('stores no signing secret, Stripe key, link key or channel setting in clear', async () => {
    const raw = await rawRows();
    for (const secret of [
      endpointSecret,
      STRIPE_SECRET,
      STRIPE_WEBHOOK,
      SLACK_PART,
      CHANNEL_SECRET,
    ])
      expect(raw).not.toContain(secret);
    const endpoint = await w.db
      .selectFrom('webhook_endpoints')
      .select('secret')
      .where('endpoint_id', '=', endpointId)
      .executeTakeFirstOrThrow();
    expect(endpoint.secret.startsWith(`enc:v1:${keyA.id}:`)).toBe(true);
    const link = await w.db
      .selectFrom('merchant_secrets')
      .select('link_signing_key')
      .where('merchant_id', '=', w.merchantId)
      .executeTakeFirstOrThrow();
    expect(link.link_signing_key.startsWith(`enc:v1:${keyA.id}:`)).toBe(true);
  });

  it('webhooks verify with the secret the merchant was shown; keys, links and channels work', async () => {
    expect(await sendTestEvent()).toMatchObject({ type: 'webhook_endpoint.pinged' });
    expect(await findStripeAccount(w.db, w.merchantId)).toMatchObject({
      secret_key: STRIPE_SECRET,
      webhook_secret: STRIPE_WEBHOOK,
    });
    const verified = await verifyUpdateLinkToken(w.db, linkToken, at('2026-03-05T12:00:00Z'));
    expect(verified.ok).toBe(true);
    const channels = await w.api('GET', `/v1/customers/${customerId}/channels`);
    expect(channels.body.channels.map((c: { type: string }) => c.type)).toEqual([
      'slack',
      'webhook',
      'email',
    ]);
    expect(channels.body.channels[1]).toMatchObject({
      url: 'https://app.shop.example/dunner',
      secret_set: true,
    });
  });

  it('a rotation seals every row under the new key, and everything still works with it alone', async () => {
    const before = await rawRows();
    const counts = await resealAllSecrets(w.db, { current: keyB, previous: [keyA] });
    expect(counts.webhook_endpoints.resealed).toBeGreaterThanOrEqual(1);
    expect(counts.stripe_accounts.resealed).toBe(1);
    expect(counts.merchant_secrets.resealed).toBe(1);
    expect(counts.customer_channels.resealed).toBe(3);
    const after = await rawRows();
    expect(after).not.toBe(before);
    expect(after).not.toContain(`enc:v1:${keyA.id}:`);

    useSecretsKeys({ current: keyB, previous: [] });
    expect(await sendTestEvent()).toMatchObject({ type: 'webhook_endpoint.pinged' });
    expect((await findStripeAccount(w.db, w.merchantId))?.secret_key).toBe(STRIPE_SECRET);
    expect((await verifyUpdateLinkToken(w.db, linkToken, at('2026-03-05T12:00:00Z'))).ok).toBe(
      true,
    );
    expect((await w.api('GET', `/v1/customers/${customerId}/channels`)).status).toBe(200);

    // Nothing left to do the second time.
    const again = await resealAllSecrets(w.db, { current: keyB, previous: [] });
    expect(Object.values(again).map((c) => c.resealed)).toEqual([0, 0, 0, 0]);
  });

  it('with the wrong key, reading a secret fails naming the key it needs, and changes nothing', async () => {
    const other = parseSecretsKey(randomBytes(32).toString('hex'))!;
    useSecretsKeys({ current: other, previous: [] });
    try {
      await expect(getWebhookEndpointRow(w.db, w.merchantId, endpointId)).rejects.toThrow(
        SecretsKeyError,
      );
      await expect(getWebhookEndpointRow(w.db, w.merchantId, endpointId)).rejects.toThrow(
        `sealed with key ${keyB.id}`,
      );
      const before = await rawRows();
      await expect(resealAllSecrets(w.db, { current: other, previous: [] })).rejects.toThrow(
        SecretsKeyError,
      );
      expect(await rawRows()).toBe(before);
    } finally {
      useSecretsKeys({ current: keyB, previous: [] });
    }
  });
});
