// Day by day: a merchant's endpoint receives the engine's events, signed per Standard Webhooks
// and checked with the standardwebhooks library, an implementation independent of Dunner's.
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookSender } from '../../src/adapters/webhooks/http-sender.ts';
import { fixedClock } from '../../src/app/clock.ts';
import { unwrap } from '../../src/app/result.ts';
import { sendTestWebhook } from '../../src/app/webhooks/deliveries.ts';
import { dispatchDueWebhooks } from '../../src/app/webhooks/dispatch.ts';
import {
  createWebhookEndpoint,
  rotateWebhookEndpointSecret,
} from '../../src/app/webhooks/endpoints.ts';
import type { WebhookDeps } from '../../src/app/webhooks/send-delivery.ts';
import { at, createWorld, type World } from '../support/world.ts';
import { type Receiver, startReceiver, verifyWith } from './receiver.ts';

let world: World | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await world?.close();
  world = undefined;
});

async function receiver() {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

const START = at('2026-03-01T00:00:00Z');
const PERIOD_START = at('2026-02-05T10:00:00Z');
const RENEWAL = at('2026-03-05T10:00:00Z');

/** Runs the dispatcher until nothing is due, as a worker loop would. */
async function drainWebhooks(deps: WebhookDeps, workerId = 'wrk_test'): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await dispatchDueWebhooks(deps, { limit: 50, workerId, leaseMs: 60_000 });
    total += n;
    if (n === 0) return total;
  }
}

async function setUp() {
  world = await createWorld({ preset: 'gentle_30', start: START });
  // The receiver's wall clock; the merchant's business time is its own test clock.
  const wall = fixedClock(at('2026-07-14T09:00:00Z'));
  // The receiver listens on 127.0.0.1: this deployment allows loopback for test mode.
  const deps: WebhookDeps = { db: world.db, clock: wall, config: { allowLoopbackUrls: true } };
  return { world, wall, deps };
}

describe('a failed renewal reaches the merchant’s endpoint', () => {
  it('as payment.failed, dunning.started and subscription.past_due, each verified by the standardwebhooks library', async () => {
    const { world, wall, deps } = await setUp();
    const hooks = await receiver();
    const { endpoint, secret } = unwrap(
      await createWebhookEndpoint(deps, {
        merchantId: world.merchantId,
        url: hooks.url,
        enabledEvents: ['*'],
      }),
    );
    const sub = await world.subscribe({
      card: 'insufficient_funds',
      periodStart: PERIOD_START,
      priceMinor: 2000,
      currency: 'USD',
    });

    // Day 5, 10:00 business time: the renewal is declined and dunning starts.
    await world.advanceTo(at('2026-03-05T11:00:00Z'));
    await drainWebhooks(deps);

    expect(hooks.types()).toEqual(['payment.failed', 'dunning.started', 'subscription.past_due']);
    const caseId = (await world.latestCase(sub))!.case_id;
    const [failed, started, pastDue] = hooks.inEventOrder();
    for (const message of hooks.received) {
      // The independent implementation accepts the signature and returns the body.
      expect(verifyWith(secret, message, wall.now())).toEqual(message.json);
      expect(message.webhookTimestamp).toBe(Math.floor(wall.now().getTime() / 1000));
      expect(message.headers['content-type']).toBe('application/json');
      expect(message.webhookId).toMatch(/^evt_\d+$/);
      // The body's timestamp is when it happened in the merchant's (test clock) time.
      expect(message.json.timestamp).toBe(RENEWAL.toISOString());
    }
    expect(new Set(hooks.received.map((m) => m.webhookId)).size).toBe(3);
    expect(failed!.json.data).toEqual({
      subscription_id: sub,
      case_id: null,
      attempt_id: expect.any(String),
      charge_id: null,
      external_charge_id: null,
      purpose: 'renewal',
      amount_in_cents: 2000,
      currency: 'USD',
      decline_code: 'insufficient_funds / network 51',
      decline_category: 'insufficient_funds',
    });
    expect(started!.json.data).toMatchObject({
      subscription_id: sub,
      case_id: caseId,
      amount_due_in_cents: 2000,
      currency: 'USD',
      decline_category: 'insufficient_funds',
      strategy_version: 1,
    });
    expect(pastDue!.json.data).toMatchObject({
      subscription_id: sub,
      case_id: caseId,
      previous_state: 'active',
      state: 'past_due',
    });

    // The delivery log says each was delivered at the first attempt.
    const deliveries = await world.db
      .selectFrom('webhook_deliveries')
      .select(['status', 'endpoint_id'])
      .where('merchant_id', '=', world.merchantId)
      .execute();
    expect(deliveries).toEqual(
      Array(3).fill({ status: 'succeeded', endpoint_id: endpoint.endpoint_id }),
    );
    // Nothing is sent twice.
    expect(await drainWebhooks(deps)).toBe(0);
    expect(hooks.received).toHaveLength(3);
  });

  it('only with the types an endpoint subscribed to', async () => {
    const { world, deps } = await setUp();
    const all = await receiver();
    const onlyDunning = await receiver();
    const subscriptions = await receiver();
    for (const [hooks, enabledEvents] of [
      [all, ['*']],
      [onlyDunning, ['dunning.started']],
      [subscriptions, ['subscription.*']],
    ] as const)
      unwrap(
        await createWebhookEndpoint(deps, {
          merchantId: world.merchantId,
          url: hooks.url,
          enabledEvents: [...enabledEvents],
        }),
      );
    const sub = await world.subscribe({ card: 'insufficient_funds', periodStart: PERIOD_START });
    await world.advanceTo(at('2026-03-05T11:00:00Z'));
    await drainWebhooks(deps);

    expect(onlyDunning.types()).toEqual(['dunning.started']);
    expect(onlyDunning.received[0]!.json.data.subscription_id).toBe(sub);
    expect(subscriptions.types()).toEqual(['subscription.past_due']);
    expect(all.types()).toEqual(['payment.failed', 'dunning.started', 'subscription.past_due']);
    // The same event carries the same webhook-id at every endpoint.
    expect(onlyDunning.received[0]!.webhookId).toBe(all.inEventOrder()[1]!.webhookId);
  });

  it('from two workers at once, each message exactly once', async () => {
    const { world, deps } = await setUp();
    const hooks = await receiver();
    unwrap(
      await createWebhookEndpoint(deps, {
        merchantId: world.merchantId,
        url: hooks.url,
        enabledEvents: ['*'],
      }),
    );
    for (let i = 0; i < 6; i++)
      await world.subscribe({ card: 'insufficient_funds', periodStart: PERIOD_START });
    await world.advanceTo(at('2026-03-05T11:00:00Z'));
    await Promise.all([drainWebhooks(deps, 'wrk_a'), drainWebhooks(deps, 'wrk_b')]);

    expect(hooks.received).toHaveLength(18);
    expect(new Set(hooks.received.map((m) => m.webhookId)).size).toBe(18);
  });
});

