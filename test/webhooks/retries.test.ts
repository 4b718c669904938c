// Retries on the clock: a receiver that fails is tried again on the schedule (1 min, 5 min,
// 30 min, … with jitter), a 410 disables the endpoint, an exhausted delivery fails, a replay
// sends it again, and a worker that dies mid-delivery loses nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { sendWebhook } from '../../src/adapters/webhooks/http-sender.ts';
import { webhookHeaders } from '../../src/adapters/webhooks/signing.ts';
import { fixedClock } from '../../src/app/clock.ts';
import { unwrap } from '../../src/app/result.ts';
import { cancelSubscription } from '../../src/app/use-cases/subscription-actions.ts';
import { getWebhookDelivery, replayWebhookDelivery } from '../../src/app/webhooks/deliveries.ts';
import { dispatchDueWebhooks, reserveDueDeliveries } from '../../src/app/webhooks/dispatch.ts';
import { createWebhookEndpoint, getWebhookEndpoint } from '../../src/app/webhooks/endpoints.ts';
import { fanOutDueEvents } from '../../src/app/webhooks/fan-out.ts';
import { activeSecrets, type WebhookDeps } from '../../src/app/webhooks/send-delivery.ts';
import { RETRY_DELAYS_MS, retryWindowMs } from '../../src/domain/webhooks/retry-schedule.ts';
import { at, createWorld, type World } from '../support/world.ts';
import { type Receiver, startReceiver, verifyWith } from './receiver.ts';

let world: World | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await world?.close();
  world = undefined;
});

const START = at('2026-03-01T00:00:00Z');
const T0 = at('2026-07-14T09:00:00Z');
const LEASE_MS = 60_000;

async function setUp(options: { hang?: boolean; enabledEvents?: string[] } = {}) {
  world = await createWorld({ preset: 'gentle_30', start: START });
  const wall = fixedClock(T0);
  // The receiver listens on 127.0.0.1: this deployment allows loopback for test mode.
  const deps: WebhookDeps = { db: world.db, clock: wall, config: { allowLoopbackUrls: true } };
  const hooks = await startReceiver(options.hang ? { hang: true } : {});
  receivers.push(hooks);
  const { endpoint, secret } = unwrap(
    await createWebhookEndpoint(deps, {
      merchantId: world.merchantId,
      url: hooks.url,
      enabledEvents: options.enabledEvents ?? ['subscription.canceled'],
    }),
  );
  const sub = await world.subscribe({ card: 'success', periodStart: at('2026-02-20T10:00:00Z') });
  const dispatch = (o: { timeoutMs?: number } = {}) =>
    dispatchDueWebhooks(deps, { limit: 50, workerId: 'wrk_test', leaseMs: LEASE_MS, ...o });
  /** The merchant cancels a subscription: one subscription.canceled event to deliver. */
  const cancel = async (subscriptionId = sub) =>
    unwrap(
      await cancelSubscription(world!.deps, { merchantId: world!.merchantId, subscriptionId }),
    );
  const delivery = async () => {
    const row = await world!.db
      .selectFrom('webhook_deliveries')
      .select('delivery_id')
      .where('merchant_id', '=', world!.merchantId)
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    return unwrap(await getWebhookDelivery(world!.db, world!.merchantId, row.delivery_id));
  };
  return { world, wall, deps, hooks, endpoint, secret, sub, dispatch, cancel, delivery };
}

const seconds = (ms: number) => Math.round(ms / 1000);

