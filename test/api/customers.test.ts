// /v1/customers through the HTTP API: create, read, update, list with cursor pagination, the
// Idempotency-Key contract on a create, authentication and tenant isolation.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ApiWorld, createApiWorld } from '../support/api.ts';

let w: ApiWorld;
let other: { merchantId: string; key: string };

beforeAll(async () => {
  w = await createApiWorld();
  other = await w.otherMerchant();
});
afterAll(async () => {
  await w.close();
});

const customerCount = async (merchantId: string) =>
  Number(
    (
      await w.db
        .selectFrom('customers')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('merchant_id', '=', merchantId)
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('POST /v1/customers', () => {
  test('creates a customer with defaults and answers its JSON shape', async () => {
    const res = await w.api('POST', '/v1/customers', {
      body: { name: '  Grace Hopper ', email: 'grace@example.com' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      object: 'customer',
      name: 'Grace Hopper',
      email: 'grace@example.com',
      locale: 'en-US',
      time_zone: 'UTC',
    });
    expect(res.body.id).toMatch(/^cus_/);
    expect(new Date(res.body.created_at).toISOString()).toBe(res.body.created_at);
    const row = await w.db
      .selectFrom('customers')
      .selectAll()
      .where('merchant_id', '=', w.merchantId)
      .where('customer_id', '=', res.body.id)
      .executeTakeFirstOrThrow();
    expect(row.name).toBe('Grace Hopper');
  });

  test('rejects an unknown field, a bad email and a bad time zone, creating nothing', async () => {
    const before = await customerCount(w.merchantId);
    const unknown = await w.api('POST', '/v1/customers', {
      body: { name: 'A', email: 'a@example.com', nickname: 'x' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'invalid_field', field: 'nickname' });
    const email = await w.api('POST', '/v1/customers', { body: { name: 'A', email: 'nope' } });
    expect(email.status).toBe(400);
    expect(email.body.error).toMatchObject({ code: 'invalid_field', field: 'email' });
    const zone = await w.api('POST', '/v1/customers', {
      body: { name: 'A', email: 'a@example.com', time_zone: 'Mars/Olympus' },
    });
    expect(zone.status).toBe(400);
    expect(zone.body.error).toMatchObject({ code: 'invalid_field', field: 'time_zone' });
    const missing = await w.api('POST', '/v1/customers', { body: { email: 'a@example.com' } });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'invalid_field', field: 'name' });
    expect(await customerCount(w.merchantId)).toBe(before);
  });

  test('the same Idempotency-Key and body replays the first answer; another body is refused', async () => {
    const before = await customerCount(w.merchantId);
    const body = { name: 'Ada', email: 'ada@example.com', locale: 'fr-FR' };
    const headers = { 'idempotency-key': 'create-ada-1' };
    const first = await w.api('POST', '/v1/customers', { body, headers });
    const again = await w.api('POST', '/v1/customers', { body, headers });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await customerCount(w.merchantId)).toBe(before + 1);

    const mismatch = await w.api('POST', '/v1/customers', {
      body: { ...body, email: 'someone-else@example.com' },
      headers,
    });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.error.code).toBe('idempotency_key_reused');
    expect(await customerCount(w.merchantId)).toBe(before + 1);

    // Keys belong to a merchant: another merchant's same key is a new request.
    const otherFirst = await w.api('POST', '/v1/customers', { body, headers, key: other.key });
    expect(otherFirst.status).toBe(201);
    expect(otherFirst.body.id).not.toBe(first.body.id);
  });
});

