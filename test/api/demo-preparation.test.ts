// /v1/demo_preparation: how far this server has got preparing the demo merchant. Only the merchant
// being prepared sees the progress; any other merchant reads `none`.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { reportDemoPreparation } from '../../src/app/demo-preparation.ts';
import { type ApiWorld, createApiWorld } from '../support/api.ts';

let w: ApiWorld;

beforeAll(async () => {
  w = await createApiWorld();
});
afterAll(async () => {
  await w.close();
});

describe('/v1/demo_preparation', () => {
  test('a merchant this server prepares nothing for reads none', async () => {
    const res = await w.api('GET', '/v1/demo_preparation');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      object: 'demo_preparation',
      merchant_id: w.merchantId,
      status: 'none',
      stage: null,
      customers_seeded: 0,
      customers_total: 0,
      day: 0,
      days: 0,
      error: null,
      updated_at: null,
    });
  });

  test('the merchant being prepared reads the day walked; another merchant does not', async () => {
    reportDemoPreparation({
      merchantId: w.merchantId,
      status: 'preparing',
      stage: 'walking',
      customersSeeded: 850,
      customersTotal: 850,
      day: 23,
      days: 60,
      error: null,
    });
    const res = await w.api('GET', '/v1/demo_preparation');
    expect(res.body).toMatchObject({
      status: 'preparing',
      stage: 'walking',
      customers_seeded: 850,
      day: 23,
      days: 60,
    });
    expect(Date.parse(res.body.updated_at as string)).not.toBeNaN();
    const other = await w.otherMerchant();
    const theirs = await w.api('GET', '/v1/demo_preparation', { key: other.key });
    expect(theirs.body).toMatchObject({ merchant_id: other.merchantId, status: 'none', day: 0 });
  });

  test('needs an API key or a session', async () => {
    const res = await w.api('GET', '/v1/demo_preparation', { key: null });
    expect(res.status).toBe(401);
  });
});
