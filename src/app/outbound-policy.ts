// Which addresses the requests Dunner makes for a merchant (webhooks, chat and in-app channels)
// may reach: public ones only, and this machine's loopback too for a test-mode merchant on a
// deployment that sets DUNNER_ALLOW_LOOPBACK_URLS=true. Live mode never reaches loopback.

import type { AddressPolicy } from '../domain/net/address.ts';
import type { OutboundUrlCheck } from '../domain/net/outbound-url.ts';
import type { Mode } from './access/api-keys.ts';
import type { AppConfig } from './services.ts';

export type OutboundConfig = Pick<AppConfig, 'allowLoopbackUrls'>;

export function outboundPolicy(config: OutboundConfig | undefined, mode: Mode): AddressPolicy {
  return { allowLoopback: mode === 'test' && config?.allowLoopbackUrls === true };
}

/** The reason of a refused URL, with how to allow a local receiver where that is possible. */
export function refusalReason(
  check: Extract<OutboundUrlCheck, { ok: false }>,
  mode: Mode,
  config: OutboundConfig | undefined,
): string {
  if (check.range !== 'loopback') return check.why;
  if (mode === 'live') return `${check.why} (live mode never sends to this machine)`;
  if (!config?.allowLoopbackUrls)
    return `${check.why} (test mode reaches this machine only where the deployment sets DUNNER_ALLOW_LOOPBACK_URLS=true)`;
  return check.why;
}
