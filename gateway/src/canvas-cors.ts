import type { RequestHandler } from 'express';
import type { OriginPolicy } from './origin-policy.js';

/** Response headers a script on another origin needs to read to apply a canvas read. */
const EXPOSED_HEADERS = 'ETag, X-Tessera-Position, X-Tessera-Config-Version, X-Tessera-Palette';

/**
 * CORS for the canvas GET endpoints, so a client hosted on an allowed origin can read the canvas
 * (and the position it was read at). Reads stay public and cacheable: `Vary: Origin` keeps a CDN
 * from serving one origin's allowance to another, unless every origin is allowed (`*`).
 * A preflight (a client sending If-None-Match itself) is answered here too.
 */
export function canvasCors(origins: OriginPolicy): RequestHandler {
  return (request, response, next) => {
    if (!origins.anyOrigin) response.vary('Origin');
    const allowed = origins.allowOriginHeader(request);
    if (allowed !== undefined) {
      response.set({ 'access-control-allow-origin': allowed, 'access-control-expose-headers': EXPOSED_HEADERS });
    }
    if (request.method !== 'OPTIONS') {
      next();
      return;
    }
    if (allowed !== undefined) {
      response.set({ 'access-control-allow-methods': 'GET, HEAD', 'access-control-allow-headers': 'If-None-Match', 'access-control-max-age': '600' });
    }
    response.status(204).end();
  };
}
