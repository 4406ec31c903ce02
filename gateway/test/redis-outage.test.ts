import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, type CanvasConfig, type CanvasStatus, type PlaceResult } from '@tessera/protocol';
import { getFreePort, requireBuilt, startRedis, waitFor, type RedisServer } from '../../test-support/index.js';
import { connectPlayer, TEST_SECRET, type Player } from './support/gateway-harness.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const ADMIN_TOKEN = 'outage-admin-token-0123456789abcdef';

/** The built gateway as production runs it: its death by an unhandled rejection is an exit we can see. */
function spawnGateway(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output += chunk.toString();
    if (process.env.TESSERA_E2E_LOGS) process.stdout.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => output };
}

describe('a gateway through a Redis outage (dist/main.js)', function () {
  this.timeout(60_000);
  let dir: string;
  let redis: RedisServer | undefined;
  let gateway: ReturnType<typeof spawnGateway> | undefined;
  let player: Player | undefined;

  before(function () {
    requireBuilt(this, [MAIN]);
  });
  afterEach(async () => {
    player?.socket.close();
    if (gateway?.child.exitCode === null) {
      const exited = new Promise((resolve) => gateway!.child.once('exit', resolve));
      gateway.child.kill('SIGKILL');
      await exited;
    }
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stays up and ready, refuses placements and canvas reads with CANVAS_UNAVAILABLE, survives broadcasts, and recovers', async () => {
    // AOF in a directory of our own: the restarted server comes back on the same port with the canvas.
    dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-outage-'));
    redis = await startRedis({ dir, appendonly: true });
    const redisPort = redis.port;
    const port = await getFreePort();
    const url = `http://127.0.0.1:${port}`;
    gateway = spawnGateway({
      REDIS_URL: redis.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      SESSION_SECRET: TEST_SECRET,
      ADMIN_TOKENS: `ops:${ADMIN_TOKEN}`,
      WEB_ROOT: '',
      CANVAS_WIDTH: '600',
      CANVAS_HEIGHT: '600',
      CANVAS_COOLDOWN_MS: '0',
      // The resync after a shrink waits out this cache lifetime: long enough to stop Redis first.
      CANVAS_CACHE_MS: '4000',
      LOG_LEVEL: 'warn',
    });
    const { child } = gateway;
    const alive = (): void => assert.equal(child.exitCode ?? child.signalCode, null, `the gateway died:\n${gateway!.output()}`);
    const admin = (method: string, route: string, body?: unknown) =>
      fetch(`${url}/api/admin${route}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const status = async (route: string): Promise<number> => (await fetch(`${url}${route}`)).status;
    await waitFor(async () => (await status('/readyz')) === 200, { timeoutMs: 20_000, message: 'the gateway to be ready' });

    player = await connectPlayer(url);
    const { socket } = player;
    const place = (x: number, y: number): Promise<PlaceResult> => socket.timeout(3000).emitWithAck('place', { x, y, color: 3 });
    const statuses: CanvasStatus[] = [];
    socket.on('canvas-status', (next: CanvasStatus) => statuses.push(next));
    assert.equal((await place(500, 500)).ok, true, 'a pixel in chunk (1,1), which the shrink below erases');

    // A shrink that erases a chunk pushes the config at once and a resync CANVAS_CACHE_MS later.
    const shrunk = new Promise<CanvasConfig>((resolve) => socket.once('config', resolve));
    const resize = admin('PUT', '/size', { width: 256, height: 256 });
    assert.equal((await shrunk).width, 256);
    await redis.stop();

    // The resync goes out while Redis is down: the adapter's PUBLISH fails, the process stays.
    assert.equal((await resize).status, 200);
    const failures = async (): Promise<number> => {
      alive();
      const text = await (await fetch(`${url}/metrics`)).text();
      return Number(/^tessera_gateway_publish_failures_total(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0);
    };
    await waitFor(async () => (await failures()) >= 1, { message: 'the failed resync broadcast to be counted' });
    alive();

    // Players are told, placements and reads are refused with the code, the probes stay green.
    await waitFor(() => statuses.some((next) => !next.available), { message: 'canvas-status unavailable' });
    assert.deepEqual(await place(10, 10), { ok: false, error: ErrorCode.CanvasUnavailable });
    const read = await fetch(`${url}/api/canvas/data`);
    assert.equal(read.status, 503);
    assert.deepEqual(await read.json(), { error: ErrorCode.CanvasUnavailable });
    assert.equal(await status('/readyz'), 200, 'a Redis outage does not empty the Service');
    assert.equal(await status('/healthz'), 200);

    // Admin actions that would broadcast (a ban, a config push) are answered, and nothing dies.
    for (const [method, route, body] of [
      ['PUT', `/bans/${player.welcome.userId}`, { reason: 'test' }],
      ['PUT', '/cooldown', { cooldownMs: 1000 }],
      ['PUT', '/paused', { paused: true }],
    ] as const) {
      const answer = await admin(method, route, body);
      assert.equal(answer.status, 503, `${method} ${route} with Redis down`);
      assert.equal(((await answer.json()) as { error: string }).error, 'CANVAS_UNAVAILABLE', `${method} ${route}: a closed error code, no internal text`);
    }
    assert.ok(socket.connected, 'the player stays connected through the outage');
    // A player arriving now is told why it cannot join, in a closed code.
    await assert.rejects(connectPlayer(url), (error: Error) => error.message === ErrorCode.CanvasUnavailable);
    alive();

    // Redis back on the same port, with its data: everything works again without a restart.
    redis = await startRedis({ dir, port: redisPort, appendonly: true });
    await waitFor(() => statuses.at(-1)?.available === true, { timeoutMs: 15_000, message: 'canvas-status available' });
    await waitFor(async () => (await place(10, 10)).ok, { timeoutMs: 10_000, message: 'placements to be accepted again' });
    assert.equal(await status('/api/canvas/data'), 200);
    const pushed = new Promise<CanvasConfig>((resolve) => socket.once('config', resolve));
    assert.equal((await admin('PUT', '/cooldown', { cooldownMs: 0 })).status, 200);
    assert.equal((await pushed).cooldownMs, 0, 'config pushes reach players again');
    assert.equal(await status('/readyz'), 200);
    alive();
  });
});
