import type { IncomingMessage } from 'node:http';

/**
 * Which browser origins may open a socket or read the canvas from script: the gateway's own
 * (whatever host the request was addressed to) and those in CORS_ORIGINS (`*`: any). A request
 * without an `Origin` header comes from a non-browser client (a bot could forge any Origin
 * anyway); the check exists so that another site cannot turn its visitors' browsers into
 * placers from their home addresses.
 */
export interface OriginPolicy {
  /** Whether a request carrying this Origin (undefined: none) to this Host may proceed. */
  allows(origin: string | undefined, host: string | undefined): boolean;
  /** The Access-Control-Allow-Origin value for a request, or undefined to send none. */
  allowOriginHeader(request: IncomingMessage): string | undefined;
  /** True when CORS_ORIGINS holds `*`: responses do not depend on the Origin (no `Vary: Origin`). */
  readonly anyOrigin: boolean;
}

/** Canonical `scheme://host[:port]` of an http(s) origin, or undefined (`null`, paths, other schemes). */
export function canonicalOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  // An origin is scheme, host and port only: a path, query or credentials mean it is something else.
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return undefined;
  if (!/^https?:\/\/[^/]+\/?$/i.test(value)) return undefined;
  return url.origin;
}

export function createOriginPolicy(corsOrigins: readonly string[]): OriginPolicy {
  const anyOrigin = corsOrigins.includes('*');
  const listed = new Set(corsOrigins.map(canonicalOrigin).filter((origin) => origin !== undefined));

  const allows = (origin: string | undefined, host: string | undefined): boolean => {
    if (origin === undefined) return true;
    const canonical = canonicalOrigin(origin);
    if (canonical === undefined) return false; // `null` (sandboxed frames, file:) and garbage
    if (anyOrigin || listed.has(canonical)) return true;
    return host !== undefined && sameHost(canonical, host);
  };

  return {
    anyOrigin,
    allows,
    allowOriginHeader(request) {
      const origin = request.headers.origin;
      if (origin === undefined || !allows(origin, request.headers.host)) return undefined;
      return anyOrigin ? '*' : canonicalOrigin(origin);
    },
  };
}

/** A Host header value: a name or IPv4 address, or a bracketed IPv6 address, with an optional port. */
const HOST_HEADER = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The page was served by this gateway (through whatever name the request used). Only the host
 * and port are compared, not the scheme: behind a TLS-terminating proxy the request arrives as
 * http while the page's origin is https, and no other site can serve a page from our host name.
 * The Host is read in the origin's scheme, so `example.com:443` equals `https://example.com`.
 */
function sameHost(origin: string, host: string): boolean {
  if (!HOST_HEADER.test(host)) return false;
  const url = new URL(origin);
  try {
    return new URL(`${url.protocol}//${host}`).host === url.host;
  } catch {
    return false;
  }
}
