// Sends one signed webhook over HTTP. Any 2xx answer is a success; a redirect is not followed
// (it counts as a failure, as in Standard Webhooks' guidance), nor is a slow receiver waited on
// past the timeout. Only the start of the response body is kept for the delivery log. An address
// that is not public (or loopback where allowed) is refused before any connection.
import { performance } from 'node:perf_hooks';
import { postOutbound, type Resolver } from '../net/outbound-http.ts';
import type { WebhookHeaders } from './signing.ts';

export const DEFAULT_TIMEOUT_MS = 15_000;
export const RESPONSE_BODY_LIMIT = 2048;
const USER_AGENT = 'Dunner-Webhooks/1.0';

export type SendRequest = {
  url: string;
  headers: WebhookHeaders;
  body: string;
  timeoutMs: number;
  /** This machine may be reached: a test-mode merchant where the deployment allows it. */
  allowLoopback: boolean;
};

export type SendOutcome = {
  /** The HTTP status, or null when no answer came (address refused, timed out, TLS error). */
  statusCode: number | null;
  /** At most RESPONSE_BODY_LIMIT characters of the answer. */
  responseBody: string | null;
  durationMs: number;
  error: string | null;
};

/** The port the dispatcher sends through; tests may pass their own. */
export type WebhookSender = (request: SendRequest) => Promise<SendOutcome>;

/** Sends through the address check of adapters/net/outbound-http.ts; tests pass a resolver. */
export function createWebhookSender(options: { resolve?: Resolver } = {}): WebhookSender {
  return async (request) => {
    const started = performance.now();
    const answer = await postOutbound({
      url: request.url,
      headers: {
        ...request.headers,
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
      },
      body: request.body,
      timeoutMs: request.timeoutMs,
      responseLimit: RESPONSE_BODY_LIMIT,
      policy: { allowLoopback: request.allowLoopback },
      ...(options.resolve ? { resolve: options.resolve } : {}),
    });
    const durationMs = Math.max(0, Math.round(performance.now() - started));
    return answer.kind === 'answered'
      ? { statusCode: answer.status, responseBody: answer.body, durationMs, error: null }
      : { statusCode: null, responseBody: null, durationMs, error: answer.why };
  };
}

export const sendWebhook: WebhookSender = createWebhookSender();
