// Writer takeover: two real writer processes (writer/dist/main.js) with the shipped defaults,
// placements flowing, and the leader SIGKILLed again and again (it never releases its lock, as
// after an OOM kill or a lost node). For each kill: how long until the standby holds the lock,
// and until it committed a new delta (what players wait for: the delta after it is broadcast at
// once). The kill lands at a random point of the leader's renewal cycle.
import { createCanvasIfMissing, createPixelPlacer, readWriterState, writerLeaseHolder } from '@tessera/store';
import { WRITER_DEFAULTS } from '@tessera/writer';
import { Redis } from 'ioredis';
import { getFreePort } from '../../scripts/lib/free-port.mjs';
import { spawnService, stopAll } from '../../scripts/lib/processes.mjs';
import { startRedis } from '../../scripts/lib/redis-server.mjs';
import { ROOT } from '../lib/cluster.mjs';
import { emit, loadAverage, median, note, round, sleep } from '../lib/stats.mjs';

const POLL_MS = 5;
const PALETTE = ['#ffffff', '#000000', '#ff0000', '#00ff00'];

/**
 * @param {object} options
 * @param {number} options.kills leaders to kill
 * @param {number} options.rate placements per second while it runs
 * @param {Record<string, string>} [options.writerEnv] e.g. { LOCK_TTL_MS: '5000' } to compare
 */
export async function writerTakeover({ kills, rate, writerEnv = {} }) {
  const redisServer = await startRedis({ name: 'redis' });
  const redis = new Redis(redisServer.url);
  const canvasId = 'takeover';
  /** @type {Map<string, import('../../scripts/lib/processes.mjs').Service>} */
  const writers = new Map();
  let started = 0;
  let placing = true;
  const rows = [];
  try {
    await createCanvasIfMissing(redis, canvasId, { width: 1000, height: 1000, palette: PALETTE, cooldownMs: 0 });
    const placer = createPixelPlacer(redis, canvasId, 1_000_000);
    const seq = async () => (await readWriterState(redis, canvasId)).state?.seq ?? 0;
    /** Polls `test` every POLL_MS until it holds; returns ms since `from`. */
    const until = async (/** @type {() => Promise<boolean>} */ test, /** @type {number} */ from, /** @type {string} */ what) => {
      for (;;) {
        if (await test()) return performance.now() - from;
        if (performance.now() - from > 30_000) throw new Error(`takeover bench: no ${what} within 30 s`);
        await sleep(POLL_MS);
      }
    };

    /** Starts a writer and resolves once it is ready (a hot standby, as a pod behind its readiness probe). */
    const startWriter = async () => {
      const id = `bench-writer-${++started}`;
      const port = await getFreePort();
      writers.set(
        id,
        spawnService({
          name: id,
          command: process.execPath,
          args: [`${ROOT}writer/dist/main.js`],
          env: {
            PATH: process.env.PATH ?? '',
            REDIS_URL: redisServer.url,
            CANVAS_ID: canvasId,
            WRITER_ID: id,
            HTTP_PORT: String(port),
            LOG_LEVEL: 'error',
            ...writerEnv,
          },
          stdout: process.stderr,
          stderr: process.stderr,
        }),
      );
      await until(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok === true, performance.now(), `${id} ready`);
    };
    const placements = (async () => {
      const perBurst = Math.max(1, Math.round(rate / 20));
      while (placing) {
        const burst = [];
        for (let i = 0; i < perBurst; i++) {
          burst.push(
            placer.place({
              x: Math.floor(Math.random() * 1000),
              y: Math.floor(Math.random() * 1000),
              color: 1,
              userId: `b${i}`,
              ip: '127.0.0.1',
              applyIpCooldown: false,
            }),
          );
        }
        await Promise.all(burst);
        await sleep(50);
      }
    })();
    await Promise.all([startWriter(), startWriter()]);
    const ttlMs = Number(writerEnv.LOCK_TTL_MS ?? WRITER_DEFAULTS.lockTtlMs);
    for (let kill = 1; kill <= kills; kill++) {
      /** @type {string | undefined} */
      let leaderId;
      await until(async () => Boolean((leaderId = await writerLeaseHolder(redis, canvasId))), performance.now(), 'leader');
      const leader = writers.get(/** @type {string} */ (leaderId));
      if (!leader) throw new Error(`takeover bench: the lock names ${leaderId}, not one of ours`);
      const before = await seq();
      await until(async () => (await seq()) > before, performance.now(), 'delta from the leader');
      // Somewhere in its renewal cycle (renewals every TTL/4).
      await sleep(Math.random() * ttlMs);
      const seqAtKill = await seq();
      const killedAt = performance.now();
      leader.child.kill('SIGKILL');
      const lockMs = await until(
        async () => {
          const holder = await writerLeaseHolder(redis, canvasId);
          return holder !== null && holder !== leaderId;
        },
        killedAt,
        'new lock holder',
      );
      const deltaMs = await until(async () => (await seq()) > seqAtKill, killedAt, 'delta from the successor');
      await leader.exited;
      writers.delete(/** @type {string} */ (leaderId));
      rows.push({ kill, lockMs: round(lockMs, 0), deltaMs: round(deltaMs, 0) });
      note(`kill ${kill}/${kills}: lock taken after ${Math.round(lockMs)} ms, first new delta after ${Math.round(deltaMs)} ms`);
      await startWriter(); // the replacement standby, as a Deployment restarts the pod
    }
    placing = false;
    await placements;
  } finally {
    placing = false;
    await stopAll([...writers.values()], 5_000);
    redis.disconnect();
    await redisServer.stop();
  }
  const lock = rows.map((r) => r.lockMs);
  const delta = rows.map((r) => r.deltaMs);
  const summary = {
    lockTtlMs: Number(writerEnv.LOCK_TTL_MS ?? WRITER_DEFAULTS.lockTtlMs),
    kills,
    rate,
    lockWorstMs: Math.max(...lock),
    lockMedianMs: median(lock),
    deltaWorstMs: Math.max(...delta),
    deltaMedianMs: median(delta),
    loadavg: loadAverage(),
  };
  emit({ scenario: 'writer-takeover', ...summary, samples: rows });
  return [
    {
      LOCK_TTL_MS: summary.lockTtlMs,
      kills,
      'placements/s': rate,
      'lock worst': summary.lockWorstMs,
      'lock median': summary.lockMedianMs,
      'new delta worst': summary.deltaWorstMs,
      'new delta median': summary.deltaMedianMs,
    },
  ];
}
