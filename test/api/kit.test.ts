// What every /v1 request goes through: authentication, tenancy by key, one error shape.

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

  it('stores keys only as hashes', async () => {
    const rows = await w.db.selectFrom('api_keys').select(['secret_hash', 'prefix']).execute();
    for (const r of rows) {
      expect(r.secret_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(w.key.startsWith(r.prefix) || r.prefix.length === 12).toBe(true);
    }
    const { rows: leaked } = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM api_keys WHERE secret_hash = ${w.key}`.execute(w.db);
    expect(leaked[0]?.n).toBe(0);
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
