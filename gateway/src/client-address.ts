import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/**
 * The client's address: the socket's, or the one `trustedHops` proxies back in
 * X-Forwarded-For (the same rule express applies with `trust proxy` set to a hop count).
 */
export function createAddressResolver(trustedHops: number): (request: IncomingMessage) => string {
  const trust = (_address: string, hop: number): boolean => hop < trustedHops;
  return (request) => normalise(trustedHops > 0 ? proxyAddr(request, trust) : (request.socket.remoteAddress ?? 'unknown'));
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are the same client. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
