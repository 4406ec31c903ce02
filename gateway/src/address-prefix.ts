import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Address arithmetic for limits and bans. "An address" is an IPv4 address or an IPv6 prefix
 * (a /64 by default): one IPv6 host is routed a whole /64, so keying on the full address would
 * give it 2^64 identities. Every key is written in one canonical form (dotted IPv4, RFC 5952
 * IPv6 with `/length`), so the same client always lands on the same Redis key and ban field.
 */
export type AddressFamily = 'ipv4' | 'ipv6';

interface Parsed {
  readonly family: AddressFamily;
  readonly bytes: readonly number[];
}

/**
 * Prefix lengths a ban may cover. The placement script checks one HMGET field per length, so the
 * set is small and fixed; the configured IPv6 address length is always one of them.
 */
export const BAN_PREFIX_LENGTHS = {
  ipv4: [8, 16, 24, 32],
  ipv6: [32, 40, 48, 56, 64],
} as const;

export interface AddressKeying {
  /** The key limits and cooldowns use: the IPv4 address, or the IPv6 prefix (`2001:db8:1:2::/64`). */
  keyOf(rawAddress: string): string;
  /** Every ban prefix that covers an address or an address key, longest last (what the ban checks look up). */
  coveringPrefixes(address: string): string[];
  /** Reads an admin's ban target: a canonical prefix, or why the text is not one. */
  parseBanTarget(text: string): { readonly ok: true; readonly prefix: string } | { readonly ok: false; readonly message: string };
}

export function createAddressKeying(ipv6PrefixLength: number): AddressKeying {
  const lengths: Record<AddressFamily, readonly number[]> = {
    ipv4: BAN_PREFIX_LENGTHS.ipv4,
    ipv6: [...new Set([...BAN_PREFIX_LENGTHS.ipv6.filter((length) => length < ipv6PrefixLength), ipv6PrefixLength])],
  };
  return {
    keyOf(rawAddress) {
      const parsed = parseAddress(rawAddress);
      if (!parsed) return rawAddress;
      return parsed.family === 'ipv4' ? formatBytes(parsed) : formatPrefix(parsed, ipv6PrefixLength);
    },
    coveringPrefixes(address) {
      // A key's bits beyond its length are zero, and no ban is longer than a key.
      const parsed = parseAddress(address.replace(/\/\d+$/, ''));
      return parsed ? lengths[parsed.family].map((length) => formatPrefix(parsed, length)) : [];
    },
    parseBanTarget(text) {
      const [address, length, ...rest] = text.trim().split('/');
      const parsed = address === undefined || rest.length > 0 ? undefined : parseAddress(address);
      if (!parsed) return { ok: false, message: 'must be an IPv4 or IPv6 address, or a prefix in CIDR notation (10.0.0.0/24, 2001:db8::/48)' };
      const allowed = lengths[parsed.family];
      if (length === undefined) {
        // A bare IPv6 address means its whole prefix, the unit every limit already uses.
        return { ok: true, prefix: formatPrefix(parsed, parsed.family === 'ipv4' ? 32 : ipv6PrefixLength) };
      }
      const bits = /^\d{1,3}$/.test(length) ? Number(length) : NaN;
      if (!allowed.includes(bits)) {
        return { ok: false, message: `an ${parsed.family === 'ipv4' ? 'IPv4' : 'IPv6'} prefix length must be one of ${allowed.join(', ')}` };
      }
      const prefix = formatPrefix(parsed, bits);
      // A typo in the address part must not silently ban some other network.
      if (maskBytes(parsed.bytes, bits).some((byte, index) => byte !== parsed.bytes[index])) {
        return { ok: false, message: `has address bits set beyond /${bits} (the prefix is ${prefix})` };
      }
      return { ok: true, prefix };
    },
  };
}

/** IPv4, IPv6 and IPv4-mapped IPv6 (`::ffff:1.2.3.4`, which is an IPv4 client); nothing else. */
function parseAddress(text: string): Parsed | undefined {
  // net.isIP refuses the legacy forms ipaddr.js would take (`127.1`, octal); zones are local only.
  if (isIP(text) === 0 || text.includes('%')) return undefined;
  const address = ipaddr.parse(text);
  if (address.kind() === 'ipv6') {
    const v6 = address as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return { family: 'ipv4', bytes: v6.toIPv4Address().toByteArray() };
    return { family: 'ipv6', bytes: v6.toByteArray() };
  }
  return { family: 'ipv4', bytes: address.toByteArray() };
}

function maskBytes(bytes: readonly number[], length: number): number[] {
  return bytes.map((byte, index) => byte & ((0xff << (8 - Math.max(0, Math.min(8, length - index * 8)))) & 0xff));
}

function formatPrefix(address: Parsed, length: number): string {
  return `${formatBytes({ family: address.family, bytes: maskBytes(address.bytes, length) })}/${length}`;
}

/** Dotted quad, or RFC 5952: lower case, no leading zeros, the first longest run of zero groups as `::`. */
function formatBytes(address: Parsed): string {
  const { bytes } = address;
  if (address.family === 'ipv4') return bytes.join('.');
  const groups = Array.from({ length: 8 }, (_, index) => ((bytes[index * 2] ?? 0) << 8) | (bytes[index * 2 + 1] ?? 0));
  let bestStart = -1;
  let bestLength = 1; // a single zero group is not compressed
  for (let start = 0; start < 8; start++) {
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength) [bestStart, bestLength] = [start, end - start];
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
