// Rate limits, counted in this process by @fastify/rate-limit's store:
// - every /v1 request, per API key (or per operator for a dashboard session), so one client
//   cannot take the whole service;
// - failed sign-ins, per client address and sign-in method (an API key presented in a Bearer
//   header or the dashboard's form, or an operator's password), so credentials cannot be guessed
//   at speed. Only failures count; once an address has used its budget, that method answers 429
//   for it, even for a right credential, until the window ends.
// Both answer 429 with Retry-After in seconds (docs/security.md).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../access/api-keys.ts';
import { ApiError } from './v1/kit.ts';

export type RateLimits = {
  /** /v1 requests per second per API key or operator session. */
  readonly apiRequestsPerSecond: number;
  /** Failed sign-ins per client address and method per `signInWindowMs`. */
  readonly signInFailures: number;
  readonly signInWindowMs: number;
};

export const DEFAULT_RATE_LIMITS: RateLimits = {
  apiRequestsPerSecond: 100,
  signInFailures: 20,
  signInWindowMs: 15 * 60_000,
};

export type SignInMethod = 'api_key' | 'password';

/** A limiter as @fastify/rate-limit's `createRateLimit` makes it. */
type Check = (
  request: FastifyRequest,
  options?: { increment: boolean },
) => Promise<{
  isAllowed: boolean;
  isExceeded?: boolean;
  remaining?: number;
  ttlInSeconds?: number;
}>;

declare module 'fastify' {
  interface FastifyInstance {
    createRateLimit(options: {
      max: number;
      timeWindow: number;
      keyGenerator: (request: FastifyRequest) => string;
    }): Check;
  }
  interface FastifyRequest {
    /** The sign-in method a limiter key is computed for (set just before the check). */
    signInMethod?: SignInMethod;
  }
}

export type Limiters = {
  /** Counts one /v1 request of `caller`; throws a 429 ApiError past the limit. */
  countRequest(request: FastifyRequest, reply: FastifyReply, caller: Caller): Promise<void>;
  /** Seconds to wait when the address has used its failures for `method`, else null. */
  signInBlocked(request: FastifyRequest, method: SignInMethod): Promise<number | null>;
  /** Counts a failed sign-in of the address with `method`. */
  signInFailed(request: FastifyRequest, method: SignInMethod): Promise<void>;
};

/** The limiters of one app; `app` must have @fastify/rate-limit registered. */
export function createLimiters(app: FastifyInstance, limits: RateLimits): Limiters {
  const callerKey = (c: Caller) => (c.keyId !== null ? `key:${c.keyId}` : `op:${c.operatorId}`);
  const perCaller = app.createRateLimit({
    max: limits.apiRequestsPerSecond,
    timeWindow: 1000,
    keyGenerator: (request) => callerKey(request.caller),
  });
  const signIns = app.createRateLimit({
    max: limits.signInFailures,
    timeWindow: limits.signInWindowMs,
    keyGenerator: (request) => `${request.signInMethod}:${request.ip}`,
  });
  return {
    async countRequest(request, reply, caller) {
      request.caller = caller;
      const r = await perCaller(request);
      if (r.isAllowed) return;
      reply.header('X-RateLimit-Limit', limits.apiRequestsPerSecond);
      reply.header('X-RateLimit-Remaining', r.remaining ?? 0);
      if (!r.isExceeded) return;
      const wait = Math.max(1, r.ttlInSeconds ?? 1);
      reply.header('Retry-After', wait);
      throw new ApiError(
        'rate_limited',
        `this ${caller.via === 'api_key' ? 'API key' : 'session'} sent more than ${limits.apiRequestsPerSecond} requests in a second; retry after ${wait} s`,
        null,
      );
    },
    async signInBlocked(request, method) {
      request.signInMethod = method;
      const r = await signIns(request, { increment: false });
      if (r.isAllowed || (r.remaining ?? 1) > 0) return null;
      return Math.max(1, r.ttlInSeconds ?? 1);
    },
    async signInFailed(request, method) {
      request.signInMethod = method;
      await signIns(request);
    },
  };
}

/** The 429 of a blocked sign-in method, naming it and when to try again. */
export function signInRateLimited(method: SignInMethod, waitSeconds: number): ApiError {
  const what = method === 'api_key' ? 'API keys that are not valid' : 'wrong passwords';
  return new ApiError(
    'rate_limited',
    `too many ${what} from this address; retry after ${waitSeconds} s`,
    method === 'api_key' ? 'Authorization' : 'password',
  );
}
