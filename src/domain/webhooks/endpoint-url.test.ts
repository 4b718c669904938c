import { describe, expect, it } from 'vitest';
import { checkEndpointUrl } from './endpoint-url.ts';

const LIVE = { allowLoopback: false };
const LOCAL_TEST = { allowLoopback: true };

describe('checkEndpointUrl', () => {
  it.each([
    ['https://example.com/hooks', LIVE, 'https://example.com/hooks'],
    ['https://example.com:8443/a?b=c', LIVE, 'https://example.com:8443/a?b=c'],
    ['https://EXAMPLE.com', LOCAL_TEST, 'https://example.com/'],
    ['http://127.0.0.1:4000/hooks', LOCAL_TEST, 'http://127.0.0.1:4000/hooks'],
    ['http://localhost/hooks', LOCAL_TEST, 'http://localhost/hooks'],
    ['http://[::1]:9000/', LOCAL_TEST, 'http://[::1]:9000/'],
  ] as const)('accepts %s with %o', (raw, policy, url) => {
    expect(checkEndpointUrl(raw, policy)).toEqual({ ok: true, url });
  });

  it.each([
    [
      'http://127.0.0.1:4000/hooks',
      LIVE,
      'url points to 127.0.0.1, a loopback address; only public addresses can receive requests',
    ],
    [
      'http://example.com/hooks',
      LOCAL_TEST,
      'url must use https (http is allowed only for loopback receivers)',
    ],
    [
      'http://10.0.0.5/hooks',
      LOCAL_TEST,
      'url points to 10.0.0.5, a private address; only public addresses can receive requests',
    ],
    ['ftp://example.com/', LIVE, 'url must use https'],
    ['example.com/hooks', LIVE, 'url is not a valid absolute URL'],
    ['', LIVE, 'url is not a valid absolute URL'],
    ['https://user:pw@example.com/', LIVE, 'url must not carry a user name or password'],
    ['https://example.com/#x', LIVE, 'url must not have a #fragment'],
    [`https://example.com/${'a'.repeat(2100)}`, LIVE, 'url is longer than 2048 characters'],
  ] as const)('refuses %s with %o: %s', (raw, policy, why) => {
    expect(checkEndpointUrl(raw, policy)).toMatchObject({ ok: false, why });
  });
});