describe('retries with backoff on the clock', () => {
  it('a receiver answering 500 twice then 200 gets three attempts at the scheduled times', async () => {
    const { wall, hooks, secret, dispatch, cancel, delivery } = await setUp();
    hooks.answer([500, 500], 200);
    await cancel();

    // 09:00: the first attempt gets a 500; a retry is planned about a minute later.
    await dispatch();
    let d = await delivery();
    expect(d).toMatchObject({ status: 'pending', last_status_code: 500 });
    const firstRetry = d.next_attempt_at!;
    const w1 = retryWindowMs(1)!;
    expect(firstRetry.getTime() - T0.getTime()).toBeGreaterThanOrEqual(w1.minMs);
    expect(firstRetry.getTime() - T0.getTime()).toBeLessThanOrEqual(w1.maxMs);

    // One second before it nothing goes out; at the planned time the second attempt does.
    wall.set(new Date(firstRetry.getTime() - 1000));
    expect(await dispatch()).toBe(0);
    expect(hooks.received).toHaveLength(1);
    wall.set(firstRetry);
    expect(await dispatch()).toBe(1);
    d = await delivery();
    expect(d).toMatchObject({ status: 'pending', last_status_code: 500 });
    const secondRetry = d.next_attempt_at!;
    const w2 = retryWindowMs(2)!;
    expect(secondRetry.getTime() - firstRetry.getTime()).toBeGreaterThanOrEqual(w2.minMs);
    expect(secondRetry.getTime() - firstRetry.getTime()).toBeLessThanOrEqual(w2.maxMs);

    wall.set(new Date(secondRetry.getTime() - 1000));
    expect(await dispatch()).toBe(0);
    wall.set(secondRetry);
    expect(await dispatch()).toBe(1);

    d = await delivery();
    expect(d.status).toBe('succeeded');
    expect(d.completed_at).toEqual(secondRetry);
    expect(
      d.attempts.map((a) => [
        a.attempt_number,
        a.trigger,
        a.started_at,
        a.status_code,
        a.succeeded,
      ]),
    ).toEqual([
      [1, 'scheduled', T0, 500, false],
      [2, 'scheduled', firstRetry, 500, false],
      [3, 'scheduled', secondRetry, 200, true],
    ]);
    expect(d.attempts[0]!.response_body).toBe('status 500');
    // The receiver saw one message three times: same webhook-id and body, a fresh timestamp and
    // signature each time, each valid at the moment it was sent.
    expect(new Set(hooks.received.map((m) => m.webhookId)).size).toBe(1);
    expect(new Set(hooks.received.map((m) => m.body)).size).toBe(1);
    expect(hooks.received.map((m) => m.webhookTimestamp)).toEqual(
      [T0, firstRetry, secondRetry].map((t) => seconds(t.getTime())),
    );
    for (const [i, t] of [T0, firstRetry, secondRetry].entries())
      expect(verifyWith(secret, hooks.received[i]!, t)).toMatchObject({
        type: 'subscription.canceled',
      });
    expect(await dispatch()).toBe(0);
  });

  it('exhausting the schedule (10 attempts over about three days) marks the delivery failed', async () => {
    const { wall, hooks, dispatch, cancel, delivery } = await setUp();
    hooks.answer([], 503);
    await cancel();
    await dispatch();
    for (let retry = 1; retry <= RETRY_DELAYS_MS.length; retry++) {
      const d = await delivery();
      expect(d.status).toBe('pending');
      wall.set(d.next_attempt_at!);
      expect(await dispatch()).toBe(1);
    }
    const d = await delivery();
    expect(d.status).toBe('failed');
    expect(d.next_attempt_at).toBeNull();
    expect(d.last_error).toBe('answered HTTP 503');
    expect(d.attempts).toHaveLength(10);
    expect(hooks.received).toHaveLength(10);
    const spanHours = (wall.now().getTime() - T0.getTime()) / 3_600_000;
    expect(spanHours).toBeGreaterThan(79.6 * 0.9);
    expect(spanHours).toBeLessThan(79.6 * 1.1);
    // Nothing more is sent, however long we wait.
    wall.advanceMs(30 * 24 * 3_600_000);
    expect(await dispatch()).toBe(0);
    expect(hooks.received).toHaveLength(10);
  });

  it('a replay sends a failed delivery again now, with the same webhook-id, as a new attempt', async () => {
    const { world, wall, deps, hooks, secret, dispatch, cancel, delivery } = await setUp();
    hooks.answer([500], 200);
    await cancel();
    await dispatch();
    // The delivery is pending its retry; the merchant fixed the receiver and replays at once.
    wall.advanceMs(10_000);
    const replayed = unwrap(
      await replayWebhookDelivery(deps, {
        merchantId: world.merchantId,
        deliveryId: (await delivery()).delivery_id,
      }),
    );
    expect(replayed.delivery.status).toBe('succeeded');
    expect(replayed.delivery.attempts.map((a) => [a.trigger, a.status_code])).toEqual([
      ['scheduled', 500],
      ['replay', 200],
    ]);
    expect(hooks.received.map((m) => m.webhookId)).toEqual([
      hooks.received[0]!.webhookId,
      hooks.received[0]!.webhookId,
    ]);
    expect(verifyWith(secret, hooks.received[1]!, wall.now())).toBeTruthy();
    // The planned retry does not go out any more.
    wall.advanceMs(3_600_000);
    expect(await dispatch()).toBe(0);

    // A replay of a delivery that already succeeded sends it once more.
    unwrap(
      await replayWebhookDelivery(deps, {
        merchantId: world.merchantId,
        deliveryId: replayed.delivery.delivery_id,
      }),
    );
    expect(hooks.received).toHaveLength(3);
    expect((await delivery()).attempts.map((a) => a.attempt_number)).toEqual([1, 2, 3]);
  });

  it('a failed replay of an exhausted delivery leaves it failed, with no new schedule', async () => {
    const { world, wall, deps, hooks, dispatch, cancel, delivery } = await setUp();
    hooks.answer([], 500);
    await cancel();
    await dispatch();
    for (let retry = 1; retry <= RETRY_DELAYS_MS.length; retry++) {
      wall.set((await delivery()).next_attempt_at!);
      await dispatch();
    }
    const replayed = unwrap(
      await replayWebhookDelivery(deps, {
        merchantId: world.merchantId,
        deliveryId: (await delivery()).delivery_id,
      }),
    );
    expect(replayed.delivery).toMatchObject({ status: 'failed', next_attempt_at: null });
    expect(replayed.delivery.attempts).toHaveLength(11);
    wall.advanceMs(7 * 24 * 3_600_000);
    expect(await dispatch()).toBe(0);
  });
});

