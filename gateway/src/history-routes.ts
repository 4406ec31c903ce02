import { CANVAS_CONTENT_TYPE, HISTORY_EVENTS_CONTENT_TYPE, historyViewerOpen } from '@tessera/protocol';
import type { Logger } from '@tessera/runtime';
import { SnapshotFormatError } from '@tessera/snapshotter/archive';
import { Counter, type Registry } from 'prom-client';
import { Router, type Request, type Response } from 'express';
import { chooseEncoding, CompressedBody } from './compressed-body.js';
import type { ConfigSource } from './config-source.js';
import type { HistoryArchive, ServedObject } from './history-archive.js';

/** Archived objects never change: a CDN and the browser keep them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Longest name accepted before any pattern is tried (both kinds are 38 or 49 characters). */
const MAX_NAME_LENGTH = 64;

export const HISTORY_BASE = '/api/canvas/history';

export type HistoryRequestKind = 'index' | 'keyframe' | 'segment';

export interface HistoryMetrics {
  readonly requests: Counter<'kind' | 'outcome'>;
  readonly bytesSent: Counter<'kind'>;
}

export function createHistoryMetrics(registry: Registry): HistoryMetrics {
  return {
    requests: new Counter({
      name: 'tessera_history_requests_total',
      help: 'History viewer requests, by kind (index, keyframe, segment) and outcome (ok, not_modified, closed, not_found, invalid, unreadable, unavailable).',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
    bytesSent: new Counter({
      name: 'tessera_history_bytes_sent_total',
      help: 'History viewer bytes sent, by kind.',
      labelNames: ['kind'],
      registers: [registry],
    }),
  };
}

/**
 * The players' history viewer over HTTP: `GET /api/canvas/history` (the index, briefly cacheable),
 * `…/keyframes/<name>` and `…/segments/<name>` (immutable). Every request first checks the
 * canvas's switch (CanvasConfig.historyViewer): closed answers 403 HISTORY_CLOSED.
 */
export function createHistoryRoutes(deps: {
  archive: HistoryArchive;
  configs: ConfigSource;
  indexCacheMs: number;
  metrics: HistoryMetrics;
  log: Logger;
}): Router {
  const router = Router();
  const { metrics } = deps;

  /** Runs `work` when the viewer is open; answers the refusal itself otherwise. */
  async function whenOpen(kind: HistoryRequestKind, response: Response, work: () => Promise<void>): Promise<void> {
    let open: boolean;
    try {
      const config = await deps.configs.current();
      if (!config) {
        refuse(kind, response, 503, 'CANVAS_UNAVAILABLE', 'unavailable');
        return;
      }
      open = historyViewerOpen(config);
    } catch {
      refuse(kind, response, 503, 'CANVAS_UNAVAILABLE', 'unavailable');
      return;
    }
    if (!open) {
      refuse(kind, response, 403, 'HISTORY_CLOSED', 'closed');
      return;
    }
    try {
      await work();
    } catch (error) {
      if (error instanceof SnapshotFormatError) {
        deps.log.warn({ err: error.message, kind }, 'archived history object is unreadable');
        refuse(kind, response, 502, 'HISTORY_UNREADABLE', 'unreadable');
        return;
      }
      deps.log.warn({ err: error instanceof Error ? error.message : String(error), kind }, 'history archive read failed');
      refuse(kind, response, 503, 'HISTORY_UNAVAILABLE', 'unavailable');
    }
  }

  function refuse(kind: HistoryRequestKind, response: Response, status: number, error: string, outcome: string): void {
    metrics.requests.inc({ kind, outcome });
    response.status(status).set('cache-control', 'no-store').json({ error });
  }

  // The index of a long event is megabytes of JSON: compressed once per listing, like the objects.
  let indexBody: ServedObject | undefined;
  router.get(HISTORY_BASE, (request, response) =>
    whenOpen('index', response, async () => {
      if (Object.keys(request.query).length > 0) {
        refuse('index', response, 400, 'INVALID_PAYLOAD', 'invalid');
        return;
      }
      const { index, etag } = await deps.archive.index();
      if (indexBody?.etag !== etag) indexBody = { body: new CompressedBody(Buffer.from(JSON.stringify(index))), etag, headers: {} };
      const maxAge = Math.floor(deps.indexCacheMs / 1000);
      await sendObject('index', request, response, indexBody, 'application/json', `public, max-age=${maxAge}, stale-while-revalidate=${Math.max(1, maxAge)}`);
    }),
  );

  for (const [kind, path, contentType] of [
    ['keyframe', 'keyframes', CANVAS_CONTENT_TYPE],
    ['segment', 'segments', HISTORY_EVENTS_CONTENT_TYPE],
  ] as const) {
    router.get(`${HISTORY_BASE}/${path}/:name`, (request, response) =>
      whenOpen(kind, response, async () => {
        const name = request.params.name;
        if (name.length > MAX_NAME_LENGTH || Object.keys(request.query).length > 0) {
          refuse(kind, response, 400, 'INVALID_PAYLOAD', 'invalid');
          return;
        }
        const object = kind === 'keyframe' ? await deps.archive.keyframe(name) : await deps.archive.segment(name);
        if (!object) {
          refuse(kind, response, 404, 'NOT_FOUND', 'not_found');
          return;
        }
        await sendObject(kind, request, response, object, contentType, IMMUTABLE);
      }),
    );
  }
  // Anything else under the base (a deeper path, an encoded slash) is not an archived object.
  router.use(HISTORY_BASE, (_request, response) => refuse('index', response, 404, 'NOT_FOUND', 'not_found'));

  async function sendObject(
    kind: HistoryRequestKind,
    request: Request,
    response: Response,
    object: ServedObject,
    contentType: string,
    cacheControl: string,
  ): Promise<void> {
    const encoding = chooseEncoding(request.get('accept-encoding'));
    const etag = `${object.etag.slice(0, -1)}-${encoding}"`;
    response.set({ 'cache-control': cacheControl, etag, ...object.headers });
    response.vary('Accept-Encoding');
    if (request.get('if-none-match') === etag) {
      metrics.requests.inc({ kind, outcome: 'not_modified' });
      return void response.status(304).end();
    }
    const body = await object.body.get(encoding);
    if (encoding !== 'identity') response.set('content-encoding', encoding);
    metrics.requests.inc({ kind, outcome: 'ok' });
    metrics.bytesSent.inc({ kind }, body.length);
    response.type(contentType).send(body);
  }

  return router;
}
