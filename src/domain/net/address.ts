// Which hosts an outbound request (a webhook, a chat channel) may reach. An address is read in
// every spelling WHATWG URL accepts for IPv4 (decimal, hex, octal, short forms) and in every IPv6
// form that wraps an IPv4 address, then matched against IANA's special-purpose address registries
// (RFC 6890). Only public unicast addresses pass; loopback passes when a policy allows it.

export type AddressRange =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'shared'
  | 'multicast'
  | 'unspecified'
  | 'broadcast'
  | 'reserved'
  | 'documentation'
  | 'metadata';

export type Ip = { family: 4 | 6; bits: bigint };

/** What the deployment and the merchant's mode allow beyond public addresses. */
export type AddressPolicy = { allowLoopback: boolean };

export type AddressClass = {
  range: AddressRange;
  /** The address in canonical form (dotted IPv4, compressed IPv6). */
  address: string;
  /** "169.254.169.254, a cloud metadata address"; for a wrapped IPv4 it names both. */
  why: string;
};

const RANGE_NAMES: Record<AddressRange, string> = {
  public: 'a public address',
  loopback: 'a loopback address',
  private: 'a private address',
  link_local: 'a link-local address',
  shared: 'a carrier-grade NAT address',
  multicast: 'a multicast address',
  unspecified: 'an unspecified address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
  documentation: 'a documentation address',
  metadata: 'a cloud metadata address',
};

export function describeRange(range: AddressRange): string {
  return RANGE_NAMES[range];
}

export function isAllowed(range: AddressRange, policy: AddressPolicy): boolean {
  return range === 'public' || (range === 'loopback' && policy.allowLoopback);
}

// --- parsing ------------------------------------------------------------------------------------

/** One IPv4 part as WHATWG reads it: 0x… hex, 0… octal, else decimal. */
function ipv4Part(part: string): number | null {
  let digits = part;
  let radix = 10;
  if (/^0x/i.test(part)) {
    digits = part.slice(2);
    radix = 16;
    if (digits === '') return 0;
  } else if (part.length > 1 && part.startsWith('0')) {
    digits = part.slice(1);
    radix = 8;
  }
  const pattern = radix === 16 ? /^[0-9a-f]+$/i : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!pattern.test(digits)) return null;
  const value = Number.parseInt(digits, radix);
  return Number.isSafeInteger(value) ? value : null;
}

/**
 * IPv4 in any spelling the WHATWG URL host parser accepts: `127.0.0.1`, `2130706433`,
 * `0x7f000001`, `0177.0.0.1`, `127.1`, a trailing dot. Null when the text is not one.
 */
export function parseIpv4(text: string): Ip | null {
  const parts = text.split('.');
  if (parts.length > 1 && parts.at(-1) === '') parts.pop();
  if (parts.length === 0 || parts.length > 4) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    if (part === '') return null;
    const n = ipv4Part(part);
    if (n === null) return null;
    numbers.push(n);
  }
  const last = numbers.pop()!;
  if (numbers.some((n) => n > 255)) return null;
  if (last >= 256 ** (4 - numbers.length)) return null;
  let value = BigInt(last);
  for (const [i, n] of numbers.entries()) value += BigInt(n) << BigInt(8 * (3 - i));
  return { family: 4, bits: value };
}

