// What every /v1 request goes through: authentication, tenancy by key, one error shape.

import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/access/api-keys.ts';
import { type ApiWorld, createApiWorld } from '../support/api.ts';

let w: ApiWorld;
beforeAll(async () => {
  w = await createApiWorld();
});
afterAll(() => w.close());

describe('authentication', () => {
  it('answers 401 with the error shape when no key is sent', async () => {
    const res = await w.api('GET', '/v1/customers', { key: null });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: {
        code: 'unauthenticated',
        message: expect.stringContaining('Bearer'),
        field: 'Authorization',
      },
    });
  });

  it('answers 401 for a key that does not exist, is malformed or is revoked', async () => {
    expect(
      (await w.api('GET', '/v1/customers', { key: 'dk_test_notarealkeynotarealkey000' })).status,
    ).toBe(401);
    expect((await w.api('GET', '/v1/customers', { key: 'sk_123' })).status).toBe(401);
    const spare = await createApiKey(w.db, { merchantId: w.merchantId });
    await w.db
      .updateTable('api_keys')
      .set({ revoked_at: new Date() })
      .where('key_id', '=', spare.keyId)
      .execute();
    expect((await w.api('GET', '/v1/customers', { key: spare.key })).status).toBe(401);
  });

  it('stores keys only as hashes: the SHA-256 of the key and its first 12 characters', async () => {
    const row = await w.db
      .selectFrom('api_keys')
      .select(['secret_hash', 'prefix'])
      .where('merchant_id', '=', w.merchantId)
      .where('label', '=', 'tests')
      .executeTakeFirstOrThrow();
    expect(row.secret_hash).toBe(createHash('sha256').update(w.key).digest('hex'));
    expect(row.prefix).toBe(w.key.slice(0, 12));
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM api_keys
      WHERE secret_hash = ${w.key} OR prefix = ${w.key} OR label = ${w.key}`.execute(w.db);
    expect(rows[0]?.n).toBe(0);
  });

  it('a test-mode key does not work for a live merchant and the key says its mode', async () => {
    const live = await w.otherMerchant('live');
    expect(live.key.startsWith('dk_live_')).toBe(true);
    expect(w.key.startsWith('dk_test_')).toBe(true);
    await w.db
      .updateTable('api_keys')
      .set({ mode: 'test' })
      .where('merchant_id', '=', live.merchantId)
      .execute();
    expect((await w.api('GET', '/v1/customers', { key: live.key })).status).toBe(401);
  });
});

describe('errors', () => {
  it('an unknown path answers 404 in the error shape', async () => {
    const res = await w.api('GET', '/v1/no_such_thing');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('health needs no key', async () => {
    const res = await w.api('GET', '/health', { key: null });
    expect(res.status).toBe(200);
  });
});

describe('Idempotency-Key', () => {
  const body = { name: 'Grace Hopper', email: 'grace@example.com' };
  const countCustomers = async () =>
    (
      await w.db
        .selectFrom('customers')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('merchant_id', '=', w.merchantId)
        .executeTakeFirstOrThrow()
    ).n;

  it('replays the first response for the same key and body, creating one customer', async () => {
    const before = Number(await countCustomers());
    const first = await w.api('POST', '/v1/customers', {
      body,
      headers: { 'idempotency-key': 'create-grace-1' },
    });
    const again = await w.api('POST', '/v1/customers', {
      body: { email: body.email, name: body.name },
      headers: { 'idempotency-key': 'create-grace-1' },
    });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(Number(await countCustomers())).toBe(before + 1);
  });

  it('rejects the same key with another body and changes nothing', async () => {
    const before = Number(await countCustomers());
    const res = await w.api('POST', '/v1/customers', {
      body: { ...body, name: 'Someone Else' },
      headers: { 'idempotency-key': 'create-grace-1' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: 'idempotency_key_reused',
      field: 'Idempotency-Key',
    });
    expect(Number(await countCustomers())).toBe(before);
  });

  it('keeps keys per merchant: another merchant may use the same key', async () => {
    const other = await w.otherMerchant();
    const res = await w.api('POST', '/v1/customers', {
      key: other.key,
      body,
      headers: { 'idempotency-key': 'create-grace-1' },
    });
    expect(res.status).toBe(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    const mine = await w.api('GET', `/v1/customers/${res.body.id}`);
    expect(mine.status).toBe(404);
  });

  it('rejects a key that is not printable ASCII or too long', async () => {
    const res = await w.api('POST', '/v1/customers', {
      body,
      headers: { 'idempotency-key': 'x'.repeat(300) },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('Idempotency-Key');
  });
});

describe('validation', () => {
  it('names the missing field, the unknown field and the wrongly typed field', async () => {
    const missing = await w.api('POST', '/v1/customers', { body: { name: 'No Email' } });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'invalid_field', field: 'email' });
    const unknown = await w.api('POST', '/v1/customers', {
      body: { name: 'A', email: 'a@example.com', nickname: 'x' },
    });
    expect(unknown.body.error).toMatchObject({ code: 'invalid_field', field: 'nickname' });
    const typed = await w.api('POST', '/v1/customers', {
      body: { name: 42, email: 'a@example.com' },
    });
    expect(typed.body.error).toMatchObject({ code: 'invalid_field', field: 'name' });
  });

  it('answers malformed JSON and a wrong content type in the error shape', async () => {
    const bad = await w.api('POST', '/v1/customers', {
      body: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_json');
    const text = await w.api('POST', '/v1/customers', {
      body: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('unsupported_media_type');
  });
});

describe('NUL characters', () => {
  it('are refused with the field named, in a body, a query and a path', async () => {
    const body = await w.api('POST', '/v1/customers', {
      body: { name: 'A\u0000B', email: 'a@example.com' },
    });
    expect(body.status).toBe(400);
    expect(body.body.error).toMatchObject({ code: 'invalid_field', field: 'name' });
    const query = await w.api('GET', '/v1/customers?starting_after=%00');
    expect(query.status).toBe(400);
    expect(query.body.error.field).toBe('starting_after');
    const path = await w.api('GET', '/v1/customers/cus_%00');
    expect(path.status).toBe(400);
    expect(path.body.error.field).toBe('id');
  });
});
