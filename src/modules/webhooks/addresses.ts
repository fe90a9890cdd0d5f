import net from 'node:net';
import os from 'node:os';

/** IPv4 ranges a webhook may not reach unless WEBHOOK_ALLOW_PRIVATE=true (SSRF into our own network). */
const PRIVATE = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [
  ['::', 127],
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215): translates to whatever the operator chose
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed by some stacks)
  ['ff00::', 8], // multicast
] as const) {
  PRIVATE.addSubnet(prefix, bits, 'ipv6');
}

/** The 16 bytes of an IPv6 address (with or without a trailing dotted quad). */
function ipv6Bytes(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.flatMap((g) => {
    const value = Number.parseInt(g || '0', 16);
    return [value >> 8, value & 0xff];
  });
}

const quadOf = (b: number[], at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
const isZero = (b: number[], from: number, to: number) => b.slice(from, to).every((x) => x === 0);

/**
 * The IPv4 addresses an IPv6 address carries, by the embeddings a router or the kernel may act
 * on: IPv4-mapped and -compatible (::ffff:a.b.c.d, ::a.b.c.d), SIIT (::ffff:0:a.b.c.d),
 * NAT64 (64:ff9b::a.b.c.d), 6to4 (2002:AABB:CCDD::) and Teredo (2001:0::, server and the
 * obfuscated client address).
 */
export function embeddedIpv4(address: string): string[] {
  const b = ipv6Bytes(address);
  const last = quadOf(b, 12);
  if (isZero(b, 0, 10) && ((b[10] === 0xff && b[11] === 0xff) || (b[10] === 0 && b[11] === 0))) return [last];
  if (isZero(b, 0, 8) && b[8] === 0xff && b[9] === 0xff && b[10] === 0 && b[11] === 0) return [last];
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && isZero(b, 4, 12)) return [last];
  if (b[0] === 0x20 && b[1] === 0x02) return [quadOf(b, 2)];
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0 && b[3] === 0) {
    const client = b.slice(12).map((x) => x ^ 0xff);
    return [quadOf(b, 4), quadOf(client, 0)];
  }
  return [];
}

/** Every address of this host's own interfaces: a webhook to them is a request to ourselves. */
function ownAddresses(): Set<string> {
  const own = new Set<string>();
  for (const list of Object.values(os.networkInterfaces())) {
    for (const entry of list ?? []) own.add(entry.family === 'IPv6' ? ipv6Bytes(entry.address).join('.') : entry.address);
  }
  return own;
}

/**
 * True for an address a webhook must not reach: private, loopback, link-local, site-local,
 * multicast, any IPv6 form embedding such an IPv4 address, and any address of this host.
 * Anything that is not an IP address at all counts as private (refused).
 */
export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4') || ownAddresses().has(address);
  if (family !== 6) return true;
  const embedded = embeddedIpv4(address);
  if (embedded.some((v4) => isPrivateAddress(v4))) return true;
  return PRIVATE.check(address, 'ipv6') || ownAddresses().has(ipv6Bytes(address).join('.'));
}
