import { describe, expect, it } from 'vitest';
import {
  classifyAddress,
  classifyHost,
  formatIp,
  isAllowed,
  parseIpv4,
  parseIpv6,
} from './address.ts';

const STRICT = { allowLoopback: false };
const LOOPBACK_OK = { allowLoopback: true };

describe('parseIpv4 reads every spelling WHATWG URL accepts', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0X7F000001', '127.0.0.1'],
    ['017700000001', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0x7f.0.0.0x1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['127.0.0.1.', '127.0.0.1'],
    ['0', '0.0.0.0'],
    ['0x', '0.0.0.0'],
    ['169.254.43518', '169.254.169.254'],
    ['2852039166', '169.254.169.254'],
    ['4294967295', '255.255.255.255'],
  ])('%s is %s', (text, dotted) => {
    expect(formatIp(parseIpv4(text)!)).toBe(dotted);
  });

  it.each([
    ['4294967296'],
    ['256.0.0.1'],
    ['1.2.3.4.5'],
    ['1..2'],
    ['08.0.0.1'],
    ['0xg'],
    ['example.com'],
    [''],
  ])('%s is not an IPv4 address', (text) => {
    expect(parseIpv4(text)).toBeNull();
  });
});

describe('parseIpv6', () => {
  it.each([
    ['::1', '::1'],
    ['[::1]', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::', '::'],
    ['[::ffff:169.254.169.254]', '::ffff:a9fe:a9fe'],
    ['::ffff:a9fe:a9fe', '::ffff:a9fe:a9fe'],
    ['fe80::1%eth0', 'fe80::1'],
    ['2606:2800:220:1:248:1893:25c8:1946', '2606:2800:220:1:248:1893:25c8:1946'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
  ])('%s reads as %s', (text, canonical) => {
    expect(formatIp(parseIpv6(text)!)).toBe(canonical);
  });

  it.each([[':::'], ['1::2::3'], ['12345::'], ['1:2:3:4:5:6:7:8:9'], ['::1.2.3.256'], ['1.2.3.4']])(
    '%s is not an IPv6 address',
    (text) => {
      expect(parseIpv6(text)).toBeNull();
    },
  );
});

describe('classifyAddress', () => {
  it.each([
    // IPv4
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['2130706433', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['127.1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.1.1', 'link_local'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['93.184.216.34', 'public'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['169.255.0.1', 'public'],
    // IPv6
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fd00:ec2::254', 'metadata'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['febf::1', 'link_local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['2001::1', 'reserved'],
    ['100::1', 'reserved'],
    ['64:ff9b:1::1', 'private'],
    ['4000::1', 'reserved'],
    ['2606:2800::1', 'public'],
    ['2a00:1450:4001:82a::200e', 'public'],
    // IPv6 wrapping IPv4: the IPv4 address decides
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:0:10.0.0.1', 'private'],
    ['::127.0.0.1', 'loopback'],
    ['::7f00:1', 'loopback'],
    ['::a9fe:a9fe', 'metadata'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:a9fe:a9fe::1', 'metadata'],
    ['::ffff:93.184.216.34', 'public'],
    ['64:ff9b::93.184.216.34', 'public'],
  ])('%s is %s', (text, range) => {
    expect(classifyAddress(text)?.range).toBe(range);
  });

  it('names the wrapped IPv4 address in its reason', () => {
    expect(classifyAddress('::ffff:a9fe:a9fe')?.why).toBe(
      '::ffff:a9fe:a9fe (IPv4-mapped 169.254.169.254), a cloud metadata address',
    );
    expect(classifyAddress('0x7f000001')?.why).toBe('127.0.0.1, a loopback address');
  });

  it('is null for a name', () => {
    expect(classifyAddress('example.com')).toBeNull();
  });
});

describe('classifyHost', () => {
  it.each([
    ['localhost', 'loopback'],
    ['localhost.', 'loopback'],
    ['LOCALHOST', 'loopback'],
    ['api.localhost', 'loopback'],
    ['metadata.google.internal', 'metadata'],
    ['metadata.google.internal.', 'metadata'],
    ['metadata', 'metadata'],
    ['metadata.goog', 'metadata'],
    ['instance-data.ec2.internal', 'metadata'],
    ['db.internal', 'private'],
    ['printer.local', 'private'],
    ['nas.home.arpa', 'private'],
    ['intranet', 'private'],
    ['[::1]', 'loopback'],
    ['[::ffff:a9fe:a9fe]', 'metadata'],
    ['127.0.0.1', 'loopback'],
    ['0x7f.1', 'loopback'],
    ['hooks.example.com', 'public'],
    ['example.com.', 'public'],
    ['93.184.216.34', 'public'],
    ['[2606:2800::1]', 'public'],
  ])('%s is %s', (host, range) => {
    const c = classifyHost(host);
    expect(c.kind === 'invalid' ? c : c.range).toBe(range);
  });

  it.each([['1.2.3.999'], ['[::1::2]'], ['']])('%s is not a valid host', (host) => {
    expect(classifyHost(host).kind).toBe('invalid');
  });
});

describe('isAllowed', () => {
  it.each([
    ['public', STRICT, true],
    ['loopback', STRICT, false],
    ['loopback', LOOPBACK_OK, true],
    ['private', LOOPBACK_OK, false],
    ['metadata', LOOPBACK_OK, false],
    ['link_local', LOOPBACK_OK, false],
  ] as const)('%s with %o: %s', (range, policy, allowed) => {
    expect(isAllowed(range, policy)).toBe(allowed);
  });
});
