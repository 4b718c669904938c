// One HTTP POST to a URL a merchant gave us, safe against server-side request forgery: the host
// is resolved once, every address it resolves to is checked (domain/net/address.ts), and the
// socket connects to exactly the address checked (its lookup is pinned to it), so a name whose
// answer changes between check and connect (DNS rebinding) cannot slip past. TLS still verifies
// the certificate against the URL's host name. Redirects are never followed.
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  type AddressPolicy,
  classifyAddress,
  classifyHost,
  isAllowed,
} from '../../domain/net/address.ts';

export type ResolvedAddress = { address: string; family: number };
/** Every address a name resolves to; tests pass their own. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  dnsLookup(hostname, { all: true, verbatim: true });

export type OutboundPost = {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Characters of the answer kept; the rest is never read. */
  responseLimit: number;
  /** null: a URL of the operator's own configuration (the Telegram API base), not checked. */
  policy: AddressPolicy | null;
  resolve?: Resolver;
};

export type OutboundAnswer =
  | { kind: 'answered'; status: number; body: string }
  /** The address check said no: nothing was sent, no connection was opened. */
  | { kind: 'refused'; why: string }
  /** No answer: timed out, connection refused, TLS error. */
  | { kind: 'unanswered'; why: string };

// One pool per policy: a kept-alive socket was connected to an address checked under the same rule.
const agents = new Map<string, http.Agent>();

function agentFor(protocol: 'http:' | 'https:', policy: AddressPolicy | null): http.Agent {
  const key = `${protocol}${policy === null ? 'operator' : policy.allowLoopback ? 'loopback' : 'public'}`;
  let agent = agents.get(key);
  if (!agent) {
    agent =
      protocol === 'https:'
        ? new https.Agent({ keepAlive: true })
        : new http.Agent({ keepAlive: true });
    agents.set(key, agent);
  }
  return agent;
}

export async function postOutbound(request: OutboundPost): Promise<OutboundAnswer> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return { kind: 'refused', why: 'not sent: the URL is not valid' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { kind: 'refused', why: `not sent: ${url.protocol} is not http or https` };
  let lookup: LookupFunction | undefined;
  if (request.policy) {
    const target = await checkedTarget(
      url,
      request.policy,
      request.resolve ?? systemResolver,
      signal,
    );
    if (target.kind !== 'ok') return target;
    lookup = target.lookup;
  }
  return send(url, request, signal, lookup);
}

type Target =
  | { kind: 'ok'; lookup: LookupFunction | undefined }
  | Exclude<OutboundAnswer, { kind: 'answered' }>;

async function checkedTarget(
  url: URL,
  policy: AddressPolicy,
  resolve: Resolver,
  signal: AbortSignal,
): Promise<Target> {
  const host = classifyHost(url.hostname);
  if (host.kind === 'invalid') return { kind: 'refused', why: `not sent: ${host.why}` };
  if (!isAllowed(host.range, policy))
    return { kind: 'refused', why: `not sent: the URL points to ${host.why}` };
  // An address literal: the socket connects to it without a lookup.
  if (host.kind === 'ip') return { kind: 'ok', lookup: undefined };
  let addresses: ResolvedAddress[];
  try {
    addresses = await abortable(resolve(host.name), signal);
  } catch (error) {
    if (signal.aborted) return { kind: 'unanswered', why: 'no address found in time' };
    return { kind: 'unanswered', why: `${host.name} did not resolve: ${describe(error)}` };
  }
  if (addresses.length === 0)
    return { kind: 'unanswered', why: `${host.name} did not resolve to any address` };
  // Every answer is checked, not only the one used: a name that mixes public and private
  // addresses is refused as a whole.
  for (const a of addresses) {
    const c = classifyAddress(a.address);
    if (!c)
      return {
        kind: 'refused',
        why: `not sent: ${host.name} resolved to ${a.address}, not an address`,
      };
    if (!isAllowed(c.range, policy))
      return { kind: 'refused', why: `not sent: ${host.name} resolves to ${c.why}` };
  }
  const pinned = addresses[0]!;
  const family = pinned.address.includes(':') ? 6 : 4;
  const lookup = ((_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: pinned.address, family }]);
    else callback(null, pinned.address, family);
  }) as LookupFunction;
  return { kind: 'ok', lookup };
}

function send(
  url: URL,
  request: OutboundPost,
  signal: AbortSignal,
  lookup: LookupFunction | undefined,
): Promise<OutboundAnswer> {
  const protocol = url.protocol as 'http:' | 'https:';
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return new Promise<OutboundAnswer>((resolve) => {
    const req = (protocol === 'https:' ? https : http).request(
      {
        protocol,
        hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        agent: agentFor(protocol, request.policy),
        signal,
        ...(lookup ? { lookup } : {}),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (text.length >= request.responseLimit) res.destroy();
        });
        const done = () =>
          resolve({
            kind: 'answered',
            status: res.statusCode ?? 0,
            body: text.slice(0, request.responseLimit),
          });
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    req.on('error', (error) => {
      resolve({
        kind: 'unanswered',
        why: signal.aborted ? `no answer within ${request.timeoutMs} ms` : describe(error),
      });
    });
    req.end(request.body);
  });
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function describe(error: unknown): string {
  const e = error as { code?: string; message?: string };
  if (e?.code && e.message?.includes(e.code)) return e.message;
  if (e?.code) return `${e.code}: ${e.message ?? ''}`;
  return e?.message ?? String(error);
}
