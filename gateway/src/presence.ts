import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Events } from '@tessera/protocol';
import { createFailureLog, type Logger } from '@tessera/runtime';
import { reportPresence, withdrawPresence, type RedisConnection } from '@tessera/store';
import type { GatewayMetrics } from './metrics.js';
import type { TesseraServer } from './socket-server.js';

/** A report lapses after this many intervals without a new one: a dead gateway drops out. */
const LAPSE_INTERVALS = 3;

export interface Presence {
  /** Players online across every gateway at the last report (undefined before the first). */
  readonly online: number | undefined;
  /** Stops reporting and withdraws this gateway's report, so the others stop counting it at once. */
  stop(): Promise<void>;
}

export interface PresenceDeps {
  readonly redis: RedisConnection;
  readonly io: TesseraServer;
  readonly canvasId: string;
  readonly intervalMs: number;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
}

/**
 * Players online across every gateway, cheaply: no Redis write per socket. Every interval each
 * gateway reports how many sockets it holds (one script call) and gets the sum back; its own
 * players hear the sum when it changes, and each new socket hears it on connection.
 */
export function startPresence(deps: PresenceDeps): Presence {
  const { io, metrics } = deps;
  const gatewayId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const failures = createFailureLog({ log: deps.log, message: 'presence report failed: retrying next interval' });
  let online: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let reporting: Promise<void> | undefined;
  let stopped = false;

  io.on('connection', (socket) => {
    if (online !== undefined) socket.emit(Events.Presence, { online });
  });

  async function report(): Promise<void> {
    // Players only: an admin page watching the canvas is a socket too, but not a player.
    let players = 0;
    for (const socket of io.of('/').sockets.values()) if (socket.data.spectator !== true) players++;
    try {
      const sum = await reportPresence(deps.redis, deps.canvasId, gatewayId, players, deps.intervalMs * LAPSE_INTERVALS);
      if (stopped) return;
      metrics.playersOnline.set(sum);
      if (sum !== online) {
        online = sum;
        io.local.emit(Events.Presence, { online: sum });
      }
    } catch (error) {
      failures.failed('redis', error);
    }
  }

  function schedule(delayMs: number): void {
    timer = setTimeout(() => {
      reporting = report().finally(() => {
        reporting = undefined;
        if (!stopped) schedule(deps.intervalMs);
      });
    }, delayMs);
    timer.unref();
  }
  schedule(0);

  return {
    get online() {
      return online;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await reporting;
      failures.flush();
      await withdrawPresence(deps.redis, deps.canvasId, gatewayId).catch(() => undefined); // it lapses by itself anyway
    },
  };
}
