// Where a merchant may have its webhooks sent. Endpoints must use HTTPS to a public host: the body
// carries customer data and the signature proves origin, not secrecy. Loopback (and plain HTTP to
// it) is allowed only when the policy says so: test mode on a deployment that allows it.
import type { AddressPolicy } from '../net/address.ts';
import { checkOutboundUrl, type OutboundUrlCheck } from '../net/outbound-url.ts';

export { MAX_URL_LENGTH } from '../net/outbound-url.ts';

export type UrlCheck = OutboundUrlCheck;

export function checkEndpointUrl(raw: string, policy: AddressPolicy): UrlCheck {
  return checkOutboundUrl(raw, policy, 'url');
}
