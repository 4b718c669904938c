// Where a merchant may have its webhooks sent. Live endpoints must use HTTPS: the body carries
// customer data and the signature proves origin, not secrecy. In test mode plain HTTP is allowed
// to this machine only, so a developer can point Dunner at a local receiver.

export const MAX_URL_LENGTH = 2048;

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export type UrlCheck = { ok: true; url: string } | { ok: false; why: string };

export function checkEndpointUrl(raw: string, mode: 'test' | 'live'): UrlCheck {
  if (raw.length > MAX_URL_LENGTH)
    return { ok: false, why: `url is longer than ${MAX_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, why: 'url is not a valid absolute URL' };
  }
  if (url.username || url.password)
    return { ok: false, why: 'url must not carry a user name or password' };
  if (url.hash) return { ok: false, why: 'url must not have a #fragment' };
  if (url.protocol === 'https:') return { ok: true, url: url.toString() };
  if (url.protocol === 'http:') {
    if (!LOCAL_HOSTS.has(url.hostname))
      return {
        ok: false,
        why: 'url must use https (http is allowed only for localhost in test mode)',
      };
    if (mode !== 'test')
      return { ok: false, why: 'url must use https in live mode (http is for test mode only)' };
    return { ok: true, url: url.toString() };
  }
  return { ok: false, why: 'url must use https' };
}
