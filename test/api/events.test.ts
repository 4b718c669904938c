// /v1/events: the append-only event log of one merchant, newest first, filtered and paged.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { day } from '../support/world.ts';

let w: ApiWorld;
let other: { merchantId: string; key: string };
let subscriptionId: string;

beforeAll(async () => {
  w = await createApiWorld({ start: day('2026-03-01') });
  other = await w.otherMerchant();
  // A renewal that fails on April 1 and a case that runs for a week.
  subscriptionId = await w.subscribe({
    card: 'insufficient_funds',
    periodStart: day('2026-03-01'),
  });
  await w.api('POST', '/v1/test_clock/advance', { body: { to: '2026-04-08T00:00:00Z' } });
});
afterAll(async () => {
  await w.close();
});

describe('GET /v1/events', () => {
  test('pages through every event once, newest first', async () => {
    const stored = await w.db
      .selectFrom('events')
      .select('event_id')
      .where('merchant_id', '=', w.merchantId)
      .orderBy('event_id', 'desc')
      .execute();
    expect(stored.length).toBeGreaterThan(4);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await w.api(
        'GET',
        `/v1/events?limit=4${cursor ? `&starting_after=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((e: { id: string }) => e.id));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(stored.map((e) => `evt_${e.event_id}`));
  });

  test('filters by type, by family and by subscription', async () => {
    const pastDue = await w.api('GET', '/v1/events?type=subscription.past_due');
    expect(pastDue.body.data).toHaveLength(1);
    expect(pastDue.body.data[0]).toMatchObject({
      object: 'event',
      type: 'subscription.past_due',
      subscription_id: subscriptionId,
      occurred_at: '2026-04-01T00:00:00.000Z',
      data: { from: 'active', to: 'past_due' },
    });
    const family = await w.api('GET', '/v1/events?type=dunning_case.*&limit=100');
    const types = new Set(family.body.data.map((e: { type: string }) => e.type));
    expect(types.has('dunning_case.opened')).toBe(true);
    expect([...types].every((t) => (t as string).startsWith('dunning_case.'))).toBe(true);
    const bySub = await w.api('GET', `/v1/events?subscription_id=${subscriptionId}&limit=100`);
    expect(bySub.body.data.length).toBeGreaterThan(0);
    expect(
      bySub.body.data.every(
        (e: { subscription_id: string }) => e.subscription_id === subscriptionId,
      ),
    ).toBe(true);
  });

  test('another merchant sees none of it; bad filters are 400', async () => {
    const theirs = await w.api('GET', '/v1/events?limit=100', { key: other.key });
    expect(theirs.status).toBe(200);
    expect(theirs.body.data).toEqual([]);
    const bySub = await w.api('GET', `/v1/events?subscription_id=${subscriptionId}`, {
      key: other.key,
    });
    expect(bySub.body.data).toEqual([]);
    expect((await w.api('GET', '/v1/events?type=DROP TABLE')).status).toBe(400);
    expect((await w.api('GET', '/v1/events?starting_after=42')).status).toBe(400);
    expect((await w.api('GET', '/v1/events?order=asc')).status).toBe(400);
  });
});
