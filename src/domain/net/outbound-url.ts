// Where a merchant may point a request Dunner makes for them (a webhook endpoint, a chat or
// in-app channel): HTTPS to a public host. The host must not name this machine, a private
// network or a cloud metadata service in any spelling; a name is checked again after DNS at
// send time (adapters/net/outbound-http.ts). Plain HTTP is for loopback receivers only.
import { type AddressPolicy, type AddressRange, classifyHost, isAllowed } from './address.ts';

export const MAX_URL_LENGTH = 2048;

export type OutboundUrlCheck =
  | { ok: true; url: string }
  /** `range` is set when the host itself was refused (loopback, private, metadata, …). */
  | { ok: false; why: string; range: AddressRange | null };

/** `field` names the input in each reason: "webhook_url must use https". */
export function checkOutboundUrl(
  raw: string,
  policy: AddressPolicy,
  field = 'url',
): OutboundUrlCheck {
  const refuse = (why: string, range: AddressRange | null = null): OutboundUrlCheck => ({
    ok: false,
    why,
    range,
  });
  if (raw.length > MAX_URL_LENGTH)
    return refuse(`${field} is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse(`${field} is not a valid absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return refuse(`${field} must use https`);
  if (url.username || url.password)
    return refuse(`${field} must not carry a user name or password`);
  if (url.hash) return refuse(`${field} must not have a #fragment`);
  const host = classifyHost(url.hostname);
  if (host.kind === 'invalid') return refuse(`${field} has an invalid host: ${host.why}`);
  if (!isAllowed(host.range, policy))
    return refuse(
      `${field} points to ${host.why}; only public addresses can receive requests`,
      host.range,
    );
  if (url.protocol === 'http:' && host.range !== 'loopback')
    return refuse(`${field} must use https (http is allowed only for loopback receivers)`);
  return { ok: true, url: url.toString() };
}
