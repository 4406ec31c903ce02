import { createFailureLog, type Logger } from '@tessera/runtime';
import { addCanvasLoads, type RedisConnection } from '@tessera/store';
import type { GatewayMetrics } from './metrics.js';
import type { TesseraServer } from './socket-server.js';

const MINUTE_MS = 60_000;

export interface CanvasLoads {
  /** Stops counting and flushes what is left. */
  stop(): Promise<void>;
}

export interface CanvasLoadsDeps {
  readonly redis: RedisConnection;
  readonly io: TesseraServer;
  readonly canvasId: string;
  readonly flushIntervalMs: number;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
}

/**
 * Canvas loads (site visits): a page's first admitted connection, which the web client marks
 * with `auth.visit: true` (its reconnections do not). Counted at the socket, not at the canvas
 * read, because a CDN may answer those. Counted in memory per minute and added to Redis in one
 * transaction per interval; a failed flush is kept for the next one.
 */
export function countCanvasLoads(deps: CanvasLoadsDeps): CanvasLoads {
  const failures = createFailureLog({ log: deps.log, message: 'canvas-load flush failed: retrying next interval' });
  let pending = new Map<number, number>();
  let flushing: Promise<void> | undefined;

  deps.io.on('connection', (socket) => {
    const auth: unknown = socket.handshake.auth;
    if (typeof auth !== 'object' || auth === null || (auth as Record<string, unknown>).visit !== true) return;
    const now = Date.now();
    const minute = now - (now % MINUTE_MS);
    pending.set(minute, (pending.get(minute) ?? 0) + 1);
    deps.metrics.canvasLoads.inc();
  });

  async function flush(): Promise<void> {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    try {
      await addCanvasLoads(deps.redis, deps.canvasId, batch);
    } catch (error) {
      // MULTI/EXEC: nothing of it landed, so it is all added back.
      for (const [minute, loads] of batch) pending.set(minute, (pending.get(minute) ?? 0) + loads);
      failures.failed('redis', error);
    }
  }

  const timer = setInterval(() => {
    flushing ??= flush().finally(() => (flushing = undefined));
  }, deps.flushIntervalMs);
  timer.unref();

  return {
    async stop() {
      clearInterval(timer);
      await flushing;
      await flush();
      failures.flush();
    },
  };
}
