// A test merchant behind the HTTP API: the world of test/support/world.ts plus the app (driven
// through inject(), no port), an API key, and a second merchant for tenant-isolation checks.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createApiKey } from '../../src/app/access/api-keys.ts';
import { buildApp } from '../../src/app/http/app.ts';
import type { RateLimits } from '../../src/app/http/rate-limits.ts';
import type { AppConfig, Services } from '../../src/app/http/v1/kit.ts';
import { unwrap } from '../../src/app/result.ts';
import { createMerchant } from '../../src/app/use-cases/create-merchant.ts';
import type { PresetKey } from '../../src/domain/strategy/presets.ts';
import type { TestDatabase } from './db.ts';
import { createWorld, day } from './world.ts';

export const TEST_PUBLIC_URL = 'http://dunner.test';

export type ApiCall = {
  body?: unknown;
  headers?: Record<string, string>;
  /** Another key than the world's (e.g. the other merchant's); null sends no Authorization. */
  key?: string | null;
  query?: Record<string, string>;
};

export type ApiResponse = {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies of every shape
  body: any;
  headers: LightMyRequestResponse['headers'];
  raw: LightMyRequestResponse;
};

const UNLIMITED: Partial<RateLimits> = { apiRequestsPerSecond: 1e9, signInFailures: 1e9 };

export type ApiWorld = Awaited<ReturnType<typeof createApiWorld>>;

export async function createApiWorld(
  options: {
    preset?: PresetKey;
    smartRetries?: boolean;
    start?: Date;
    graceDays?: number;
    database?: TestDatabase;
    config?: Partial<AppConfig>;
    /** Tests send requests faster than a client would: limits are off unless a test sets them. */
    rateLimits?: Partial<RateLimits>;
  } = {},
) {
  const world = await createWorld({
    preset: options.preset ?? 'gentle_30',
    smartRetries: options.smartRetries ?? false,
    start: options.start ?? day('2026-03-01'),
    ...(options.graceDays !== undefined ? { graceDays: options.graceDays } : {}),
    ...(options.database ? { database: options.database } : {}),
  });
  const config: AppConfig = {
    publicUrl: TEST_PUBLIC_URL,
    smtpUrl: null,
    stripeSecretKey: null,
    stripeWebhookSecret: null,
    stripePublishableKey: null,
    stripeMerchantId: null,
    // Test receivers listen on 127.0.0.1 (docs/webhooks.md, DUNNER_ALLOW_LOOPBACK_URLS).
    allowLoopbackUrls: true,
    ...options.config,
  };
  const services: Services = { ...world.deps, config };
  const app: FastifyInstance = buildApp({
    services,
    rateLimits: options.rateLimits ?? UNLIMITED,
    databaseKind: process.env.DUNNER_TEST_DB === 'postgres' ? 'postgres' : 'pglite',
  });
  const { key } = await createApiKey(world.db, { merchantId: world.merchantId, label: 'tests' });

  async function api(method: string, url: string, call: ApiCall = {}): Promise<ApiResponse> {
    const useKey = call.key === undefined ? key : call.key;
    const headers: Record<string, string> = { ...call.headers };
    if (useKey !== null) headers.authorization = `Bearer ${useKey}`;
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers,
      ...(call.query ? { query: call.query } : {}),
      ...(call.body !== undefined
        ? typeof call.body === 'string'
          ? { payload: call.body }
          : { payload: call.body as object }
        : {}),
    });
    let body: unknown = res.body;
    if ((res.headers['content-type'] ?? '').toString().includes('json') && res.body !== '')
      body = JSON.parse(res.body);
    return { status: res.statusCode, body, headers: res.headers, raw: res };
  }

  /** A second merchant with its own key: its requests must never see the first one's objects. */
  async function otherMerchant(mode: 'test' | 'live' = 'test') {
    const { merchantId } = unwrap(
      await createMerchant(world.deps, {
        name: 'Other Co',
        mode,
        defaultPreset: 'gentle_30',
        ...(mode === 'test' ? { testClockAt: options.start ?? day('2026-03-01') } : {}),
      }),
    );
    const created = await createApiKey(world.db, { merchantId, label: 'other' });
    return { merchantId, key: created.key };
  }

  return {
    ...world,
    services,
    app,
    key,
    api,
    otherMerchant,
    close: async () => {
      await app.close();
      await world.close();
    },
  };
}
