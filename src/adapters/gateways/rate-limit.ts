// A token bucket per gateway account in front of a gateway. Each charge waits for a token (one
// timer, never a poll); a rate-limit answer slows that account's bucket and the same request, with
// the same idempotency key, is sent again after the wait, so the engine never sees it as a decline.
import { setTimeout as delay } from 'node:timers/promises';
import type { ChargeRequest, ChargeResult, PaymentGateway } from './port.ts';

/**
 * Thrown by an adapter when the processor refused a request for its rate (HTTP 429): nothing was
 * charged and the same request may be sent again. It never leaves `rateLimited`.
 */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  /** The processor's own wait (a Retry-After header), when it sent one. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.retryAfterMs = options.retryAfterMs;
  }
}

export type RateLimitOptions = {
  /** Requests per second per account. Stripe allows about 100/s in live mode, 25/s in test mode. */
  readonly ratePerSecond: number;
  /** Requests an idle account may send at once (default: a tenth of a second's worth, at least 1). */
  readonly burst?: number;
  /** The account whose limit a request counts against (default: merchant and token prefix). */
  readonly accountOf?: (req: ChargeRequest) => string;
  /** Rate-limit answers one request may get before it is reported unknown (default 5). */
  readonly maxResends?: number;
  /** Longest wait for a token; a request that would wait longer is not sent: unknown (60 s). */
  readonly maxWaitMs?: number;
  /** After a slowdown the rate climbs back to ratePerSecond, linearly over this long (10 s). */
  readonly recoverMs?: number;
  /** Injected in tests: the clock in milliseconds and the wait. */
  readonly nowMs?: () => number;
  readonly sleep?: (ms: number) => Promise<unknown>;
};

/** One account per merchant and kind of token (`stripe:…`, `tok_test_…`): each has its own keys. */
export function defaultAccountOf(req: ChargeRequest): string {
  const prefix = /^[A-Za-z]+(?:_[A-Za-z]+)?(?=[:_])/.exec(req.token)?.[0] ?? 'other';
  return `${req.merchantId}:${prefix}`;
}

export function rateLimited(inner: PaymentGateway, options: RateLimitOptions): PaymentGateway {
  const {
    ratePerSecond,
    burst = Math.max(1, Math.ceil(ratePerSecond / 10)),
    accountOf = defaultAccountOf,
    maxResends = 5,
    maxWaitMs = 60_000,
    recoverMs = 10_000,
    nowMs = Date.now,
    sleep = delay,
  } = options;
  if (!(ratePerSecond > 0)) throw new RangeError('ratePerSecond must be above 0');
  const buckets = new Map<string, TokenBucket>();
  const bucketOf = (account: string) => {
    let bucket = buckets.get(account);
    if (!bucket) {
      bucket = new TokenBucket(ratePerSecond, burst, recoverMs, nowMs());
      buckets.set(account, bucket);
    }
    return bucket;
  };
  return {
    name: inner.name,
    async charge(req: ChargeRequest): Promise<ChargeResult> {
      const bucket = bucketOf(accountOf(req));
      for (let answers = 1; ; answers++) {
        const waitMs = bucket.take(nowMs());
        if (waitMs > maxWaitMs) {
          bucket.giveBack();
          return {
            kind: 'unknown',
            message: `rate limit: no slot for this ${inner.name} account within ${maxWaitMs} ms; nothing was sent`,
          };
        }
        if (waitMs > 0) await sleep(waitMs);
        const sentAt = bucket.generation;
        try {
          return await inner.charge(req);
        } catch (error) {
          if (!(error instanceof RateLimitedError)) throw error;
          bucket.slowDown(nowMs(), sentAt, error.retryAfterMs);
          // Nothing was charged; the engine re-sends unknowns later with the same key.
          if (answers > maxResends)
            return {
              kind: 'unknown',
              message: `${inner.name} answered rate limited ${answers} times: ${error.message}`,
            };
        }
      }
    },
  };
}

const MIN_RATE_PER_SECOND = 1;

/**
 * Tokens accrue at the current rate up to `burst`. A token may be taken before it is earned (the
 * count goes below zero): the taker waits until it would have been, so waiters are served in
 * order, each with one timer. Exported for its tests.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAtMs: number;
  private slowedRate: number | null = null;
  private slowedAtMs = 0;
  /** Bumped at each slowdown: answers to requests sent before it do not slow the bucket again. */
  generation = 0;

  constructor(
    private readonly fullRate: number,
    private readonly burst: number,
    private readonly recoverMs: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.refilledAtMs = nowMs;
  }

  /** Requests per second now: the full rate, or climbing back to it after a slowdown. */
  rateAt(nowMs: number): number {
    if (this.slowedRate === null) return this.fullRate;
    const since = Math.max(0, nowMs - this.slowedAtMs);
    const rate = this.slowedRate + ((this.fullRate - this.slowedRate) * since) / this.recoverMs;
    if (rate < this.fullRate) return rate;
    this.slowedRate = null;
    return this.fullRate;
  }

  /** Takes a token; returns how many milliseconds to wait before using it (0: now). */
  take(nowMs: number): number {
    this.refill(nowMs);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.rateAt(nowMs));
  }

  /** Returns a token taken but not used. */
  giveBack(): void {
    this.tokens += 1;
  }

  /**
   * The processor refused a request sent at `sentAt`: halve the rate (once per generation, so a
   * burst of refusals halves it once) and hold every token back for the processor's own wait.
   */
  slowDown(nowMs: number, sentAt: number, retryAfterMs?: number): void {
    this.refill(nowMs);
    if (sentAt === this.generation) {
      this.generation += 1;
      this.slowedRate = Math.max(
        Math.min(MIN_RATE_PER_SECOND, this.fullRate),
        this.rateAt(nowMs) / 2,
      );
      this.slowedAtMs = nowMs;
      this.tokens = Math.min(this.tokens, 0);
    }
    if (retryAfterMs && retryAfterMs > 0)
      this.tokens = Math.min(this.tokens, (-retryAfterMs * this.rateAt(nowMs)) / 1000);
  }

  private refill(nowMs: number): void {
    const elapsedMs = nowMs - this.refilledAtMs;
    if (elapsedMs <= 0) return;
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs * this.rateAt(nowMs)) / 1000);
    this.refilledAtMs = nowMs;
  }
}
