import { createLogger } from '@tessera/runtime';
import { BARE_FRAMES, bareFrameParser, type Welcome } from '@tessera/protocol';
import { io as connect, type Socket } from 'socket.io-client';
import { stopAll, type Service } from '../../../scripts/lib/processes.mjs';
import { useRedis, type RedisHandle } from '../../../test-support/index.js';
import { loadGatewayConfig } from '../../src/config.js';
import { createGateway, type Gateway } from '../../src/gateway.js';

export const TEST_SECRET = 'test-secret-that-is-at-least-32-characters';

export interface RunningGateway {
  readonly gateway: Gateway;
  readonly url: string;
  close(): Promise<void>;
}

/** Builds a gateway exactly as main.ts does, on a free port, with env overrides. */
export async function startGateway(redisUrl: string, env: Record<string, string> = {}): Promise<RunningGateway> {
  const config = loadGatewayConfig({
    REDIS_URL: redisUrl,
    SESSION_SECRET: TEST_SECRET,
    PORT: '0',
    HOST: '127.0.0.1',
    WEB_ROOT: '',
    CANVAS_COOLDOWN_MS: '0',
    SHUTDOWN_DRAIN_MS: '200',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const gateway = await createGateway(config, createLogger('gateway', config.logLevel));
  const port = await gateway.listen();
  return { gateway, url: `http://127.0.0.1:${port}`, close: () => gateway.close() };
}

export interface Player {
  readonly socket: Socket;
  readonly welcome: Welcome;
}

/**
 * Connects a player and resolves once the gateway welcomed it (or rejects with the connect error
 * code). `headers` go on the handshake (X-Forwarded-For, to connect "from" an address).
 */
export function connectPlayer(url: string, auth: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Player> {
  return new Promise((resolve, reject) => {
    // A player asking for bare frames decodes them as the browser does (protocol/src/bare-frames.ts).
    const parser = auth.frames === BARE_FRAMES ? { parser: bareFrameParser } : {};
    const socket = connect(url, { transports: ['websocket'], auth, reconnection: false, forceNew: true, extraHeaders: headers, ...parser });
    socket.once('welcome', (welcome: Welcome) => resolve({ socket, welcome }));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

export interface GatewaySuiteOptions {
  /** When the suite's players are disconnected: after each test (the default) or once the suite ends. */
  readonly players?: 'afterEach' | 'after';
  /**
   * When its gateways and services stop: after each test (the default) or once the suite ends,
   * for those a `before` hook starts.
   */
  readonly servers?: 'afterEach' | 'after';
}

/** What {@link useGateways} returns; read it inside tests and hooks, after `before` ran. */
export interface GatewaySuite {
  readonly redisServer: RedisHandle;
  /** The redis-server's client (see {@link RedisHandle.client}). */
  readonly redis: RedisHandle['client'];
  /** Every gateway the suite started and has not closed yet. */
  readonly gateways: RunningGateway[];
  /** Every player the suite connected and has not disconnected yet. */
  readonly players: Player[];
  /** Child processes (a snapshotter) the suite stops along with its gateways. */
  readonly services: Service[];
  /** Starts a gateway on the suite's Redis (see {@link startGateway}), closed with the others. */
  startGateway(env?: Record<string, string>): Promise<RunningGateway>;
  /** Connects a player (see {@link connectPlayer}), disconnected with the others. */
  connect(gateway: RunningGateway, auth?: Record<string, unknown>, headers?: Record<string, string>): Promise<Player>;
  /** Disconnects every player, then closes every gateway and stops every service. */
  closeAll(): Promise<void>;
}

/**
 * Mocha hooks for gateway tests against one private redis-server: the players, gateways and
 * services the tests start, closed in that order before the redis-server stops.
 */
export function useGateways(options: GatewaySuiteOptions = {}): GatewaySuite {
  const gateways: RunningGateway[] = [];
  const services: Service[] = [];
  const players: Player[] = [];
  const closePlayers = (): void => players.splice(0).forEach((player) => player.socket.close());
  const closeServers = async (): Promise<void> => {
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
    await stopAll(services.splice(0), 10_000);
  };
  const closeAll = async (): Promise<void> => {
    closePlayers();
    await closeServers();
  };
  // Registered before useRedis's own `after`, so all this closes while Redis still answers.
  after(closeAll);
  const redisServer = useRedis();
  if ((options.players ?? 'afterEach') === 'afterEach') afterEach(closePlayers);
  if ((options.servers ?? 'afterEach') === 'afterEach') afterEach(closeServers);
  const suite: GatewaySuite = {
    redisServer,
    get redis() {
      return redisServer.client;
    },
    gateways,
    players,
    services,
    async startGateway(env = {}) {
      const gateway = await startGateway(redisServer.url, env);
      gateways.push(gateway);
      return gateway;
    },
    async connect(gateway, auth = {}, headers = {}) {
      const player = await connectPlayer(gateway.url, auth, headers);
      players.push(player);
      return player;
    },
    closeAll,
  };
  return suite;
}
