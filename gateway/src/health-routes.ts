import { Router } from 'express';
import type { Registry } from 'prom-client';

/**
 * `/healthz` (the process answers), `/readyz` (it can serve players) and, unless metrics have a
 * port of their own, `/metrics`.
 */
export function createHealthRoutes(deps: { registry: Registry; readiness: () => Promise<string | undefined>; serveMetrics: boolean }): Router {
  const router = Router();
  router.get('/healthz', (_request, response) => {
    response.set('cache-control', 'no-store').type('text/plain').send('ok\n');
  });
  router.get('/readyz', async (_request, response) => {
    const reason = await deps.readiness().catch((error: unknown) => String(error));
    response.set('cache-control', 'no-store').type('text/plain');
    if (reason) response.status(503).send(`not ready: ${reason}\n`);
    else response.send('ready\n');
  });
  if (deps.serveMetrics) {
    router.get('/metrics', async (_request, response) => {
      response
        .set('cache-control', 'no-store')
        .type(deps.registry.contentType)
        .send(await deps.registry.metrics());
    });
  }
  return router;
}
