import { existsSync } from 'node:fs';
import express, { type ErrorRequestHandler, type Express, type Router } from 'express';
import type { Logger } from '@tessera/runtime';

/**
 * The express app: API routers first, then the built web client (hashed assets cached for a
 * year, HTML always revalidated), then JSON 404s and an error handler that never leaks internals.
 */
export function createHttpApp(deps: { routers: readonly Router[]; webRoot: string; trustProxyHops: number; log: Logger }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxyHops);
  for (const router of deps.routers) app.use(router);
  if (deps.webRoot && existsSync(deps.webRoot)) {
    app.use(
      express.static(deps.webRoot, {
        index: 'index.html',
        setHeaders: (response, path) => {
          response.set('cache-control', /[/\\]assets[/\\]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
        },
      }),
    );
  } else if (deps.webRoot) {
    deps.log.warn({ webRoot: deps.webRoot }, 'web client not built: serving the API only');
  }
  app.use((_request, response) => {
    response.status(404).json({ error: 'NOT_FOUND' });
  });
  // Express tells an error handler by its four parameters, so `_next` stays though it is unused.
  const onError: ErrorRequestHandler = (error: unknown, _request, response, _next) => {
    const status = typeof error === 'object' && error !== null && 'status' in error ? Number(error.status) : 500;
    if (status >= 500) deps.log.error({ err: error }, 'request failed');
    response.status(status >= 400 && status < 600 ? status : 500).json({ error: status >= 500 ? 'INTERNAL' : 'INVALID_PAYLOAD' });
  };
  app.use(onError);
  return app;
}
