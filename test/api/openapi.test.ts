// The OpenAPI document: every public route is documented with its schemas and errors. The page
// at /docs is checked in a real browser in test/browser/api-reference.test.ts.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ERROR_CODES } from '../../src/app/result.ts';
import { type ApiWorld, createApiWorld } from '../support/api.ts';

let w: ApiWorld;

beforeAll(async () => {
  w = await createApiWorld();
});
afterAll(async () => {
  await w.close();
});

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { summary?: string; tags?: string[]; responses?: object }>>;
  components?: { securitySchemes?: object };
};

describe('GET /docs/json', () => {
  test('documents every resource of this API with a summary, tags, responses and the API-key scheme', async () => {
    const res = await w.api('GET', '/docs/json', { key: null });
    expect(res.status).toBe(200);
    const doc = res.body as Doc;
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.components?.securitySchemes).toHaveProperty('apiKey');
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    for (const route of [
      'POST /v1/customers',
      'GET /v1/customers',
      'GET /v1/customers/{id}',
      'POST /v1/customers/{id}',
      'POST /v1/customers/{id}/payment_methods',
      'GET /v1/customers/{id}/payment_methods',
      'GET /v1/payment_methods/{id}',
      'POST /v1/payment_methods/{id}/update',
      'POST /v1/subscriptions',
      'GET /v1/subscriptions',
      'GET /v1/subscriptions/{id}',
      'POST /v1/subscriptions/{id}/cancel',
      'POST /v1/subscriptions/{id}/reactivate',
      'POST /v1/subscriptions/{id}/apply_payment',
      'POST /v1/subscriptions/{id}/write_off',
      'POST /v1/subscriptions/{id}/retry_renewal',
      'POST /v1/subscriptions/{id}/payment_method',
      'GET /v1/strategies',
      'GET /v1/strategies/{id}',
      'POST /v1/strategies',
      'POST /v1/strategies/{id}',
      'GET /v1/strategy_presets',
      'GET /v1/test_clock',
      'POST /v1/test_clock/advance',
      'GET /v1/api_keys',
      'POST /v1/api_keys',
      'DELETE /v1/api_keys/{id}',
      'GET /v1/merchant',
      'POST /v1/merchant',
      'GET /v1/events',
      'GET /v1/demo_preparation',
    ])
      expect(routes).toContain(route);
    // Only the public API: no health probes, no hosted page, no dashboard.
    expect(routes.every((r) => r.split(' ')[1]!.startsWith('/v1/'))).toBe(true);
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        expect(op.summary, `${method} ${path}`).toBeTruthy();
        expect(op.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
        expect(Object.keys(op.responses ?? {}), `${method} ${path}`).toContain('401');
      }
  });

  test('the subscription schema carries state, entitlement and balance_in_cents', async () => {
    const doc = (await w.api('GET', '/docs/json', { key: null })).body as {
      paths: Record<
        string,
        Record<
          string,
          {
            responses: Record<
              string,
              { content: Record<string, { schema: { properties: Record<string, unknown> } }> }
            >;
          }
        >
      >;
    };
    const schema =
      doc.paths['/v1/subscriptions/{id}']!.get!.responses['200']!.content['application/json']!
        .schema;
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['state', 'entitlement', 'balance_in_cents', 'currency']),
    );
  });

  test('the error catalogue in docs/errors.md lists every code the API answers with', async () => {
    const { readFileSync } = await import('node:fs');
    const errors = readFileSync('docs/errors.md', 'utf8');
    for (const code of Object.keys(ERROR_CODES)) expect(errors, code).toContain(`\`${code}\``);
  });
});
