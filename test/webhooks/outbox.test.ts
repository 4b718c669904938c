// A webhook outbox row is written only for an event some enabled endpoint of the merchant would
// receive: a merchant without endpoints, or whose endpoints filter the event out, gets its events
// in the event log and nothing queued for delivery.
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/app/clock.ts';
import { unwrap } from '../../src/app/result.ts';
import { dispatchDueWebhooks } from '../../src/app/webhooks/dispatch.ts';
import { createWebhookEndpoint, updateWebhookEndpoint } from '../../src/app/webhooks/endpoints.ts';
import type { WebhookDeps } from '../../src/app/webhooks/send-delivery.ts';
import { acceptsEvent } from '../../src/domain/webhooks/event-filter.ts';
import { publicTypeOf } from '../../src/domain/webhooks/public-events.ts';
import { at, createWorld, type World } from '../support/world.ts';
import { type Receiver, startReceiver } from './receiver.ts';

let world: World | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await world?.close();
  world = undefined;
});

const START = at('2026-03-01T00:00:00Z');
const PERIOD_START = at('2026-02-05T10:00:00Z');
const RENEWAL_DECLINED = at('2026-03-05T11:00:00Z');
// gentle_30 retries on days 3 and 7 of the case: both steps have run by then.
const AFTER_RETRIES = at('2026-03-13T11:00:00Z');

async function setUp() {
  world = await createWorld({ preset: 'gentle_30', start: START });
  const deps: WebhookDeps = {
    db: world.db,
    clock: fixedClock(at('2026-07-14T09:00:00Z')),
    config: { allowLoopbackUrls: true },
  };
  const hooks = await startReceiver();
  receivers.push(hooks);
  return { world, deps, hooks };
}

async function drainWebhooks(deps: WebhookDeps): Promise<void> {
  while (
    (await dispatchDueWebhooks(deps, { limit: 50, workerId: 'wrk_test', leaseMs: 60_000 })) > 0
  );
}

async function eventTypes(w: World): Promise<string[]> {
  const rows = await w.db
    .selectFrom('events')
    .select('type')
    .where('merchant_id', '=', w.merchantId)
    .orderBy('event_id')
    .execute();
  return rows.map((r) => r.type);
}

/** The internal types of the events queued for webhook delivery, in order. */
async function webhookRowTypes(w: World): Promise<string[]> {
  const rows = await w.db
    .selectFrom('outbox')
    .select('payload')
    .where('merchant_id', '=', w.merchantId)
    .where('topic', '=', 'webhook')
    .orderBy('outbox_id')
    .execute();
  return rows.map((r) => (r.payload as { type: string }).type);
}

describe('webhook outbox rows', () => {
  it('a merchant without endpoints gets its dunning events and messages, and no webhook rows', async () => {
    const { world } = await setUp();
    await world.subscribe({ card: 'insufficient_funds', periodStart: PERIOD_START });

    // Day 5: the renewal is declined and dunning starts; days 8 and 12: the case retries.
    await world.advanceTo(AFTER_RETRIES);

    const types = await eventTypes(world);
    expect(types).toEqual(
      expect.arrayContaining([
        'payment_attempt.failed',
        'dunning_case.opened',
        'subscription.past_due',
        'dunning_case.retry_attempted',
        'message.queued',
      ]),
    );
    expect(await webhookRowTypes(world)).toEqual([]);
    const messages = await world.db
      .selectFrom('outbox')
      .select('outbox_id')
      .where('merchant_id', '=', world.merchantId)
      .where('topic', '=', 'message')
      .execute();
    expect(messages.length).toBeGreaterThan(0);
  });

  it('an endpoint subscribed to some types gets rows and deliveries for those types only', async () => {
    const { world, deps, hooks } = await setUp();
    const enabledEvents = ['payment.failed', 'subscription.*'];
    unwrap(
      await createWebhookEndpoint(deps, {
        merchantId: world.merchantId,
        url: hooks.url,
        enabledEvents,
      }),
    );
    await world.subscribe({ card: 'insufficient_funds', periodStart: PERIOD_START });

    // Day 5: of payment.failed, dunning.started and subscription.past_due, two are queued.
    await world.advanceTo(RENEWAL_DECLINED);
    expect(await webhookRowTypes(world)).toEqual([
      'payment_attempt.failed',
      'subscription.past_due',
    ]);
    await drainWebhooks(deps);
    expect(hooks.types()).toEqual(['payment.failed', 'subscription.past_due']);

    // Through the retries: exactly the events the endpoint's filter accepts, nothing unpublished.
    await world.advanceTo(AFTER_RETRIES);
    const accepted = (await eventTypes(world)).filter((type) => {
      const publicType = publicTypeOf(type);
      return publicType !== null && acceptsEvent(enabledEvents, publicType);
    });
    expect(await webhookRowTypes(world)).toEqual(accepted);
    await drainWebhooks(deps);
    expect(hooks.types()).toEqual(accepted.map((t) => publicTypeOf(t)));
  });

  it('a disabled endpoint gets no rows and no deliveries', async () => {
    const { world, deps, hooks } = await setUp();
    const { endpoint } = unwrap(
      await createWebhookEndpoint(deps, {
        merchantId: world.merchantId,
        url: hooks.url,
        enabledEvents: ['*'],
      }),
    );
    unwrap(
      await updateWebhookEndpoint(deps, {
        merchantId: world.merchantId,
        endpointId: endpoint.endpoint_id,
        status: 'disabled',
      }),
    );
    await world.subscribe({ card: 'insufficient_funds', periodStart: PERIOD_START });

    await world.advanceTo(AFTER_RETRIES);

    // Its own webhook_endpoint.disabled event included: the endpoint was disabled when it occurred.
    expect(await eventTypes(world)).toContain('webhook_endpoint.disabled');
    expect(await webhookRowTypes(world)).toEqual([]);
    await drainWebhooks(deps);
    expect(hooks.received).toHaveLength(0);
  });

  it('an endpoint receives the events recorded after it was created, not those before', async () => {
    const { world, deps, hooks } = await setUp();
    await world.subscribe({ card: 'insufficient_funds', periodStart: PERIOD_START });
    await world.advanceTo(RENEWAL_DECLINED);
    const before = (await eventTypes(world)).length;

    unwrap(
      await createWebhookEndpoint(deps, {
        merchantId: world.merchantId,
        url: hooks.url,
        enabledEvents: ['*'],
      }),
    );
    await drainWebhooks(deps);
    expect(hooks.received).toHaveLength(0);

    // The case's retries happen after the endpoint exists: those reach it.
    await world.advanceTo(AFTER_RETRIES);
    await drainWebhooks(deps);
    const later = (await eventTypes(world)).slice(before).map(publicTypeOf);
    expect(hooks.types()).toEqual(later.filter((t) => t !== null));
    expect(hooks.types()).toContain('dunning.retry_attempted');
  });
});