/** IPv6 with or without brackets and zone id, an embedded dotted IPv4 tail included. */
export function parseIpv6(text: string): Ip | null {
  let s = text;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(':')) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (half: string): number[] | null => {
    if (half === '') return [];
    const out: number[] = [];
    const pieces = half.split(':');
    for (const [i, piece] of pieces.entries()) {
      if (i === pieces.length - 1 && piece.includes('.')) {
        if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(piece)) return null;
        const octets = piece.split('.').map(Number);
        if (octets.some((o) => o > 255)) return null;
        out.push((octets[0]! << 8) | octets[1]!, (octets[2]! << 8) | octets[3]!);
      } else {
        if (!/^[0-9a-f]{1,4}$/i.test(piece)) return null;
        out.push(Number.parseInt(piece, 16));
      }
    }
    return out;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return null;
  let groups: number[];
  if (halves.length === 2) {
    if (head.length + tail.length > 7) return null;
    groups = [...head, ...Array(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    if (head.length !== 8) return null;
    groups = head;
  }
  let bits = 0n;
  for (const g of groups) bits = (bits << 16n) | BigInt(g);
  return { family: 6, bits };
}

export function parseIp(text: string): Ip | null {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

export function formatIp(ip: Ip): string {
  if (ip.family === 4)
    return [24n, 16n, 8n, 0n].map((shift) => String((ip.bits >> shift) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) =>
    Number((ip.bits >> BigInt(16 * (7 - i))) & 0xffffn),
  );
  // RFC 5952: the longest run of two or more zero groups becomes "::".
  let best = { at: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length && j - i >= 2) best = { at: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  const left = hex.slice(0, best.at).join(':');
  const right = hex.slice(best.at + best.length).join(':');
  return `${left}::${right}`;
}

// --- classification -----------------------------------------------------------------------------

type Block = { base: bigint; prefix: number; range: AddressRange };

function blocks(family: 4 | 6, rows: [string, AddressRange][]): Block[] {
  return rows.map(([cidr, range]) => {
    const [base, prefix] = cidr.split('/') as [string, string];
    const ip = family === 4 ? parseIpv4(base) : parseIpv6(base);
    return { base: ip!.bits, prefix: Number(prefix), range };
  });
}

function inBlock(bits: bigint, width: number, base: bigint, prefix: number): boolean {
  const shift = BigInt(width - prefix);
  return bits >> shift === base >> shift;
}

// IANA IPv4 Special-Purpose Address Registry; the first match wins, so exact addresses lead.
const V4_BLOCKS = blocks(4, [
  ['169.254.169.254/32', 'metadata'], // AWS, Google Cloud, Azure, Oracle, DigitalOcean, …
  ['169.254.170.2/32', 'metadata'], // AWS ECS task metadata
  ['100.100.100.200/32', 'metadata'], // Alibaba Cloud
  ['192.0.0.192/32', 'metadata'], // Oracle Cloud Classic
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared'], // RFC 6598
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link_local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'], // IETF protocol assignments
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved'], // 6to4 relay anycast, RFC 7526
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'], // benchmarking, RFC 2544
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
]);

// IPv6 blocks that wrap an IPv4 address: the IPv4 address decides (mapped, SIIT, NAT64, compatible).
const V6_WRAPPERS: { base: bigint; prefix: number; v4: (bits: bigint) => bigint; name: string }[] =
  [
    { cidr: '::ffff:0:0/96', v4: (b: bigint) => b & 0xffffffffn, name: 'IPv4-mapped' },
    { cidr: '::ffff:0:0:0/96', v4: (b: bigint) => b & 0xffffffffn, name: 'IPv4-translated' },
    { cidr: '64:ff9b::/96', v4: (b: bigint) => b & 0xffffffffn, name: 'NAT64' },
    { cidr: '2002::/16', v4: (b: bigint) => (b >> 80n) & 0xffffffffn, name: '6to4' },
    { cidr: '::/96', v4: (b: bigint) => b & 0xffffffffn, name: 'IPv4-compatible' },
  ].map(({ cidr, v4, name }) => {
    const [base, prefix] = cidr.split('/') as [string, string];
    return { base: parseIpv6(base)!.bits, prefix: Number(prefix), v4, name };
  });

// IANA IPv6 Special-Purpose Address Registry, then anything outside global unicast 2000::/3.
const V6_BLOCKS = blocks(6, [
  ['fd00:ec2::254/128', 'metadata'], // AWS instance metadata over IPv6
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'private'], // local-use NAT64, RFC 8215
  ['100::/64', 'reserved'], // discard-only, RFC 6666
  ['2001:db8::/32', 'documentation'],
  ['2001::/23', 'reserved'], // IETF protocol assignments, Teredo among them
  ['3fff::/20', 'documentation'], // RFC 9637
  ['5f00::/16', 'reserved'], // SRv6 SIDs, RFC 9602
  ['fc00::/7', 'private'], // unique local, RFC 4193
  ['fe80::/10', 'link_local'],
  ['fec0::/10', 'private'], // site-local, deprecated by RFC 3879
  ['ff00::/8', 'multicast'],
  ['2000::/3', 'public'],
  ['::/0', 'reserved'],
]);

export function classifyIp(ip: Ip): AddressClass {
  const address = formatIp(ip);
  if (ip.family === 4) {
    const range = V4_BLOCKS.find((b) => inBlock(ip.bits, 32, b.base, b.prefix))?.range ?? 'public';
    return { range, address, why: `${address}, ${describeRange(range)}` };
  }
  const exact = V6_BLOCKS.slice(0, 3).find((b) => inBlock(ip.bits, 128, b.base, b.prefix));
  if (exact)
    return { range: exact.range, address, why: `${address}, ${describeRange(exact.range)}` };
  const wrapper = V6_WRAPPERS.find((w) => inBlock(ip.bits, 128, w.base, w.prefix));
  if (wrapper) {
    const inner = classifyIp({ family: 4, bits: wrapper.v4(ip.bits) });
    return {
      range: inner.range,
      address,
      why: `${address} (${wrapper.name} ${inner.address}), ${describeRange(inner.range)}`,
    };
  }
  const range = V6_BLOCKS.find((b) => inBlock(ip.bits, 128, b.base, b.prefix))!.range;
  return { range, address, why: `${address}, ${describeRange(range)}` };
}

/** Classifies an address in any spelling; null when the text is not an IP address. */
export function classifyAddress(text: string): AddressClass | null {
  const ip = parseIp(text);
  return ip ? classifyIp(ip) : null;
}

// --- host names ---------------------------------------------------------------------------------

// Names of cloud metadata services, answered inside the instance only.
const METADATA_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.tencentyun.com',
  'metadata.platformequinix.com',
]);

