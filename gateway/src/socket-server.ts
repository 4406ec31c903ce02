import type { Server as HttpServer } from 'node:http';
import { inflateRawSync } from 'node:zlib';
import { createAdapter } from '@socket.io/redis-adapter';
import {
  canvasKeys,
  challengeApplies,
  ChallengePoint,
  addressRoom,
  BARE_FRAMES,
  canvasRoom,
  ErrorCode,
  Events,
  formatPosition,
  LIMITS,
  smallestDeltaFrame,
  type ClientToServerEvents,
  type InterServerEvents,
  type ServerToClientEvents,
  type SocketData,
  type BanNotice,
  userRoom,
} from '@tessera/protocol';
import { createFailureLog, type Logger } from '@tessera/runtime';
import { admitGuestSession, readBanStanding, readCooldownRemaining, readStreamPromise, type PixelPlacer } from '@tessera/store';
import type { RedisConnection } from '@tessera/store';
import { Server, type Socket } from 'socket.io';
import type { AddressKeying } from './address-prefix.js';
import type { ChallengeGate } from './challenge/challenge-gate.js';
import { createProofHandler } from './challenge/proof-handler.js';
import type { ConfigSource } from './config-source.js';
import { ConnectionCounter, limitConnectionsPerAddress } from './connection-counter.js';
import { createSessionRecorder } from './player-sessions.js';
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
/** The acknowledgement a client event ends with, as the shared event map types it. */
type AckOf<E extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[E]>[1];

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
  /** False: a handshake without an identity token is refused SIGN_IN_REQUIRED (default true). */
  readonly guestsAllowed?: boolean;
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
  /** Proof-of-work solutions: verified once across all gateways (challenge/). */
  readonly challenges: ChallengeGate;
}

/** A handshake's `auth`, and whether a proof-of-work solution in it was verified. */
interface HandshakeChallenge {
  readonly auth: unknown;
  passed: boolean;
}

const KNOWN_EVENTS: ReadonlySet<string> = new Set([Events.Place, Events.Proof]);
const FANOUT_EVENTS: ReadonlySet<string> = new Set([Events.Delta, Events.Sync]);

/**
 * What a socket that asked for bare frames gets: a delta in whichever format is fewer bytes, the
 * writer's (format 2, deflated when that is smaller) or the bit-packed format 3, which sparse
 * deltas shrink to (BENCHMARKS.md). Once per broadcast; a client asking for bare frames decodes both.
 */
function bareFrame(event: string, frame: Uint8Array): Uint8Array {
  return event === Events.Delta ? smallestDeltaFrame(frame, inflateWithin) : frame;
}

