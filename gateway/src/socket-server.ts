import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import {
  canvasKeys,
  addressRoom,
  canvasRoom,
  ErrorCode,
  Events,
  formatPosition,
  LIMITS,
  type ClientToServerEvents,
  type InterServerEvents,
  type ServerToClientEvents,
  type SocketData,
  userRoom,
} from '@tessera/protocol';
import { createFailureLog, type Logger } from '@tessera/runtime';
import { admitGuestSession, isAddressBanned, isUserBanned, readCooldownRemaining, readStreamPromise, type PixelPlacer } from '@tessera/store';
import type { RedisConnection } from '@tessera/store';
import { Server, type Socket } from 'socket.io';
import type { AddressKeying } from './address-prefix.js';
import type { ConfigSource } from './config-source.js';
import { ConnectionCounter, limitConnectionsPerAddress } from './connection-counter.js';
import { resolveIdentity, type Identity } from './identity.js';
import type { JwtVerifier } from './jwt-verifier.js';
import type { GatewayMetrics } from './metrics.js';
import type { OriginPolicy } from './origin-policy.js';
import { createPacketSizeParser } from './packet-size-parser.js';
import { withDirectFanout } from './direct-fanout.js';
import { releaseHandshake } from './connection-footprint.js';
import { createPlaceHandler } from './place-handler.js';
import type { SessionTokens } from './session-tokens.js';
import { AddressBuckets, TokenBucket } from './token-bucket.js';

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
  /** The ban prefixes covering an address key (what handshakes and placements check). */
  readonly addressKeying: AddressKeying;
  readonly limits: {
    readonly maxSocketsPerIp: number;
    readonly placeRatePerSec: number;
    readonly placeBurst: number;
    readonly placeRatePerAddressPerSec: number;
    readonly placeBurstPerAddress: number;
    readonly guestSessionsPerAddress: number;
    readonly guestSessionWindowMs: number;
    readonly corsOrigins: readonly string[];
  };
  /** Browser origins allowed to open a socket (the gateway's own and CORS_ORIGINS). */
  readonly origins: OriginPolicy;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  readonly isDraining: () => boolean;
}

