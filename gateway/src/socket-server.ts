import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import {
  canvasKeys,
  canvasRoom,
  ErrorCode,
  Events,
  LIMITS,
  type ClientToServerEvents,
  type InterServerEvents,
  type ServerToClientEvents,
  type SocketData,
  userRoom,
} from '@tessera/protocol';
import type { Logger } from '@tessera/runtime';
import { isUserBanned, readCooldownRemaining, type PixelPlacer } from '@tessera/store';
import type { RedisConnection } from '@tessera/store';
import { Server, type Socket } from 'socket.io';
import type { ConfigSource } from './config-source.js';
import { ConnectionCounter } from './connection-counter.js';
import { resolveIdentity, type Identity } from './identity.js';
import type { JwtVerifier } from './jwt-verifier.js';
import type { GatewayMetrics } from './metrics.js';
import { createPlaceHandler } from './place-handler.js';
import type { SessionTokens } from './session-tokens.js';
import { TokenBucket } from './token-bucket.js';

export type TesseraServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type TesseraSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface SocketServerDeps {
  readonly httpServer: HttpServer;
  readonly redis: RedisConnection;
  readonly pubClient: RedisConnection;
  readonly subClient: RedisConnection;
  readonly canvasId: string;
  readonly placer: PixelPlacer;
  readonly configs: ConfigSource;
  readonly sessions: SessionTokens;
  readonly jwt: JwtVerifier | undefined;
  readonly addressOf: (request: import('node:http').IncomingMessage) => string;
  readonly limits: {
    readonly maxSocketsPerIp: number;
    readonly placeRatePerSec: number;
    readonly placeBurst: number;
    readonly corsOrigins: readonly string[];
  };
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  readonly isDraining: () => boolean;
}

const KNOWN_EVENTS: ReadonlySet<string> = new Set([Events.Place]);

/**
 * The players' Socket.IO server: WebSocket only (no long-polling, so no sticky sessions), the
 * Redis adapter so the writer's broadcasts reach every gateway, and a hard limit on everything
 * a client can send.
 */
