// /v1/api_keys: keys are shown once, listed by prefix only, stored as hashes, and revoked at once.
import { createHash } from 'node:crypto';
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

describe('/v1/api_keys', () => {
  test('a new key is shown once, works, and only its hash is stored', async () => {
    const created = await w.api('POST', '/v1/api_keys', { body: { label: 'billing sync' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      object: 'api_key',
      mode: 'test',
      label: 'billing sync',
      revoked_at: null,
    });
    const secret: string = created.body.secret;
    expect(secret).toMatch(/^dk_test_/);
    expect(secret.startsWith(created.body.prefix)).toBe(true);

    const row = await w.db
      .selectFrom('api_keys')
      .selectAll()
      .where('key_id', '=', created.body.id)
      .executeTakeFirstOrThrow();
    expect(row.secret_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    const everything = JSON.stringify(
      await w.db.selectFrom('api_keys').selectAll().execute(),
    ).concat(JSON.stringify(await w.db.selectFrom('events').selectAll().execute()));
    expect(everything).not.toContain(secret);

    const list = await w.api('GET', '/v1/api_keys');
    expect(list.status).toBe(200);
    const listed = list.body.data.find((k: { id: string }) => k.id === created.body.id);
    expect(listed).toMatchObject({ prefix: created.body.prefix, label: 'billing sync' });
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(list.body.data.every((k: object) => !('secret' in k))).toBe(true);

    const withNewKey = await w.api('GET', '/v1/merchant', { key: secret });
    expect(withNewKey.status).toBe(200);
    expect(withNewKey.body.id).toBe(w.merchantId);
  });

  test('a creation with an Idempotency-Key is not stored for replay: the key is never kept', async () => {
    const res = await w.api('POST', '/v1/api_keys', {
      headers: { 'idempotency-key': 'new-key-1' },
    });
    expect(res.status).toBe(201);
    const kept = await w.db.selectFrom('idempotent_requests').selectAll().execute();
    expect(JSON.stringify(kept)).not.toContain(res.body.secret);
  });

  test('revoking a key stops it at once; a key cannot revoke itself', async () => {
    const created = await w.api('POST', '/v1/api_keys', { body: {} });
    const secret = created.body.secret;
    const self = await w.api('DELETE', `/v1/api_keys/${created.body.id}`, { key: secret });
    expect(self.status).toBe(409);
    expect(self.body.error.code).toBe('invalid_state');
    expect((await w.api('GET', '/v1/customers', { key: secret })).status).toBe(200);

    const revoked = await w.api('DELETE', `/v1/api_keys/${created.body.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    const refused = await w.api('GET', '/v1/customers', { key: secret });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('unauthenticated');
    const twice = await w.api('DELETE', `/v1/api_keys/${created.body.id}`);
    expect(twice.status).toBe(200);
    expect(twice.body.revoked_at).toBe(revoked.body.revoked_at);
    const event = await w.db
      .selectFrom('events')
      .select('data')
      .where('merchant_id', '=', w.merchantId)
      .where('type', '=', 'api_key.revoked')
      .execute();
    expect(event.map((e) => (e.data as { api_key_id: string }).api_key_id)).toEqual([
      created.body.id,
    ]);
  });

  test('another merchant cannot see or revoke this merchant’s keys', async () => {
    const created = await w.api('POST', '/v1/api_keys', { body: { label: 'mine' } });
    const revoke = await w.api('DELETE', `/v1/api_keys/${created.body.id}`, { key: other.key });
    expect(revoke.status).toBe(404);
    expect((await w.api('GET', '/v1/customers', { key: created.body.secret })).status).toBe(200);
    const theirs = await w.api('GET', '/v1/api_keys', { key: other.key });
    expect(theirs.body.data.map((k: { id: string }) => k.id)).not.toContain(created.body.id);
    expect((await w.api('DELETE', '/v1/api_keys/key_nothing')).status).toBe(404);
  });

  test('a label too long or an unknown field is refused and creates no key', async () => {
    const before = (await w.db.selectFrom('api_keys').select('key_id').execute()).length;
    expect((await w.api('POST', '/v1/api_keys', { body: { label: 'x'.repeat(101) } })).status).toBe(
      400,
    );
    expect((await w.api('POST', '/v1/api_keys', { body: { mode: 'live' } })).status).toBe(400);
    expect((await w.db.selectFrom('api_keys').select('key_id').execute()).length).toBe(before);
  });
});
