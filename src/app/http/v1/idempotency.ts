// Idempotency-Key on creating requests (every POST under /v1): the same key with the same request
// replays the first response; the same key with another request is an error. A request that failed
// on our side (5xx) releases its key so it can be sent again. Keys are kept for 24 hours.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../../adapters/db/connect.ts';
import {
  completeIdempotentRequest,
  deleteExpiredIdempotencyKey,
  deleteIdempotencyKey,
  getIdempotentRequest,
  insertIdempotencyKey,
} from '../../../adapters/db/idempotency.repo.ts';
import { ApiError } from './kit.ts';

const KEY_TTL_MS = 24 * 3_600_000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyKey?: string;
  }
}

export function registerIdempotency(app: FastifyInstance, db: Db): void {
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    const header = request.headers['idempotency-key'];
    if (header === undefined) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || !KEY_PATTERN.test(key))
      throw new ApiError(
        'invalid_field',
        'Idempotency-Key must be 1 to 255 visible ASCII characters',
        'Idempotency-Key',
      );
    const merchantId = request.caller.merchantId;
    const hash = requestHash(request);
    const replayed = await claimKey(db, merchantId, key, request, hash);
    if (replayed) {
      reply.header('idempotent-replayed', 'true');
      reply.code(replayed.status).type('application/json; charset=utf-8');
      return reply.send(replayed.body);
    }
    request.idempotencyKey = key;
  });

  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload) => {
    const key = request.idempotencyKey;
    if (!key) return payload;
    const merchantId = request.caller.merchantId;
    if (reply.statusCode >= 500) {
      await deleteIdempotencyKey(db, merchantId, key);
    } else {
      await completeIdempotentRequest(db, merchantId, key, {
        statusCode: reply.statusCode,
        body: typeof payload === 'string' ? payload : String(payload ?? ''),
      });
    }
    return payload;
  });
}

async function claimKey(
  db: Db,
  merchantId: string,
  key: string,
  request: FastifyRequest,
  hash: string,
): Promise<{ status: number; body: string } | null> {
  // An expired key is forgotten first, so it can be claimed again.
  await deleteExpiredIdempotencyKey(db, merchantId, key, new Date(Date.now() - KEY_TTL_MS));
  const inserted = await insertIdempotencyKey(db, {
    merchant_id: merchantId,
    key,
    method: request.method,
    path: request.url,
    request_hash: hash,
  });
  if (inserted) return null;
  const first = await getIdempotentRequest(db, merchantId, key);
  if (first.request_hash !== hash)
    throw new ApiError(
      'idempotency_key_reused',
      `this Idempotency-Key was used for another request (${first.method} ${first.path})`,
      'Idempotency-Key',
    );
  if (first.status_code === null || first.response_body === null)
    throw new ApiError(
      'idempotency_in_progress',
      'a request with this Idempotency-Key is still being processed; retry shortly',
      'Idempotency-Key',
    );
  return { status: first.status_code, body: first.response_body };
}

function requestHash(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n`)
    .update(stableJson(request.body))
    .digest('hex');
}

/** JSON with sorted keys: the same body sent with fields in another order is the same request. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value ?? null);
}