export function createSocketServer(deps: SocketServerDeps): TesseraServer {
  const { metrics, log } = deps;
  const io: TesseraServer = new Server(deps.httpServer, {
    transports: ['websocket'],
    serveClient: false,
    maxHttpBufferSize: LIMITS.maxSocketMessageBytes,
    perMessageDeflate: false,
    connectTimeout: 10_000,
    pingInterval: 25_000,
    pingTimeout: 20_000,
    cors: deps.limits.corsOrigins.length > 0 ? { origin: [...deps.limits.corsOrigins] } : undefined,
    adapter: createAdapter(deps.pubClient, deps.subClient, { key: canvasKeys(deps.canvasId).socketIo }),
    allowRequest: (_request, callback) => {
      // Refused here, before the upgrade, a draining gateway costs nothing more per attempt.
      if (deps.isDraining()) {
        metrics.connectionsRejected.inc({ reason: ErrorCode.Draining });
        return callback(ErrorCode.Draining, false);
      }
      callback(null, true);
    },
  });

  const connections = new ConnectionCounter(deps.limits.maxSocketsPerIp);
  const room = canvasRoom(deps.canvasId);
  const handlePlace = createPlaceHandler({
    placer: deps.placer,
    metrics,
    log,
    floodThreshold: deps.limits.placeBurst * 2,
  });

  // A banned user may not connect (the placement script refuses their pixels too).
  const refuseBanned = async (identity: Identity): Promise<Identity> =>
    identity.ok && (await isUserBanned(deps.redis, deps.canvasId, identity.userId)) ? { ok: false, error: ErrorCode.Banned } : identity;

  io.use((socket, next) => {
    const ip = deps.addressOf(socket.request);
    resolveIdentity(socket.handshake.auth, deps.sessions, deps.jwt).then(refuseBanned).then(
      (identity) => {
        if (!identity.ok) {
          metrics.connectionsRejected.inc({ reason: identity.error });
          return next(new Error(identity.error));
        }
        if (!connections.tryAcquire(ip)) {
          metrics.connectionsRejected.inc({ reason: ErrorCode.TooManyConnections });
          return next(new Error(ErrorCode.TooManyConnections));
        }
        socket.data = { userId: identity.userId, ip, guest: identity.guest };
        socket.once('disconnect', () => connections.release(ip));
        if (identity.newSessionToken) (socket as unknown as { newSessionToken?: string }).newSessionToken = identity.newSessionToken;
        next();
      },
      (error: unknown) => {
        log.warn({ err: error }, 'identity check failed');
        next(new Error(ErrorCode.Internal));
      },
    );
  });

  io.on('connection', (socket: TesseraSocket) => {
    metrics.connections.inc();
    socket.once('disconnect', () => metrics.connections.dec());
    // Joined before welcome is sent: the client fetches the canvas after welcome, so every delta
    // broadcast after that read reaches it. The user's room lets a ban reach all their sockets.
    socket.join([room, userRoom(socket.data.userId)]);

    let packetBytes = 0;
    socket.conn.on('packet', (packet: { type: string; data?: unknown }) => {
      if (packet.type === 'message') packetBytes = byteLength(packet.data);
    });
    const bucket = new TokenBucket(deps.limits.placeRatePerSec, deps.limits.placeBurst);
    const context = {
      userId: socket.data.userId,
      ip: socket.data.ip,
      guest: socket.data.guest,
      bucket,
      packetBytes: () => packetBytes,
      onFlood: () => {
        metrics.malformedPackets.inc({ reason: 'flood' });
        log.info({ userId: socket.data.userId, ip: socket.data.ip }, 'disconnecting a flooding socket');
        socket.emit(Events.Kicked, ErrorCode.RateLimited);
        socket.disconnect(true);
      },
    };

    // Unknown events and events without an acknowledgement are counted and dropped.
    socket.use(([event, ...args], next) => {
      if (!KNOWN_EVENTS.has(String(event))) return void metrics.malformedPackets.inc({ reason: 'unknown-event' });
      if (typeof args[args.length - 1] !== 'function') return void metrics.malformedPackets.inc({ reason: 'no-ack' });
      next();
    });
    socket.on(Events.Place, (...args: unknown[]) => {
      const ack = args[args.length - 1] as Parameters<Parameters<TesseraSocket['on']>[1]>[1];
      // Exactly one argument before the ack; anything else is malformed but still answered.
      const payload = args.length === 2 ? args[0] : undefined;
      void handlePlace(context, payload, ack as never);
    });
    socket.on('error', (error) => log.debug({ err: error.message }, 'socket error'));

    void sendWelcome(socket).catch((error: unknown) => {
      log.warn({ err: error instanceof Error ? error.message : String(error) }, 'welcome failed');
      socket.emit(Events.Kicked, ErrorCode.CanvasUnavailable);
      socket.disconnect(true);
    });
  });

  async function sendWelcome(socket: TesseraSocket): Promise<void> {
    const { userId, ip, guest } = socket.data;
    const config = await deps.configs.current();
    if (!config) throw new Error('canvas config is missing');
    // Judged by the cooldown of the config sent with it, so the client can recompute the end
    // when a config push changes the cooldown.
    const remaining = await readCooldownRemaining(deps.redis, deps.canvasId, { userId, ip, applyIpCooldown: guest }, config.cooldownMs);
    const now = Date.now();
    const sessionToken = (socket as unknown as { newSessionToken?: string }).newSessionToken;
    socket.emit(Events.Welcome, {
      userId,
      ...(sessionToken ? { sessionToken } : {}),
      config,
      cooldownUntil: remaining > 0 ? now + remaining : 0,
      serverTime: now,
    });
  }

  return io;
}

function byteLength(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}
