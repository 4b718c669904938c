import { describe, expect, it } from 'vitest';
import { formatIp, parseIpv4 } from './address.ts';
import { checkOutboundUrl } from './outbound-url.ts';

const STRICT = { allowLoopback: false };
const LOOPBACK_OK = { allowLoopback: true };

// The addresses found by testing, each in the spellings a merchant could send.
const REFUSED: [string, string][] = [
  ['https://169.254.169.254/latest/meta-data/', '169.254.169.254, a cloud metadata address'],
  ['https://127.0.0.1/', '127.0.0.1, a loopback address'],
  ['https://localhost/', 'localhost, a name for this machine'],
  ['https://[::1]/', '::1, a loopback address'],
  ['https://10.0.0.1/', '10.0.0.1, a private address'],
  ['https://192.168.1.1/', '192.168.1.1, a private address'],
  ['https://172.16.5.4/', '172.16.5.4, a private address'],
  ['https://metadata.google.internal/', 'metadata.google.internal, a cloud metadata name'],
  ['https://metadata.google.internal./', 'metadata.google.internal, a cloud metadata name'],
  ['https://metadata/', 'metadata, a cloud metadata name'],
  ['https://0x7f000001/', '127.0.0.1, a loopback address'],
  ['https://2130706433/', '127.0.0.1, a loopback address'],
  ['https://0177.0.0.1/', '127.0.0.1, a loopback address'],
  ['https://127.1/', '127.0.0.1, a loopback address'],
  [
    'https://[::ffff:169.254.169.254]/',
    '::ffff:a9fe:a9fe (IPv4-mapped 169.254.169.254), a cloud metadata address',
  ],
  ['https://[::ffff:7f00:1]/', '::ffff:7f00:1 (IPv4-mapped 127.0.0.1), a loopback address'],
  ['https://[64:ff9b::10.0.0.1]/', '64:ff9b::a00:1 (NAT64 10.0.0.1), a private address'],
  ['https://[fd00:ec2::254]/', 'fd00:ec2::254, a cloud metadata address'],
  ['https://[fe80::1]/', 'fe80::1, a link-local address'],
  ['https://[fc00::1]/', 'fc00::1, a private address'],
  ['https://0.0.0.0/', '0.0.0.0, an unspecified address'],
  ['https://0/', '0.0.0.0, an unspecified address'],
  ['https://[::]/', '::, an unspecified address'],
  ['https://100.64.0.1/', '100.64.0.1, a carrier-grade NAT address'],
  ['https://224.0.0.1/', '224.0.0.1, a multicast address'],
  ['https://255.255.255.255/', '255.255.255.255, the broadcast address'],
  ['https://192.0.2.10/', '192.0.2.10, a documentation address'],
  ['https://240.0.0.1/', '240.0.0.1, a reserved address'],
];

describe('checkOutboundUrl', () => {
  it.each(REFUSED)('refuses %s: it points to %s', (raw, why) => {
    const checked = checkOutboundUrl(raw, STRICT, 'url');
    expect(checked).toMatchObject({
      ok: false,
      why: `url points to ${why}; only public addresses can receive requests`,
    });
  });

  it.each(REFUSED.filter(([, why]) => !/loopback|this machine/.test(why)))(
    'refuses %s even where loopback is allowed',
    (raw) => {
      expect(checkOutboundUrl(raw, LOOPBACK_OK).ok).toBe(false);
    },
  );

  it.each([
    ['https://127.0.0.1/'],
    ['https://0x7f000001/'],
    ['http://127.0.0.1:4000/hooks'],
    ['http://localhost/hooks'],
    ['http://[::1]:9000/'],
  ])('allows %s where loopback is allowed', (raw) => {
    expect(checkOutboundUrl(raw, LOOPBACK_OK).ok).toBe(true);
  });

  it.each([
    ['https://hooks.example.com/in', 'https://hooks.example.com/in'],
    ['https://93.184.216.34/x', 'https://93.184.216.34/x'],
    ['https://[2606:2800::1]/x', 'https://[2606:2800::1]/x'],
    ['https://EXAMPLE.com', 'https://example.com/'],
  ])('allows the public %s', (raw, url) => {
    expect(checkOutboundUrl(raw, STRICT)).toEqual({ ok: true, url });
  });

  it('names the field and keeps http for loopback receivers only', () => {
    expect(checkOutboundUrl('http://hooks.example.com/', LOOPBACK_OK, 'webhook_url')).toEqual({
      ok: false,
      why: 'webhook_url must use https (http is allowed only for loopback receivers)',
      range: null,
    });
    expect(checkOutboundUrl('https://10.0.0.1/x', LOOPBACK_OK, 'webhook_url')).toMatchObject({
      why: 'webhook_url points to 10.0.0.1, a private address; only public addresses can receive requests',
      range: 'private',
    });
  });

  // new URL() rewrites these IPv4 spellings to dotted form; parseIpv4 must read them the same.
  it.each([
    ['0x7f000001'],
    ['2130706433'],
    ['0177.0.0.1'],
    ['127.1'],
    ['0x7f.1'],
    ['0'],
    ['169.254.43518'],
    ['017700000001'],
  ])('reads %s as new URL() does', (host) => {
    expect(formatIp(parseIpv4(host)!)).toBe(new URL(`https://${host}/`).hostname);
  });
});
