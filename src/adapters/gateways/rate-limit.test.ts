// The per-account token bucket on a fake clock: waits are read from the injected sleep, never slept.
import { describe, expect, it } from 'vitest';
import type { ChargeRequest, ChargeResult, PaymentGateway } from './port.ts';
import { defaultAccountOf, RateLimitedError, rateLimited, TokenBucket } from './rate-limit.ts';

const SUCCEEDED: ChargeResult = { kind: 'succeeded', gatewayChargeId: 'ch_1' };

function world(answers: (req: ChargeRequest) => ChargeResult | 'rate_limited' = () => SUCCEEDED) {
  let now = 0;
  const sleeps: number[] = [];
  const sent: ChargeRequest[] = [];
  const inner: PaymentGateway = {
    name: 'fake',
    async charge(req) {
      sent.push(req);
      const answer = answers(req);
      if (answer === 'rate_limited') throw new RateLimitedError('429 too many requests');
      return answer;
    },
  };
  return {
    inner,
    sent,
    sleeps,
    nowMs: () => now,
    /** Records the wait and lets the clock stand still: the test moves it. */
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
    advance(ms: number) {
      now += ms;
    },
  };
}

let keys = 0;
const req = (overrides: Partial<ChargeRequest> = {}): ChargeRequest => ({
  merchantId: 'mer_1',
  idempotencyKey: `att_${++keys}`,
  token: 'stripe:cus_1:pm_1',
  amountMinor: 1900,
  currency: 'USD',
  at: new Date('2026-02-08T09:00:00Z'),
  ...overrides,
});

describe('token bucket', () => {
  it('an idle account sends its burst at once, then one request per 1/rate, each waiting once', () => {
    const bucket = new TokenBucket(10, 2, 10_000, 0);
    expect([0, 1, 2, 3, 4].map(() => bucket.take(0))).toEqual([0, 0, 100, 200, 300]);
  });

  it('tokens accrue at the rate while the account is idle, up to the burst', () => {
    const bucket = new TokenBucket(10, 2, 10_000, 0);
    bucket.take(0);
    bucket.take(0);
    expect(bucket.take(50)).toBe(50); // half a token earned: half an interval left
    expect([1, 2, 3].map(() => bucket.take(60_000))).toEqual([0, 0, 100]);
  });

  it('a slowdown halves the rate, which climbs back to the full rate over recoverMs', () => {
    const bucket = new TokenBucket(100, 1, 10_000, 0);
    bucket.take(0);
    bucket.slowDown(0, bucket.generation);
    expect(bucket.rateAt(0)).toBe(50);
    expect(bucket.rateAt(5_000)).toBe(75);
    expect(bucket.rateAt(10_000)).toBe(100);
    expect(bucket.rateAt(20_000)).toBe(100);
  });

  it('refusals of requests sent before the last slowdown do not slow the bucket again', () => {
    const bucket = new TokenBucket(100, 1, 10_000, 0);
    const sentAt = bucket.generation;
    for (let i = 0; i < 10; i++) bucket.slowDown(0, sentAt);
    expect(bucket.rateAt(0)).toBe(50);
    bucket.slowDown(0, bucket.generation);
    expect(bucket.rateAt(0)).toBe(25);
  });

  it('never slows below one request per second', () => {
    const bucket = new TokenBucket(100, 1, 10_000, 0);
    for (let i = 0; i < 20; i++) bucket.slowDown(0, bucket.generation);
    expect(bucket.rateAt(0)).toBe(1);
  });

  it("the processor's Retry-After holds every token back that long", () => {
    const bucket = new TokenBucket(10, 5, 10_000, 0);
    bucket.slowDown(0, bucket.generation, 2_000);
    // 2 s at the slowed rate of 5/s is 10 tokens owed; the next one is the 11th.
    expect(bucket.take(0)).toBe(2_200);
  });
});

describe('rateLimited gateway', () => {
  it('waits for a token before each call, one bucket per account', async () => {
    const w = world();
    const gateway = rateLimited(w.inner, { ratePerSecond: 10, burst: 1, ...w });
    await Promise.all([
      gateway.charge(req({ merchantId: 'mer_a' })),
      gateway.charge(req({ merchantId: 'mer_a' })),
      gateway.charge(req({ merchantId: 'mer_a' })),
      gateway.charge(req({ merchantId: 'mer_b' })),
    ]);
    expect(w.sent).toHaveLength(4);
    expect(w.sleeps).toEqual([100, 200]);
  });

  it('requests sent back to back are held to the rate, not below it', async () => {
    const w = world();
    const sleep = async (ms: number) => {
      w.sleeps.push(ms);
      w.advance(ms); // one caller at a time: its wait is the clock's
    };
    const gateway = rateLimited(w.inner, { ratePerSecond: 100, burst: 10, ...w, sleep });
    for (let i = 0; i < 1_000; i++) await gateway.charge(req());
    // The first 10 go at once from the burst; the other 990 at 100/s: 9.9 s of waiting.
    expect(w.nowMs()).toBe(9_900);
  });

  it('a rate-limit answer is re-sent with the same key after the slowed wait, and is not a decline', async () => {
    let refusals = 1;
    const w = world(() => (refusals-- > 0 ? 'rate_limited' : SUCCEEDED));
    const gateway = rateLimited(w.inner, { ratePerSecond: 100, burst: 1, ...w });
    const request = req();
    const result = await gateway.charge(request);
    expect(result).toEqual(SUCCEEDED);
    expect(w.sent.map((r) => r.idempotencyKey)).toEqual([
      request.idempotencyKey,
      request.idempotencyKey,
    ]);
    expect(w.sleeps).toEqual([20]); // one interval at the halved rate of 50/s
  });

  it('still refused after maxResends re-sends: unknown, so the engine re-sends it later', async () => {
    const w = world(() => 'rate_limited');
    const gateway = rateLimited(w.inner, { ratePerSecond: 100, burst: 1, maxResends: 3, ...w });
    const result = await gateway.charge(req());
    expect(result.kind).toBe('unknown');
    expect(w.sent).toHaveLength(4);
    expect(w.sleeps).toHaveLength(3);
  });

  it('a request that would wait longer than maxWaitMs is not sent: unknown', async () => {
    const w = world();
    const gateway = rateLimited(w.inner, { ratePerSecond: 10, burst: 1, maxWaitMs: 250, ...w });
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => gateway.charge(req())));
    expect(results.map((r) => r.kind)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'unknown',
      'unknown',
    ]);
    expect(w.sent).toHaveLength(3);
    expect(w.sleeps).toEqual([100, 200]);
  });

  it('errors other than a rate limit pass through untouched', async () => {
    const w = world();
    const failing: PaymentGateway = {
      name: 'broken',
      charge: async () => {
        throw new TypeError('bug');
      },
    };
    const gateway = rateLimited(failing, { ratePerSecond: 10, ...w });
    await expect(gateway.charge(req())).rejects.toThrow(TypeError);
  });

  it('the default account is the merchant and the kind of token', () => {
    expect(defaultAccountOf(req({ token: 'stripe:cus_1:pm_1' }))).toBe('mer_1:stripe');
    expect(defaultAccountOf(req({ token: 'tok_test_4242424242424242' }))).toBe('mer_1:tok_test');
    expect(defaultAccountOf(req({ merchantId: 'mer_2', token: 'stripe:cus_9:pm_9' }))).toBe(
      'mer_2:stripe',
    );
  });
});
