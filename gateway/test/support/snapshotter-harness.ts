import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { spawnService, stopAll, type Service } from '../../../scripts/lib/processes.mjs';
import { getFreePort, requireBuilt, useS3, waitFor, type S3Handle } from '../../../test-support/index.js';
import { ADMIN_ENV, adminClient, OpenApiChecker } from './admin-harness.js';
import { useGateways, type GatewaySuite, type RunningGateway } from './gateway-harness.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SNAPSHOTTER_DIST = `${ROOT}snapshotter/dist/`;
export const SNAPSHOTTER_MAIN = `${SNAPSHOTTER_DIST}main.js`;

/**
 * Starts the built snapshotter (snapshotter/dist/main.js) as a child process on `redisUrl` and the
 * S3 server `s3Env` points at, with a schedule too slow to matter (tests take snapshots through
 * the admin API), and resolves once its /readyz answers. Its output shows with TESSERA_E2E_LOGS.
 */
export async function startSnapshotter(redisUrl: string, s3Env: Record<string, string>, env: Record<string, string> = {}): Promise<Service> {
  const port = await getFreePort();
  const output = process.env.TESSERA_E2E_LOGS ? process.stdout : new PassThrough().resume();
  const service = spawnService({
    name: 'snapshotter',
    command: process.execPath,
    args: [SNAPSHOTTER_MAIN],
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'warn',
      REDIS_URL: redisUrl,
      HTTP_PORT: String(port),
      SNAPSHOT_INTERVAL_MS: '600000',
      ...s3Env,
      ...env,
    },
    cwd: ROOT,
    stdout: output,
    stderr: output,
  });
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, { timeoutMs: 30_000, message: 'snapshotter ready' });
  } catch (error) {
    await stopAll([service], 5_000);
    throw error;
  }
  return service;
}

export interface AdminWithSnapshotterOptions {
  /** Files of snapshotter/dist/ the gateway loads besides main.js (its client of the feature under test). */
  readonly built: readonly string[];
  /** Added to the gateway's environment. */
  readonly gatewayEnv?: Record<string, string>;
  /** Added to the snapshotter's environment. */
  readonly snapshotterEnv?: Record<string, string>;
}

/** What {@link useAdminWithSnapshotter} returns; read it inside tests and hooks, after `before` ran. */
export interface AdminWithSnapshotter extends GatewaySuite {
  readonly s3: S3Handle;
  /** The gateway that created the canvas (300×200) with snapshots on. */
  readonly gateway: RunningGateway;
  /** Its admin API, checked against its OpenAPI document. */
  readonly api: ReturnType<typeof adminClient>;
}

/**
 * Mocha hooks for the admin endpoints a snapshotter serves: a private redis-server and S3 server,
 * a gateway with the admin token that creates the canvas before a real snapshotter starts, all
 * kept for the whole suite. Skipped (failed under CI) when the snapshotter is not built.
 */
export function useAdminWithSnapshotter(options: AdminWithSnapshotterOptions): AdminWithSnapshotter {
  before(function () {
    requireBuilt(this, [SNAPSHOTTER_MAIN, ...options.built.map((file) => `${SNAPSHOTTER_DIST}${file}`)]);
  });
  const suite = useGateways({ players: 'after', servers: 'after' });
  const s3 = useS3();
  let gateway: RunningGateway | undefined;
  let api: ReturnType<typeof adminClient> | undefined;
  before(async () => {
    gateway = await suite.startGateway({
      ...ADMIN_ENV,
      SNAPSHOTS_ENABLED: 'true',
      CANVAS_BOOTSTRAP: 'create',
      CANVAS_WIDTH: '300',
      CANVAS_HEIGHT: '200',
      ...options.gatewayEnv,
    });
    api = adminClient(gateway.url, await OpenApiChecker.fetch(gateway.url));
    suite.services.push(await startSnapshotter(suite.redisServer.url, s3.env, options.snapshotterEnv));
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the gateway is not started yet: use it inside tests or hooks');
    return value;
  };
  return Object.create(suite, {
    s3: { value: s3 },
    gateway: { get: () => started(gateway) },
    api: { get: () => started(api) },
  }) as AdminWithSnapshotter;
}