describe('GET and POST /v1/customers/:id', () => {
  test('reads and updates a customer; the update is in the event log', async () => {
    const created = await w.api('POST', '/v1/customers', {
      body: { name: 'Alan', email: 'alan@example.com' },
    });
    const id = created.body.id;
    const read = await w.api('GET', `/v1/customers/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);

    const updated = await w.api('POST', `/v1/customers/${id}`, {
      body: { email: 'alan@turing.example', time_zone: 'Europe/London', locale: 'en-GB' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      id,
      name: 'Alan',
      email: 'alan@turing.example',
      time_zone: 'Europe/London',
      locale: 'en-GB',
    });
    const event = await w.db
      .selectFrom('events')
      .select(['type', 'data'])
      .where('merchant_id', '=', w.merchantId)
      .where('type', '=', 'customer.updated')
      .orderBy('event_id', 'desc')
      .executeTakeFirstOrThrow();
    expect(event.data).toMatchObject({ customer_id: id });
    expect((event.data as { changed: string[] }).changed.sort()).toEqual([
      'email',
      'locale',
      'time_zone',
    ]);
  });

  test('an empty update and a bad locale are refused and change nothing', async () => {
    const created = await w.api('POST', '/v1/customers', {
      body: { name: 'Edsger', email: 'ewd@example.com' },
    });
    const empty = await w.api('POST', `/v1/customers/${created.body.id}`, { body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('invalid_field');
    const locale = await w.api('POST', `/v1/customers/${created.body.id}`, {
      body: { locale: 'English please' },
    });
    expect(locale.status).toBe(400);
    expect(locale.body.error.field).toBe('locale');
    expect((await w.api('GET', `/v1/customers/${created.body.id}`)).body).toEqual(created.body);
  });

  test('another merchant gets 404 on read and update, and changes nothing', async () => {
    const created = await w.api('POST', '/v1/customers', {
      body: { name: 'Barbara', email: 'barbara@example.com' },
    });
    const id = created.body.id;
    const read = await w.api('GET', `/v1/customers/${id}`, { key: other.key });
    expect(read.status).toBe(404);
    expect(read.body.error.code).toBe('not_found');
    const update = await w.api('POST', `/v1/customers/${id}`, {
      key: other.key,
      body: { name: 'Hijacked' },
    });
    expect(update.status).toBe(404);
    expect((await w.api('GET', `/v1/customers/${id}`)).body.name).toBe('Barbara');
    const list = await w.api('GET', '/v1/customers?limit=100', { key: other.key });
    expect(list.body.data.map((c: { id: string }) => c.id)).not.toContain(id);
  });
});

describe('GET /v1/customers', () => {
  test('pages through every customer once, newest first', async () => {
    for (let i = 0; i < 7; i++)
      await w.api('POST', '/v1/customers', {
        body: { name: `Page ${i}`, email: `page${i}@example.com` },
      });
    const total = await customerCount(w.merchantId);
    const seen: string[] = [];
    const createdAts: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await w.api(
        'GET',
        `/v1/customers?limit=3${cursor ? `&starting_after=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      expect(res.body.object).toBe('list');
      expect(res.body.data.length).toBeLessThanOrEqual(3);
      for (const c of res.body.data) {
        seen.push(c.id);
        createdAts.push(c.created_at);
      }
      expect(res.body.has_more).toBe(res.body.next_cursor !== null);
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor);
    expect(seen.length).toBe(total);
    expect(new Set(seen).size).toBe(total);
    expect(pages).toBe(Math.ceil(total / 3));
    expect([...createdAts].sort().reverse()).toEqual(createdAts);
  });

  test('a limit out of range or a cursor from nowhere is a 400', async () => {
    expect((await w.api('GET', '/v1/customers?limit=0')).status).toBe(400);
    expect((await w.api('GET', '/v1/customers?limit=101')).status).toBe(400);
    const cursor = await w.api('GET', '/v1/customers?starting_after=cus_nothing');
    expect(cursor.status).toBe(400);
    expect(cursor.body.error.field).toBe('starting_after');
  });
});

describe('authentication', () => {
  test('no key, a malformed key, an unknown key and a revoked key get 401', async () => {
    const none = await w.api('GET', '/v1/customers', { key: null });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthenticated');
    for (const header of [
      'Basic abc',
      'Bearer',
      'Bearer dk_test_short',
      `Bearer dk_test_${'x'.repeat(32)}`,
    ]) {
      const res = await w.api('GET', '/v1/customers', {
        key: null,
        headers: { authorization: header },
      });
      expect(res.status, header).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    }
    const before = await customerCount(w.merchantId);
    const post = await w.api('POST', '/v1/customers', {
      key: null,
      body: { name: 'Nobody', email: 'nobody@example.com' },
    });
    expect(post.status).toBe(401);
    expect(await customerCount(w.merchantId)).toBe(before);
  });
});
