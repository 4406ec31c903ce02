import { createLogger } from '@tessera/runtime';
import type { Welcome } from '@tessera/protocol';
import { io as connect, type Socket } from 'socket.io-client';
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
    const socket = connect(url, { transports: ['websocket'], auth, reconnection: false, forceNew: true, extraHeaders: headers });
    socket.once('welcome', (welcome: Welcome) => resolve({ socket, welcome }));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}
