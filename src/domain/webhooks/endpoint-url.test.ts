import { describe, expect, it } from 'vitest';
import { checkEndpointUrl } from './endpoint-url.ts';

describe('checkEndpointUrl', () => {
  it.each([
    ['https://example.com/hooks', 'live', 'https://example.com/hooks'],
    ['https://example.com:8443/a?b=c', 'live', 'https://example.com:8443/a?b=c'],
    ['https://EXAMPLE.com', 'test', 'https://example.com/'],
    ['http://127.0.0.1:4000/hooks', 'test', 'http://127.0.0.1:4000/hooks'],
    ['http://localhost/hooks', 'test', 'http://localhost/hooks'],
    ['http://[::1]:9000/', 'test', 'http://[::1]:9000/'],
  ] as const)('accepts %s in %s mode', (raw, mode, url) => {
    expect(checkEndpointUrl(raw, mode)).toEqual({ ok: true, url });
  });

  it.each([
    [
      'http://127.0.0.1:4000/hooks',
      'live',
      'url must use https in live mode (http is for test mode only)',
    ],
    [
      'http://example.com/hooks',
      'test',
      'url must use https (http is allowed only for localhost in test mode)',
    ],
    [
      'http://10.0.0.5/hooks',
      'test',
      'url must use https (http is allowed only for localhost in test mode)',
    ],
    ['ftp://example.com/', 'live', 'url must use https'],
    ['example.com/hooks', 'live', 'url is not a valid absolute URL'],
    ['', 'live', 'url is not a valid absolute URL'],
    ['https://user:pw@example.com/', 'live', 'url must not carry a user name or password'],
    ['https://example.com/#x', 'live', 'url must not have a #fragment'],
    [`https://example.com/${'a'.repeat(2100)}`, 'live', 'url is longer than 2048 characters'],
  ] as const)('refuses %s in %s mode: %s', (raw, mode, why) => {
    expect(checkEndpointUrl(raw, mode)).toEqual({ ok: false, why });
  });
});
