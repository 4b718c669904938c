// One JSON POST with a timeout, and the reading of its answer shared by the HTTP channels:
// 2xx accepted; 408, 425, 429 and 5xx worth retrying; other 4xx refused (404/410: gone).
import type { SendOutcome } from './port.ts';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export type HttpOptions = { timeoutMs?: number; fetch?: FetchLike };

const DEFAULT_TIMEOUT_MS = 10_000;
const RETRYABLE = new Set([408, 425, 429]);

export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: HttpOptions,
  providerIdOf: (status: number, text: string) => string | null = () => null,
): Promise<SendOutcome> {
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  let text: string;
  try {
    response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    return { kind: 'failed', reason: `request to ${safeHost(url)} failed: ${describe(error)}` };
  }
  const status = response.status;
  if (status >= 200 && status < 300)
    return { kind: 'accepted', providerId: providerIdOf(status, text) };
  const reason = `${safeHost(url)} answered ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
  if (status >= 500 || RETRYABLE.has(status)) return { kind: 'failed', reason };
  return { kind: 'rejected', reason, gone: status === 404 || status === 410 };
}

/** Only the host: webhook and bot URLs carry secrets in their path, and errors end up in logs. */
export function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}

function describe(error: unknown): string {
  const e = error as {
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (e.name === 'TimeoutError') return 'timed out';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
}