describe('secret rotation', () => {
  it('signs with the new and the previous secret for 24 hours, then with the new one only', async () => {
    const { world, wall, deps } = await setUp();
    const hooks = await receiver();
    const created = unwrap(
      await createWebhookEndpoint(deps, {
        merchantId: world.merchantId,
        url: hooks.url,
        enabledEvents: ['*'],
      }),
    );
    const target = { merchantId: world.merchantId, endpointId: created.endpoint.endpoint_id };

    unwrap(await sendTestWebhook(deps, target));
    expect(hooks.received[0]!.signatures).toHaveLength(1);
    expect(verifyWith(created.secret, hooks.received[0]!, wall.now())).toMatchObject({
      type: 'webhook_endpoint.pinged',
    });

    const rotated = unwrap(await rotateWebhookEndpointSecret(deps, target));
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.endpoint.previous_secret_expires_at).toEqual(
      new Date(wall.now().getTime() + 24 * 3_600_000),
    );

    // 23 h 59 min later: both signatures, so receivers on either secret accept the message.
    wall.advanceMs(24 * 3_600_000 - 60_000);
    unwrap(await sendTestWebhook(deps, target));
    const during = hooks.received[1]!;
    expect(during.signatures).toHaveLength(2);
    expect(verifyWith(rotated.secret, during, wall.now())).toBeTruthy();
    expect(verifyWith(created.secret, during, wall.now())).toBeTruthy();

    // After 24 h: the new secret only.
    wall.advanceMs(60_000);
    unwrap(await sendTestWebhook(deps, target));
    const after = hooks.received[2]!;
    expect(after.signatures).toHaveLength(1);
    expect(verifyWith(rotated.secret, after, wall.now())).toBeTruthy();
    expect(() => verifyWith(created.secret, after, wall.now())).toThrow('No matching signature');
  });
});

describe('an endpoint whose name resolves to this machine or a metadata service', () => {
  /** A port that counts every connection made to it. */
  async function countingPort() {
    let connections = 0;
    const server = createTcpServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receivers.push({
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    } as Receiver);
    return { port: (server.address() as AddressInfo).port, connections: () => connections };
  }

  it.each([
    [false, '127.0.0.1', 'not sent: hooks.example resolves to 127.0.0.1, a loopback address'],
    [
      true,
      '169.254.169.254',
      'not sent: hooks.example resolves to 169.254.169.254, a cloud metadata address',
    ],
  ])(
    'is never connected to (loopback allowed: %s, resolves to %s); the delivery log says why',
    async (allowLoopbackUrls, address, why) => {
      const { world, wall } = await setUp();
      const deps: WebhookDeps = { db: world.db, clock: wall, config: { allowLoopbackUrls } };
      const target = await countingPort();
      // The name is public as written, so registration takes it; DNS decides at send time.
      const { endpoint } = unwrap(
        await createWebhookEndpoint(deps, {
          merchantId: world.merchantId,
          url: `https://hooks.example:${target.port}/hooks`,
          enabledEvents: ['*'],
        }),
      );
      const send = createWebhookSender({ resolve: async () => [{ address, family: 4 }] });
      const ping = unwrap(
        await sendTestWebhook(
          deps,
          { merchantId: world.merchantId, endpointId: endpoint.endpoint_id },
          { send },
        ),
      );

      expect(ping.attempt).toMatchObject({ succeeded: false, statusCode: null, status: 'failed' });
      expect(ping.delivery).toMatchObject({ status: 'failed', last_error: why });
      expect(ping.delivery.attempts).toEqual([
        expect.objectContaining({ succeeded: false, status_code: null, error: why }),
      ]);
      expect(target.connections()).toBe(0);
    },
  );
});
