// What every /v1 route shares: the services it calls, the caller it acts for, one error shape,
// cursor pagination, and the mapping from use-case results to HTTP statuses.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { readMerchantNow } from '../../../adapters/db/merchants.repo.ts';
import type { Caller } from '../../access/api-keys.ts';
import type { ErrorCode, Result, UseCaseError } from '../../result.ts';
import type { Services } from '../../services.ts';
import type { Limiters } from '../rate-limits.ts';

export type { Caller } from '../../access/api-keys.ts';

// Services moved to app/services.ts; re-exported for the files that still import them from here.
export type { AppConfig, Services } from '../../services.ts';

/** A route file: every file in src/app/http/v1/routes/ default-exports one, mounted under /v1. */
export type V1Plugin = FastifyPluginAsync<{ services: Services }>;

/** A file in src/app/http/site/: mounted at the root, without API-key auth (it brings its own). */
export type SitePlugin = FastifyPluginAsync<{ services: Services; limiters?: Limiters }>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request acts for; set by the /v1 auth hook before any handler runs. */
    caller: Caller;
  }
}

export const ERROR_STATUS: Record<ErrorCode, number> = {
  invalid_field: 400,
  invalid_json: 400,
  invalid_template: 400,
  unauthenticated: 401,
  not_found: 404,
  method_not_allowed: 405,
  invalid_state: 409,
  not_test_mode: 409,
  idempotency_in_progress: 409,
  too_large: 413,
  too_many_attempts: 429,
  rate_limited: 429,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  internal_error: 500,
};

/** The one error type of the HTTP layer; the error handler renders it as `{ error: {...} }`. */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: ErrorCode;
  readonly field: string | null;
  constructor(code: ErrorCode, message: string, field: string | null = null, statusCode?: number) {
    super(message);
    this.code = code;
    this.field = field;
    this.statusCode = statusCode ?? ERROR_STATUS[code];
  }
  static from(error: UseCaseError): ApiError {
    return new ApiError(error.code, error.message, error.field);
  }
  body(): ErrorBody {
    return { error: { code: this.code, message: this.message, field: this.field } };
  }
}

export type ErrorBody = {
  error: { code: string; message: string; field: string | null; request_id?: string };
};

/** Sends a use case's value (through `present`) or throws its error as an ApiError. */
export function sendResult<T>(
  reply: FastifyReply,
  result: Result<T>,
  present: (value: T) => unknown = (v) => v,
  status = 200,
): FastifyReply {
  if (!result.ok) throw ApiError.from(result.error);
  return reply.code(status).send(present(result.value));
}

export function notFound(what: string, field: string | null = 'id'): ApiError {
  return new ApiError('not_found', `no ${what} with this id`, field);
}

/** The error response, for route schemas (documents it in the OpenAPI reference). */
export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'field'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        field: { type: ['string', 'null'] },
        request_id: {
          type: 'string',
          description: 'On a 500: the id of the request, as in the X-Request-Id header and the log',
        },
      },
    },
  },
} as const;

/** Response schemas for the errors every authenticated route can answer. */
export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  404: errorSchema,
  409: errorSchema,
  422: errorSchema,
  429: errorSchema,
} as const;

export const MAX_PAGE_SIZE = 100;

/** Query string of every list: `limit` and the cursor `starting_after` (the last id seen). */
export const listQuerySchema = {
  limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 },
  starting_after: { type: 'string', minLength: 1, maxLength: 200 },
} as const;

export type ListQuery = { limit: number; starting_after?: string };

/** The query string schema of a list: `limit`, `starting_after` and the list's own filters. */
export function listQuery(filters: Record<string, object> = {}) {
  return {
    type: 'object',
    additionalProperties: false,
    properties: { ...listQuerySchema, ...filters },
  } as const;
}

/** `limit` and `starting_after` as the list use cases take them. */
export function pageRequest(q: ListQuery): { limit: number; startingAfter?: string } {
  return {
    limit: q.limit,
    ...(q.starting_after !== undefined ? { startingAfter: q.starting_after } : {}),
  };
}

export type Page<T> = {
  object: 'list';
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
};

/**
 * A page from rows fetched with `limit + 1` (the extra row says whether there is more).
 * `cursorOf` gives the value the next request passes as `starting_after`.
 */
export function pageOf<R, T>(
  rows: R[],
  limit: number,
  cursorOf: (row: R) => string,
  present: (row: R) => T,
): Page<T> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return {
    object: 'list',
    data: pageRows.map(present),
    has_more: hasMore,
    next_cursor: hasMore && last ? cursorOf(last) : null,
  };
}

/** The JSON schema of a list response whose items follow `item`. */
export function pageSchema(item: object) {
  return {
    type: 'object',
    required: ['object', 'data', 'has_more', 'next_cursor'],
    properties: {
      object: { type: 'string', enum: ['list'] },
      data: { type: 'array', items: item },
      has_more: { type: 'boolean' },
      next_cursor: { type: ['string', 'null'] },
    },
  } as const;
}

/** The caller's business time: a test merchant's clock, or the real one. */
export async function callerNow(services: Services, caller: Caller): Promise<Date> {
  return readMerchantNow(services.db, caller.merchantId, services.clock);
}