// Suffixes that never name a public host: RFC 6761 (localhost), RFC 6762 (local, and the private
// names of its appendix G), RFC 8375 (home.arpa), ICANN's private-use .internal (2024).
const LOOPBACK_SUFFIXES = ['localhost'];
const PRIVATE_SUFFIXES = [
  'local',
  'internal',
  'home.arpa',
  'intranet',
  'lan',
  'corp',
  'home',
  'private',
];

function hasSuffix(name: string, suffix: string): boolean {
  return name === suffix || name.endsWith(`.${suffix}`);
}

export type HostClass =
  | ({ kind: 'ip' } & AddressClass)
  /** A DNS name: `range` is what the name itself says; a public name is checked again after DNS. */
  | { kind: 'name'; name: string; range: AddressRange; why: string }
  | { kind: 'invalid'; why: string };

/** A URL's host as `new URL()` leaves it (lowercase, IPv6 in brackets) or as typed. */
export function classifyHost(host: string): HostClass {
  const lower = host.toLowerCase();
  if (lower === '') return { kind: 'invalid', why: 'the host is empty' };
  if (lower.startsWith('[') || lower.includes(':')) {
    const ip = parseIpv6(lower);
    return ip
      ? { kind: 'ip', ...classifyIp(ip) }
      : { kind: 'invalid', why: `${host} is not a valid IPv6 address` };
  }
  const v4 = parseIpv4(lower);
  if (v4) return { kind: 'ip', ...classifyIp(v4) };
  const name = lower.endsWith('.') ? lower.slice(0, -1) : lower;
  // Every label numeric but not a valid address (1.2.3.999): no resolver should be asked.
  if (/^[0-9.x]+$/.test(name) && /\d$/.test(name))
    return { kind: 'invalid', why: `${host} is not a valid IPv4 address` };
  const named = (range: AddressRange, why: string): HostClass => ({
    kind: 'name',
    name,
    range,
    why,
  });
  if (METADATA_NAMES.has(name)) return named('metadata', `${name}, a cloud metadata name`);
  if (LOOPBACK_SUFFIXES.some((s) => hasSuffix(name, s)))
    return named('loopback', `${name}, a name for this machine`);
  if (PRIVATE_SUFFIXES.some((s) => hasSuffix(name, s)))
    return named('private', `${name}, a name for a private network`);
  if (!name.includes('.'))
    return named('private', `${name}, a name without a domain (resolved on the local network)`);
  return named('public', name);
}
