// Sends one signed webhook over HTTP. Any 2xx answer is a success; a redirect is not followed
// (it counts as a failure, as in Standard Webhooks' guidance), nor is a slow receiver waited on
// past the timeout. Only the start of the response body is kept for the delivery log.
import { performance } from 'node:perf_hooks';
import type { WebhookHeaders } from './signing.ts';

export const DEFAULT_TIMEOUT_MS = 15_000;
export const RESPONSE_BODY_LIMIT = 2048;
const USER_AGENT = 'Dunner-Webhooks/1.0';

export type SendRequest = {
  url: string;
  headers: WebhookHeaders;
  body: string;
  timeoutMs: number;
};

export type SendOutcome = {
  /** The HTTP status, or null when no answer came (refused, timed out, TLS error). */
  statusCode: number | null;
  /** At most RESPONSE_BODY_LIMIT characters of the answer. */
  responseBody: string | null;
  durationMs: number;
  error: string | null;
};

/** The port the dispatcher sends through; tests may pass their own. */
export type WebhookSender = (request: SendRequest) => Promise<SendOutcome>;

export const sendWebhook: WebhookSender = async (request) => {
  const started = performance.now();
  const elapsed = () => Math.max(0, Math.round(performance.now() - started));
  const signal = AbortSignal.timeout(request.timeoutMs);
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: {
        ...request.headers,
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
      },
      body: request.body,
      redirect: 'manual',
      signal,
    });
    const responseBody = await readStart(response, RESPONSE_BODY_LIMIT).catch(() => null);
    return { statusCode: response.status, responseBody, durationMs: elapsed(), error: null };
  } catch (error) {
    return {
      statusCode: null,
      responseBody: null,
      durationMs: elapsed(),
      error: describe(error, request.timeoutMs),
    };
  }
};

/** Reads up to `limit` characters and drops the rest, so a huge answer costs nothing. */
async function readStart(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text.length > limit ? text.slice(0, limit) : text;
}

function describe(error: unknown, timeoutMs: number): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError')
    return `no answer within ${timeoutMs} ms`;
  const cause = e?.cause;
  if (cause?.code) return `${cause.code}: ${cause.message ?? e.message}`;
  return e?.message ?? String(error);
}
