// One JSON POST with a timeout, and the reading of its answer shared by the HTTP channels:
// 2xx accepted; 408, 425, 429 and 5xx worth retrying; other 4xx refused (404/410: gone). The
// request goes through the address check of adapters/net/outbound-http.ts: a URL that reaches
// this machine, a private network or a metadata service is refused before any connection.
import type { AddressPolicy } from '../../domain/net/address.ts';
import { postOutbound, type Resolver } from '../net/outbound-http.ts';
import type { SendOutcome } from './port.ts';

export type HttpOptions = { timeoutMs?: number; resolve?: Resolver };

export type JsonPost = {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** null: the operator's own URL (the Telegram API base), not a merchant's. */
  policy: AddressPolicy | null;
};

const DEFAULT_TIMEOUT_MS = 10_000;
/** Providers answer with a few hundred bytes; a larger answer is cut, never buffered whole. */
const ANSWER_LIMIT = 64 * 1024;
const RETRYABLE = new Set([408, 425, 429]);

export async function postJson(
  post: JsonPost,
  options: HttpOptions,
  providerIdOf: (status: number, text: string) => string | null = () => null,
): Promise<SendOutcome> {
  const answer = await postOutbound({
    url: post.url,
    headers: { 'content-type': 'application/json', ...post.headers },
    body: post.body,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    responseLimit: ANSWER_LIMIT,
    policy: post.policy,
    ...(options.resolve ? { resolve: options.resolve } : {}),
  });
  const host = safeHost(post.url);
  if (answer.kind === 'refused') return { kind: 'rejected', reason: answer.why, gone: false };
  if (answer.kind === 'unanswered')
    return { kind: 'failed', reason: `request to ${host} failed: ${answer.why}` };
  const { status, body: text } = answer;
  if (status >= 200 && status < 300)
    return { kind: 'accepted', providerId: providerIdOf(status, text) };
  if (status >= 300 && status < 400)
    return { kind: 'failed', reason: `${host} answered ${status} (redirects are not followed)` };
  const reason = `${host} answered ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
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