describe('410 Gone', () => {
  it('disables the endpoint, records why, tells the merchant’s other endpoints, and sends it nothing more', async () => {
    const { world, deps, hooks, endpoint, dispatch, cancel, delivery } = await setUp();
    const other = await startReceiver();
    receivers.push(other);
    unwrap(
      await createWebhookEndpoint(deps, {
        merchantId: world.merchantId,
        url: other.url,
        enabledEvents: ['webhook_endpoint.disabled'],
      }),
    );
    hooks.answer([410]);
    await cancel();
    await dispatch();

    expect(await delivery()).toMatchObject({ status: 'failed', last_status_code: 410 });
    const disabled = unwrap(
      await getWebhookEndpoint(world.db, world.merchantId, endpoint.endpoint_id),
    );
    expect(disabled.status).toBe('disabled');
    expect(disabled.disabled_reason).toBe(`the endpoint answered 410 Gone at ${T0.toISOString()}`);
    const events = await world.db
      .selectFrom('events')
      .select(['type', 'data'])
      .where('merchant_id', '=', world.merchantId)
      .where('type', '=', 'webhook_endpoint.disabled')
      .execute();
    expect(events).toHaveLength(1);

    // The other endpoint learns of it on the next round.
    await dispatch();
    expect(other.types()).toEqual(['webhook_endpoint.disabled']);
    expect(other.received[0]!.json.data).toEqual({
      webhook_endpoint_id: endpoint.endpoint_id,
      url: hooks.url,
      reason: disabled.disabled_reason,
    });

    // A later event is not delivered to the disabled endpoint.
    const second = await world.subscribe({
      card: 'success',
      periodStart: at('2026-02-20T10:00:00Z'),
    });
    await cancel(second);
    await dispatch();
    expect(hooks.received).toHaveLength(1);
  });
});

describe('faults', () => {
  it('a worker that dies after claiming a delivery loses nothing: it goes out once the lease ends', async () => {
    const { deps, wall, hooks, dispatch, cancel, delivery } = await setUp();
    await cancel();
    await dispatch(); // fan-out and a first, successful delivery of the event…
    expect(hooks.received).toHaveLength(1);
    // …then a second event whose worker claims it and dies before sending.
    await cancel(
      await world!.subscribe({ card: 'success', periodStart: at('2026-02-20T10:00:00Z') }),
    );
    await fanOutDueEvents(deps, 50);
    const claimed = await reserveDueDeliveries(deps, {
      limit: 50,
      workerId: 'wrk_dead',
      leaseMs: LEASE_MS,
    });
    expect(claimed).toHaveLength(1);

    // While the lease runs no other worker takes it.
    wall.advanceMs(LEASE_MS - 1000);
    expect(await dispatch()).toBe(0);
    wall.advanceMs(1000);
    expect(await dispatch()).toBe(1);
    expect(hooks.received).toHaveLength(2);
    const d = await delivery();
    expect(d.status).toBe('succeeded');
    // The dead worker's attempt was never made, so it left no attempt record.
    expect(d.attempts.map((a) => [a.attempt_number, a.succeeded])).toEqual([[2, true]]);
  });

  it('a worker that dies after sending but before recording sends again with the same webhook-id', async () => {
    const { deps, wall, hooks, dispatch, cancel, delivery } = await setUp();
    await cancel();
    await fanOutDueEvents(deps, 50);
    const [claimed] = await reserveDueDeliveries(deps, {
      limit: 50,
      workerId: 'wrk_dead',
      leaseMs: LEASE_MS,
    });
    // The request reaches the receiver, then the worker dies before its transaction.
    await sendWebhook({
      url: claimed!.endpoint.url,
      headers: webhookHeaders(
        activeSecrets(claimed!.endpoint, wall.now()),
        claimed!.delivery.message_id,
        seconds(wall.now().getTime()),
        claimed!.delivery.body,
      ),
      body: claimed!.delivery.body,
      timeoutMs: 5000,
      allowLoopback: true,
    });
    wall.advanceMs(LEASE_MS);
    expect(await dispatch()).toBe(1);
    // At least once: the receiver deduplicates on webhook-id.
    expect(hooks.received).toHaveLength(2);
    expect(hooks.received[1]!.webhookId).toBe(hooks.received[0]!.webhookId);
    expect((await delivery()).status).toBe('succeeded');
  });

  it('a refused connection is a failed attempt with its reason, and is retried', async () => {
    const { hooks, dispatch, cancel, delivery } = await setUp();
    await hooks.close();
    await cancel();
    await dispatch();
    const d = await delivery();
    expect(d.status).toBe('pending');
    expect(d.attempts[0]).toMatchObject({ status_code: null, succeeded: false });
    expect(d.attempts[0]!.error).toMatch(/ECONNREFUSED/);
  });

  it('a receiver that does not answer in time is a failed attempt, and is retried', async () => {
    const { dispatch, cancel, delivery } = await setUp({ hang: true });
    await cancel();
    await dispatch({ timeoutMs: 200 });
    const d = await delivery();
    expect(d.status).toBe('pending');
    expect(d.attempts[0]).toMatchObject({
      status_code: null,
      succeeded: false,
      error: 'no answer within 200 ms',
    });
  });
});