function inflateWithin(body: Uint8Array, maxBytes: number): Uint8Array {
  return inflateRawSync(body, { maxOutputLength: maxBytes });
}

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
      eventLimits: { [Events.Proof]: LIMITS.maxProofPacketBytes },
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
      duration: metrics.fanoutSeconds,
      bareFrame,
    }),
    allowRequest: (request, callback) => {
      // Refused here, before the upgrade, a draining gateway costs nothing more per attempt.
      if (deps.isDraining()) {
        metrics.connectionsRejected.inc({ reason: ErrorCode.Draining });
        return void callback(ErrorCode.Draining, false);
      }
      // CORS does not cover WebSockets: without this any site's page could open sockets from its
      // visitors' browsers and place from their addresses. engine.io answers 400 with the code.
      if (!deps.origins.allows(request.headers.origin, request.headers.host)) {
        metrics.connectionsRejected.inc({ reason: ErrorCode.OriginNotAllowed });
        return void callback(ErrorCode.OriginNotAllowed, false);
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
    challengeSettings: async () => (await deps.configs.current())?.challenge,
    challenges: deps.challenges,
  });
  const handleProof = createProofHandler({
    challenges: deps.challenges,
    challengeSettings: async () => (await deps.configs.current())?.challenge,
    metrics,
    log,
    floodThreshold: deps.limits.placeBurst * 2,
  });
  // A config change on another gateway voids this one's cached config at once (see place-handler's
  // local cooldown answers): a lowered cooldown frees waiting players here too.
  io.on('configChanged', () => deps.configs.invalidate());

  // Handshake mode: the solution comes in `auth.altcha`, and is spent (marked used) only when the
  // challenge applies to this player; otherwise it is ignored and stays unspent.
  const checkHandshakeChallenge = async (guest: boolean, challenge: HandshakeChallenge): Promise<ErrorCode | undefined> => {
    const settings = (await deps.configs.current())?.challenge;
    if (settings?.at !== ChallengePoint.Handshake || !challengeApplies(settings, guest)) return undefined;
    const auth = challenge.auth;
    const payload = typeof auth === 'object' && auth !== null ? (auth as Record<string, unknown>).altcha : undefined;
    if (payload === undefined) return ErrorCode.ChallengeRequired;
    const error = await deps.challenges.verify(payload);
    challenge.passed = error === undefined;
    return error;
  };

  // A banned user or address connects read-only: they keep watching and are told why and until
  // when (the placement script refuses their pixels). Refusing the handshake left a reloaded page
  // with no canvas at all. A banned socket cannot place, so it is not asked for a proof of work.
  // A new guest session counts against its address's allowance in Redis: a guest who clears
  // storage is a new user, so without it one address could mint identities without end.
  const admit = async (
    identity: Identity,
    ip: string,
    prefixes: readonly string[],
    challenge: HandshakeChallenge,
  ): Promise<{ identity: Identity; ban?: BanNotice }> => {
    if (!identity.ok) return { identity };
    const ban = await readBanStanding(deps.redis, deps.canvasId, identity.userId, prefixes);
    if (!ban) {
      const challengeError = await checkHandshakeChallenge(identity.guest, challenge);
      if (challengeError) return { identity: { ok: false, error: challengeError } };
    }
    if (identity.newSessionToken !== undefined) {
      const limit = { perWindow: deps.limits.guestSessionsPerAddress, windowMs: deps.limits.guestSessionWindowMs };
      if (!(await admitGuestSession(deps.redis, deps.canvasId, ip, limit)).ok) return { identity: { ok: false, error: ErrorCode.RateLimited } };
    }
    return ban ? { identity, ban } : { identity };
  };

  const handshakeFailures = createFailureLog({ log, message: 'handshakes failed' });
  io.use((socket, next) => {
    const ip = deps.addressOf(socket.request);
    const addressPrefixes = deps.addressKeying.coveringPrefixes(ip);
    const challenge: HandshakeChallenge = { auth: socket.handshake.auth, passed: false };
    resolveIdentity(socket.handshake.auth, deps.sessions, deps.jwt, deps.guestsAllowed ?? true)
      .then((identity) => admit(identity, ip, addressPrefixes, challenge))
      .then(
        ({ identity, ban }) => {
          if (!identity.ok) {
            metrics.connectionsRejected.inc({ reason: identity.error });
            return void next(new Error(identity.error));
          }
          socket.data = { userId: identity.userId, ip, guest: identity.guest, addressPrefixes, challengePassed: challenge.passed };
          if (identity.displayName !== undefined) socket.data.displayName = identity.displayName;
          const auth = socket.handshake.auth as Record<string, unknown> | undefined;
          if (auth?.spectator === true) socket.data.spectator = true;
          if (auth?.frames === BARE_FRAMES) socket.data.bareFrames = true;
          if (ban) socket.data.ban = ban;
          metrics.connectionsAdmitted.inc({ as: ban ? 'banned' : identity.guest ? 'guest' : 'account' });
          if (identity.newSessionToken) socket.data.newSessionToken = identity.newSessionToken;
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

  const recordSession = createSessionRecorder({ redis: deps.redis, canvasId: deps.canvasId, jwt: deps.jwt, log });
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
    void recordSession(socket.data, socket.handshake.auth);
    metrics.connections.inc();
    socket.once('disconnect', countDisconnect);
    // Joined before welcome is sent: the client fetches the canvas after welcome, so every delta
    // broadcast after that read reaches it. The user's room lets a ban reach all their sockets.
    void socket.join([room, userRoom(socket.data.userId)]);
    // One room per covering ban prefix, so an address ban reaches these sockets on every gateway.
    void socket.join(socket.data.addressPrefixes.map(addressRoom));

    const bucket = new TokenBucket(deps.limits.placeRatePerSec, deps.limits.placeBurst);
    const context = {
      userId: socket.data.userId,
      ip: socket.data.ip,
      guest: socket.data.guest,
      addressPrefixes: socket.data.addressPrefixes,
      bucket,
      cooldown: { retryAt: 0, version: 0 },
      proof: { passed: socket.data.challengePassed === true, credits: 0 },
      onFlood: () => {
        metrics.malformedPackets.inc({ reason: 'flood' });
        log.info({ userId: socket.data.userId, ip: socket.data.ip }, 'disconnecting a flooding socket');
        socket.emit(Events.Kicked, ErrorCode.RateLimited);
        socket.disconnect(true);
      },
    };

    socket.use(onlyKnownEvents as Parameters<TesseraSocket['use']>[0]);
    socket.on(Events.Place, (...args: unknown[]) => {
      // The middleware above let through only events that end with a function.
      const ack = args[args.length - 1] as AckOf<'place'>;
      // Exactly one argument before the ack; anything else is malformed but still answered.
      const payload = args.length === 2 ? args[0] : undefined;
      void handlePlace(context, payload, ack);
    });
    socket.on(Events.Proof, (...args: unknown[]) => {
      const ack = args[args.length - 1] as AckOf<'proof'>;
      const payload = args.length === 2 ? args[0] : undefined;
      void handleProof(context, payload, ack);
    });
    socket.on('error', logSocketError);

    // Identity and address are in socket.data now; the request and its handshake copy can go, once
    // every other connection listener (canvas loads, session records) has read the handshake.
    void sendWelcome(socket).then(
      () => releaseHandshake(socket),
      (error: unknown) => {
        releaseHandshake(socket);
        log.warn({ err: error instanceof Error ? error.message : String(error) }, 'welcome failed');
        socket.emit(Events.Kicked, ErrorCode.CanvasUnavailable);
        socket.disconnect(true);
      },
    );
  });

  async function sendWelcome(socket: TesseraSocket): Promise<void> {
    const { userId, ip, guest, displayName, ban } = socket.data;
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
    const sessionToken = socket.data.newSessionToken;
    // Sent once; kept, it would cost every guest socket its token for the connection's life.
    delete socket.data.newSessionToken;
    socket.emit(Events.Welcome, {
      userId,
      ...(sessionToken ? { sessionToken } : {}),
      config,
      cooldownUntil: remaining > 0 ? now + remaining : 0,
      serverTime: now,
      minPosition: formatPosition(promise.position),
      epoch: promise.epoch,
      ...(displayName === undefined ? {} : { displayName }),
      ...(ban ? { ban } : {}),
    });
  }

  return io;
}
