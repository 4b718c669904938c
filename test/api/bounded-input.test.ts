// Every input is bounded (SPEC section 9): deep nesting, lone surrogates, huge numbers and unknown
// currencies are answered 400 with the field named, and nothing is written.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ApiWorld, createApiWorld } from '../support/api.ts';

let w: ApiWorld;
let customerId: string;

beforeAll(async () => {
  w = await createApiWorld();
  const res = await w.api('POST', '/v1/customers', {
    body: { name: 'Ada', email: 'ada@example.com' },
  });
  customerId = res.body.id;
});
afterAll(async () => {
  await w.close();
});

const count = async (table: 'customers' | 'subscriptions') =>
  Number(
    (
      await w.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('merchant_id', '=', w.merchantId)
        .executeTakeFirstOrThrow()
    ).n,
  );

const subscription = (over: Record<string, unknown>) => ({
  customer_id: customerId,
  product_name: 'Pro',
  price_in_cents: 900,
  currency: 'USD',
  interval: 'month',
  ...over,
});

describe('deeply nested JSON', () => {
  test.each([
    [
      '20,000 arrays',
      `{"name":"A","email":"a@example.com","x":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
    ],
    [
      '5,000 objects',
      `{"name":"A","email":"a@example.com","x":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`,
    ],
  ])('%s in POST /v1/customers is a 400 that says how deep is allowed', async (_, payload) => {
    const before = await count('customers');
    const res = await w.api('POST', '/v1/customers', {
      body: payload,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
    expect(res.body.error.message).toContain('32 levels');
    expect(await count('customers')).toBe(before);
  });

  test('brackets inside strings do not count as nesting', async () => {
    const res = await w.api('POST', '/v1/customers', {
      body: { name: `[{${'['.repeat(100)}"\\`, email: 'brackets@example.com' },
    });
    expect(res.status).toBe(201);
    expect(res.body.name).toBe(`[{${'['.repeat(100)}"\\`);
  });
});

describe('strings no database can hold', () => {
  test('a lone surrogate in a name is a 400 naming the field', async () => {
    const before = await count('customers');
    const res = await w.api('POST', '/v1/customers', {
      body: '{"name":"A\\ud800B","email":"s@example.com"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_field', field: 'name' });
    expect(res.body.error.message).toContain('surrogate');
    expect(await count('customers')).toBe(before);
  });

  test('a surrogate pair (an emoji) is a character and is kept', async () => {
    const res = await w.api('POST', '/v1/customers', {
      body: { name: 'Ada 🚀', email: 'emoji@example.com' },
    });
    expect(res.status).toBe(201);
    expect(res.body.name).toBe('Ada 🚀');
  });
});

describe('currencies and amounts', () => {
  test.each(['ZZZ', 'XTS', 'XXX'])(
    'currency %s is refused with the field named',
    async (currency) => {
      const before = await count('subscriptions');
      const res = await w.api('POST', '/v1/subscriptions', { body: subscription({ currency }) });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_field', field: 'currency' });
      expect(res.body.error.message).toContain('ISO 4217');
      expect(await count('subscriptions')).toBe(before);
    },
  );

  test('a currency in use, such as KWD, is accepted', async () => {
    const res = await w.api('POST', '/v1/subscriptions', {
      body: subscription({ currency: 'KWD', price_in_cents: 4500 }),
    });
    expect(res.status).toBe(201);
    expect(res.body.currency).toBe('KWD');
  });

  test.each([
    ['1e400', 'Infinity'],
    ['123456789012345678901234567890', 'beyond safe integers'],
    ['-5', 'negative'],
    ['9.5', 'fractional'],
  ])('price %s (%s) is a 400 naming price_in_cents', async (number) => {
    const before = await count('subscriptions');
    const body = JSON.stringify(subscription({})).replace(
      '"price_in_cents":900',
      `"price_in_cents":${number}`,
    );
    const res = await w.api('POST', '/v1/subscriptions', {
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('price_in_cents');
    expect(await count('subscriptions')).toBe(before);
  });
});