const KNOWN_EVENTS: ReadonlySet<string> = new Set([Events.Place]);
const FANOUT_EVENTS: ReadonlySet<string> = new Set([Events.Delta, Events.Sync]);

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
    // The largest frame engine.io takes is a CONNECT (it carries the identity token); every other
    // packet, and every event, is held to its own limit where it is decoded.
    maxHttpBufferSize: LIMITS.maxConnectPacketBytes,
    parser: createPacketSizeParser({
      maxEventBytes: LIMITS.maxPlacePacketBytes,
      maxPacketBytes: LIMITS.maxSocketMessageBytes,
      maxConnectBytes: LIMITS.maxConnectPacketBytes,
    }),
    perMessageDeflate: false,
    connectTimeout: 10_000,
    pingInterval: 25_000,
    pingTimeout: 20_000,
    cors: deps.limits.corsOrigins.length > 0 ? { origin: [...deps.limits.corsOrigins] } : undefined,
    // Deltas and syncs reach every socket as one TCP write of frames built once (direct-fanout.ts).
    adapter: withDirectFanout(createAdapter(deps.pubClient, deps.subClient, { key: canvasKeys(deps.canvasId).socketIo }), {
      events: FANOUT_EVENTS,
      writes: metrics.fanoutWrites,
    }),
    allowRequest: (request, callback) => {
      // Refused here, before the upgrade, a draining gateway costs nothing more per attempt.
      if (deps.isDraining()) {
        metrics.connectionsRejected.inc({ reason: ErrorCode.Draining });
        return callback(ErrorCode.Draining, false);
      }
      // CORS does not cover WebSockets: without this any site's page could open sockets from its
      // visitors' browsers and place from their addresses. engine.io answers 400 with the code.
      if (!deps.origins.allows(request.headers.origin, request.headers.host)) {
        metrics.connectionsRejected.inc({ reason: ErrorCode.OriginNotAllowed });
        return callback(ErrorCode.OriginNotAllowed, false);
      }
      callback(null, true);
    },
  });

  limitConnectionsPerAddress(io.engine, {
    counter: new ConnectionCounter(deps.limits.maxSocketsPerIp),
    addressOf: deps.addressOf,
    onRefused: () => metrics.connectionsRejected.inc({ reason: ErrorCode.TooManyConnections }),
  });
  const room = canvasRoom(deps.canvasId);
  const handlePlace = createPlaceHandler({
    placer: deps.placer,
    metrics,
    log,
    floodThreshold: deps.limits.placeBurst * 2,
    addressBuckets: new AddressBuckets(deps.limits.placeRatePerAddressPerSec, deps.limits.placeBurstPerAddress),
    configVersion: async () => (await deps.configs.current())?.version,
  });
  // A config change on another gateway voids this one's cached config at once (see place-handler's
  // local cooldown answers): a lowered cooldown frees waiting players here too.
  io.on('configChanged', () => deps.configs.invalidate());

  // A banned user or address may not connect (the placement script refuses their pixels too). A
  // new guest session counts against its address's allowance in Redis: a guest who clears storage
  // is a new user, so without it one address could mint identities without end.
  const admit = async (identity: Identity, ip: string, prefixes: readonly string[]): Promise<Identity> => {
    if (!identity.ok) return identity;
    const limit = { perWindow: deps.limits.guestSessionsPerAddress, windowMs: deps.limits.guestSessionWindowMs };
    // One round trip, not two (time to open sockets): a new guest's id is fresh, so only an
    // address ban can refuse it, and a session counted for a banned address changes nothing.
    const [userBanned, addressBanned, admitted] = await Promise.all([
      isUserBanned(deps.redis, deps.canvasId, identity.userId),
      isAddressBanned(deps.redis, deps.canvasId, prefixes),
      identity.newSessionToken === undefined ? undefined : admitGuestSession(deps.redis, deps.canvasId, ip, limit),
    ]);
    if (userBanned || addressBanned) return { ok: false, error: ErrorCode.Banned };
    if (admitted === undefined) return identity;
    return admitted.ok ? identity : { ok: false, error: ErrorCode.RateLimited };
  };

  const handshakeFailures = createFailureLog({ log, message: 'handshakes failed' });
  io.use((socket, next) => {
    const ip = deps.addressOf(socket.request);
    const addressPrefixes = deps.addressKeying.coveringPrefixes(ip);
    resolveIdentity(socket.handshake.auth, deps.sessions, deps.jwt).then((identity) => admit(identity, ip, addressPrefixes)).then(
      (identity) => {
        if (!identity.ok) {
          metrics.connectionsRejected.inc({ reason: identity.error });
          return next(new Error(identity.error));
        }
        socket.data = { userId: identity.userId, ip, guest: identity.guest, addressPrefixes };
        if (identity.newSessionToken) (socket as unknown as { newSessionToken?: string }).newSessionToken = identity.newSessionToken;
        next();
      },
      (error: unknown) => {
        // Only Redis can fail here (ban checks, the guest-session count): the canvas is unavailable,
        // and a reconnecting crowd during an outage is logged as one line with a count.
        handshakeFailures.failed('redis', error);
        metrics.connectionsRejected.inc({ reason: ErrorCode.CanvasUnavailable });
        next(new Error(ErrorCode.CanvasUnavailable));
      },
    );
  });

  // One function for every socket, not a closure per socket (memory per idle connection).
  const countDisconnect = (): void => metrics.connections.dec();
  const logSocketError = (error: Error): void => log.debug({ err: error.message }, 'socket error');
  // Unknown events and events without an acknowledgement are counted and dropped.
  const onlyKnownEvents = ([event, ...args]: unknown[], next: (error?: Error) => void): void => {
    if (!KNOWN_EVENTS.has(String(event))) return void metrics.malformedPackets.inc({ reason: 'unknown-event' });
    if (typeof args[args.length - 1] !== 'function') return void metrics.malformedPackets.inc({ reason: 'no-ack' });
    next();
  };

  io.on('connection', (socket: TesseraSocket) => {
    metrics.connections.inc();
    socket.once('disconnect', countDisconnect);
    // Joined before welcome is sent: the client fetches the canvas after welcome, so every delta
    // broadcast after that read reaches it. The user's room lets a ban reach all their sockets.
    socket.join([room, userRoom(socket.data.userId)]);
    // One room per covering ban prefix, so an address ban reaches these sockets on every gateway.
    socket.join(socket.data.addressPrefixes.map(addressRoom));

    const bucket = new TokenBucket(deps.limits.placeRatePerSec, deps.limits.placeBurst);
    const context = {
      userId: socket.data.userId,
      ip: socket.data.ip,
      guest: socket.data.guest,
      addressPrefixes: socket.data.addressPrefixes,
      bucket,
      cooldown: { retryAt: 0, version: 0 },
      onFlood: () => {
        metrics.malformedPackets.inc({ reason: 'flood' });
        log.info({ userId: socket.data.userId, ip: socket.data.ip }, 'disconnecting a flooding socket');
        socket.emit(Events.Kicked, ErrorCode.RateLimited);
        socket.disconnect(true);
      },
    };

    socket.use(onlyKnownEvents as Parameters<TesseraSocket['use']>[0]);
    socket.on(Events.Place, (...args: unknown[]) => {
      const ack = args[args.length - 1] as Parameters<Parameters<TesseraSocket['on']>[1]>[1];
      // Exactly one argument before the ack; anything else is malformed but still answered.
      const payload = args.length === 2 ? args[0] : undefined;
      void handlePlace(context, payload, ack as never);
    });
    socket.on('error', logSocketError);
    // Identity and address are in socket.data now; the request and its handshake copy can go.
    releaseHandshake(socket);

    void sendWelcome(socket).catch((error: unknown) => {
      log.warn({ err: error instanceof Error ? error.message : String(error) }, 'welcome failed');
      socket.emit(Events.Kicked, ErrorCode.CanvasUnavailable);
      socket.disconnect(true);
    });
  });

  async function sendWelcome(socket: TesseraSocket): Promise<void> {
    const { userId, ip, guest } = socket.data;
    // Read after the socket joined the room (invariant 6): see readStreamPromise.
    const promised = readStreamPromise(deps.redis, deps.canvasId);
    promised.catch(() => undefined); // awaited below; a missing config must not leave it unhandled
    const config = await deps.configs.current();
    if (!config) throw new Error('canvas config is missing');
    // Judged by the cooldown of the config sent with it, so the client can recompute the end
    // when a config push changes the cooldown. Read alongside the promise: one round trip.
    const [promise, remaining] = await Promise.all([
      promised,
      readCooldownRemaining(deps.redis, deps.canvasId, { userId, ip, applyIpCooldown: guest }, config.cooldownMs),
    ]);
    const now = Date.now();
    const sessionToken = (socket as unknown as { newSessionToken?: string }).newSessionToken;
    // Sent once; kept, it would cost every guest socket its token for the connection's life.
    delete (socket as unknown as { newSessionToken?: string }).newSessionToken;
    socket.emit(Events.Welcome, {
      userId,
      ...(sessionToken ? { sessionToken } : {}),
      config,
      cooldownUntil: remaining > 0 ? now + remaining : 0,
      serverTime: now,
      minPosition: formatPosition(promise.position),
      epoch: promise.epoch,
    });
  }

  return io;
}
