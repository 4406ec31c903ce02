import type { Logger } from '@tessera/runtime';
import { Router, type Response } from 'express';
import { canvasCors } from './canvas-cors.js';
import type { OriginPolicy } from './origin-policy.js';
import type { PlayerContentCache } from './player-content-cache.js';

/** Players read these on load; a few seconds of CDN caching keeps a crowd off Redis. */
const CACHE_CONTROL = 'public, max-age=5';

/** What admins write for players: the official templates and the rules text. */
export function createPlayerContentRoutes(deps: { content: PlayerContentCache; origins: OriginPolicy; log: Logger }): Router {
  const router = Router();
  router.use('/api/canvas', canvasCors(deps.origins));

  router.get('/api/canvas/templates', async (_request, response) => {
    await answer(response, async () => ({ templates: await deps.content.templates() }), deps.log);
  });
  router.get('/api/canvas/rules', async (_request, response) => {
    await answer(response, () => deps.content.rules(), deps.log);
  });
  return router;
}

async function answer(response: Response, read: () => Promise<unknown>, log: Logger): Promise<void> {
  try {
    response.set('cache-control', CACHE_CONTROL).json(await read());
  } catch (error) {
    log.warn({ err: error }, 'player content read failed');
    response.status(503).set('cache-control', 'no-store').json({ error: 'CANVAS_UNAVAILABLE' });
  }
}
