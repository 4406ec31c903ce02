import { createHash } from 'node:crypto';
import { OwnerLookup, type PublicPixelInfo } from '@tessera/protocol';
import type { Logger } from '@tessera/runtime';
import { readPixelOwner, type RedisConnection } from '@tessera/store';
import { Router, type Request, type Response } from 'express';
import { Counter, type Registry } from 'prom-client';
import { AdminRateLimiter } from './admin/admin-rate-limit.js';
import type { ConfigSource } from './config-source.js';
import type { OwnerNames } from './owner-names.js';
import { PIXEL_LOOKUP_OPENAPI } from './pixel-lookup-openapi.js';

/** Short: a pixel changes owner at any placement, and a CDN absorbs a crowd clicking one pixel. */
const CACHE_CONTROL = 'public, max-age=2';
const COORDINATE = /^\d{1,5}$/;

/**
 * `GET /api/canvas/pixels/{x}/{y}`: who placed a pixel and when, as the canvas's ownerLookup
 * setting allows (display names, pseudonyms only, or 403 LOOKUP_DISABLED). Rate limited per
 * client address on each gateway (429 with Retry-After), cacheable with an ETag.
 */
export function createPixelLookupRoutes(deps: {
  redis: RedisConnection;
  canvasId: string;
  configs: ConfigSource;
  names: OwnerNames;
  /** The canonical address a request comes from (client-address.ts). */
  addressOf: (request: Request) => string;
  perMinute: number;
  registry: Registry;
  log: Logger;
}): Router {
  const router = Router();
  const limiter = new AdminRateLimiter(deps.perMinute);
  const lookups = new Counter({
    name: 'tessera_gateway_pixel_lookups_total',
    help: 'Public pixel-owner lookups, by answer (ok, not-modified, invalid, out-of-bounds, disabled, rate-limited, unavailable).',
    labelNames: ['outcome'],
    registers: [deps.registry],
  });
  const count = (outcome: string): void => lookups.inc({ outcome });

  router.get('/api/canvas/openapi.json', (_request, response) => {
    response.set('cache-control', 'public, max-age=300').json(PIXEL_LOOKUP_OPENAPI);
  });

  router.get('/api/canvas/pixels/:x/:y', async (request: Request, response: Response) => {
    const limited = limiter.take(deps.addressOf(request));
    if (!limited.ok) {
      response.set('retry-after', String(limited.retryAfterSeconds));
      count('rate-limited');
      return void sendError(response, 429, 'RATE_LIMITED', `retry in ${limited.retryAfterSeconds} s`);
    }
    const { x: xText, y: yText } = request.params as { x?: string; y?: string };
    if (!COORDINATE.test(xText ?? '') || !COORDINATE.test(yText ?? '')) {
      count('invalid');
      return void sendError(response, 400, 'INVALID_PAYLOAD', 'x and y must be non-negative integers');
    }
    const x = Number(xText);
    const y = Number(yText);
    try {
      const config = await deps.configs.current();
      if (!config) {
        count('unavailable');
        return void sendError(response, 503, 'CANVAS_UNAVAILABLE');
      }
      const mode = config.ownerLookup ?? OwnerLookup.Names;
      if (mode === OwnerLookup.Off) {
        count('disabled');
        return void sendError(response, 403, 'LOOKUP_DISABLED', 'this canvas does not show who placed pixels');
      }
      if (x >= config.width || y >= config.height) {
        count('out-of-bounds');
        return void sendError(response, 400, 'OUT_OF_BOUNDS', `the canvas is ${config.width}×${config.height}`);
      }
      const record = await readPixelOwner(deps.redis, deps.canvasId, x, y);
      const body: PublicPixelInfo = { x, y, color: record.color, placedAt: record.placedAt ?? null, owner: await deps.names.forPlayers(record, mode) };
      const text = JSON.stringify(body);
      const etag = `"${createHash('sha1').update(text).digest('base64url').slice(0, 22)}"`;
      response.set({ 'cache-control': CACHE_CONTROL, etag });
      if (request.get('if-none-match') === etag) {
        count('not-modified');
        return void response.status(304).end();
      }
      count('ok');
      response.type('application/json').send(text);
    } catch (error) {
      deps.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'pixel lookup failed');
      count('unavailable');
      sendError(response, 503, 'CANVAS_UNAVAILABLE');
    }
  });
  return router;
}

function sendError(response: Response, status: number, error: string, message?: string): void {
  response
    .set('cache-control', 'no-store')
    .status(status)
    .json(message === undefined ? { error } : { error, message });
}
