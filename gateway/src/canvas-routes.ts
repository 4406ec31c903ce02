import { CANVAS_CONTENT_TYPE, formatPosition, parsePosition, type StreamPosition } from '@tessera/protocol';
import { Router, type Request, type Response } from 'express';
import type { Logger } from '@tessera/runtime';
import type { CanvasCache, CachedCanvas } from './canvas-cache.js';
import { canvasCors } from './canvas-cors.js';
import { chooseEncoding } from './compressed-body.js';
import type { ConfigSource } from './config-source.js';
import type { GatewayMetrics } from './metrics.js';
import type { OriginPolicy } from './origin-policy.js';

/** A CDN may keep a canvas read this long; clients detect an outdated read and ask again. */
const CACHE_CONTROL = 'public, max-age=1, stale-while-revalidate=2';
const CHUNK_COORDINATE = /^\d{1,3}$/;

/**
 * The canvas over HTTP: its config, all chunks, or one chunk; compressed, with the stream
 * position the data reflects and an ETag, so browsers and CDNs can cache it.
 */
export function createCanvasRoutes(deps: {
  canvasId: string;
  cache: CanvasCache;
  configs: ConfigSource;
  /** Origins whose scripts may read these endpoints (CORS). */
  origins: OriginPolicy;
  metrics: GatewayMetrics;
  log: Logger;
}): Router {
  const router = Router();
  router.use('/api/canvas', canvasCors(deps.origins));

  router.get('/api/canvas', async (_request, response) => {
    try {
      const config = await deps.configs.current();
      if (!config) return void sendError(response, 503, 'CANVAS_UNAVAILABLE');
      response.set('cache-control', 'no-cache').json({ canvasId: deps.canvasId, config });
    } catch (error) {
      deps.log.warn({ err: error }, 'config read failed');
      sendError(response, 503, 'CANVAS_UNAVAILABLE');
    }
  });

  router.get('/api/canvas/data', async (request, response) => {
    const after = atLeastOf(request);
    if (after === null) return void sendError(response, 400, 'INVALID_PAYLOAD');
    try {
      const { canvas, hit } = await deps.cache.full(after);
      deps.metrics.canvasReads.inc({ source: hit ? 'cache' : 'redis' });
      await sendCanvas(request, response, canvas, deps.metrics);
    } catch (error) {
      deps.log.warn({ err: error }, 'canvas read failed');
      sendError(response, 503, 'CANVAS_UNAVAILABLE');
    }
  });

  router.get('/api/canvas/data/:cx/:cy', async (request, response) => {
    const { cx, cy } = request.params;
    const after = atLeastOf(request);
    if (!CHUNK_COORDINATE.test(cx) || !CHUNK_COORDINATE.test(cy) || after === null) return void sendError(response, 400, 'INVALID_PAYLOAD');
    try {
      const { canvas, hit } = await deps.cache.chunk(Number(cx), Number(cy), after);
      deps.metrics.canvasReads.inc({ source: hit ? 'cache' : 'redis' });
      await sendCanvas(request, response, canvas, deps.metrics);
    } catch (error) {
      deps.log.warn({ err: error }, 'chunk read failed');
      sendError(response, 503, 'CANVAS_UNAVAILABLE');
    }
  });

  return router;
}

/**
 * `?after=ms-seq`: the client was promised that position (invariant 6), so an older cached read is
 * read again. Such a URL stays cacheable by a CDN: any answer to it is at least that new.
 * Undefined when absent, null when malformed.
 */
function atLeastOf(request: Request): StreamPosition | undefined | null {
  const value = request.query.after;
  if (value === undefined) return undefined;
  return (typeof value === 'string' ? parsePosition(value) : undefined) ?? null;
}

async function sendCanvas(request: Request, response: Response, canvas: CachedCanvas | undefined, metrics: GatewayMetrics): Promise<void> {
  if (!canvas) {
    sendError(response, 503, 'CANVAS_UNAVAILABLE');
    return;
  }
  const encoding = chooseEncoding(request.get('accept-encoding'));
  // One ETag per representation: a br body and a gzip body are different bytes.
  const etag = `${canvas.etag.slice(0, -1)}-${encoding}"`;
  response.set({
    'cache-control': CACHE_CONTROL,
    etag,
    'x-tessera-position': formatPosition(canvas.frame.position),
    'x-tessera-config-version': String(canvas.frame.configVersion),
  });
  response.vary('Accept-Encoding'); // appended: the CORS middleware may have set Vary: Origin
  if (request.get('if-none-match') === etag) {
    response.status(304).end();
    return;
  }
  const body = await canvas.body.get(encoding);
  if (encoding !== 'identity') response.set('content-encoding', encoding);
  metrics.canvasBytesSent.inc({ encoding }, body.length);
  response.type(CANVAS_CONTENT_TYPE).send(body);
}

function sendError(response: Response, status: number, error: string): void {
  response.status(status).set('cache-control', 'no-store').json({ error });
}
