import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';
import type { AddressKeying } from './address-prefix.js';

/**
 * The client's address: the socket's, or the one `trustedHops` proxies back in
 * X-Forwarded-For (the same rule express applies with `trust proxy` set to a hop count), as the
 * key every per-address limit uses (an IPv6 client is keyed by its prefix, see address-prefix.ts).
 */
export function createAddressResolver(trustedHops: number, keying?: AddressKeying): (request: IncomingMessage) => string {
  const trust = (_address: string, hop: number): boolean => hop < trustedHops;
  return (request) => {
    const address = normalise(trustedHops > 0 ? proxyAddr(request, trust) : (request.socket.remoteAddress ?? 'unknown'));
    return keying ? keying.keyOf(address) : address;
  };
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are the same client. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
