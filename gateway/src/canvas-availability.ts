import { Events } from '@tessera/protocol';
import type { Logger } from '@tessera/runtime';
import type { RedisConnection } from '@tessera/store';
import type { TesseraServer } from './socket-server.js';

export const CANVAS_AVAILABILITY_DEFAULTS = {
  /**
   * How long Redis may be gone before players are told: a reconnect after a killed connection
   * takes ~100 ms and should not flash a banner. Placements are refused from the first moment.
   */
  announceAfterMs: 500,
} as const;

export interface CanvasAvailability {
  /** Whether this gateway's Redis connection is up now. */
  readonly available: boolean;
  stop(): void;
}

/**
 * Tells this gateway's players when the canvas becomes unavailable (its Redis connection is down)
 * and when it is back, with a `canvas-status` event to the room. Sent to local sockets only: each
 * gateway judges its own connection, and a broadcast through the adapter needs the Redis that is
 * gone.
 */
export function watchCanvasAvailability(deps: {
  readonly redis: RedisConnection;
  readonly io: TesseraServer;
  readonly room: string;
  readonly log: Logger;
  readonly announceAfterMs?: number;
}): CanvasAvailability {
  const { redis, io, room, log } = deps;
  const announceAfterMs = deps.announceAfterMs ?? CANVAS_AVAILABILITY_DEFAULTS.announceAfterMs;
  let announcedDown = false;
  let timer: NodeJS.Timeout | undefined;

  const onDown = (): void => {
    if (announcedDown || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (redis.status === 'ready') return;
      announcedDown = true;
      log.warn({ sockets: io.of('/').sockets.size }, 'canvas unavailable: telling players');
      io.local.to(room).emit(Events.CanvasStatus, { available: false });
    }, announceAfterMs);
    timer.unref();
  };
  const onReady = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (!announcedDown) return;
    announcedDown = false;
    log.info('canvas available again: telling players');
    io.local.to(room).emit(Events.CanvasStatus, { available: true });
  };
  redis.on('close', onDown);
  redis.on('ready', onReady);
  return {
    get available() {
      return redis.status === 'ready';
    },
    stop() {
      clearTimeout(timer);
      redis.off('close', onDown);
      redis.off('ready', onReady);
    },
  };
}
