// What acknowledging only replicated placements costs (PLACEMENT_REPLICAS, a WAIT after each batch):
// the gateway's batching placer, as it runs there, against a real master and one replica on this
// machine, with replicas 0 and 1 in alternating rounds so a neighbour's load hits both alike.
// Closed loop: `inFlight` placements outstanding, each answered one placed at once (no cooldown).
//
//   node bench/lib/replica-wait-cost.mjs [seconds per round=5] [rounds=3] [inFlight=512]
//
// Prints one BENCH JSON line and a table.
import { createBatchingPixelPlacer, createCanvasIfMissing } from '@tessera/store';
import { Redis } from 'ioredis';
import { startRedis } from '../../scripts/lib/redis-server.mjs';
import { emit, Histogram, loadAverage, median, round } from './stats.mjs';

const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 3);
const inFlight = Number(process.argv[4] ?? 512);
const SIDE = 2000;

const master = await startRedis();
const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
const redis = new Redis(master.url, { enableAutoPipelining: true });
const onReplica = new Redis(replica.url);
try {
  while (!(await onReplica.info('replication')).includes('master_link_status:up')) await new Promise((resolve) => setTimeout(resolve, 50));
  const loadAtStart = loadAverage();
  /** @type {Record<number, { rates: number[], latency: Histogram }>} */
  const results = { 0: { rates: [], latency: new Histogram() }, 1: { rates: [], latency: new Histogram() } };
  for (let round = 0; round < rounds; round++) {
    for (const replicas of [0, 1]) {
      const canvasId = `replica-bench-${round}-${replicas}`;
      await createCanvasIfMissing(redis, canvasId, { width: SIDE, height: SIDE, palette: ['#ffffff', '#000000'], cooldownMs: 0 });
      const placer = createBatchingPixelPlacer(redis, canvasId, 500_000, { replicas, replicaTimeoutMs: 1_000 });
      results[replicas].rates.push(await drive(placer, results[replicas].latency));
    }
  }
  const rows = [0, 1].map((replicas) => ({
    PLACEMENT_REPLICAS: replicas,
    'placements/s (median round)': Math.round(median(results[replicas].rates)),
    'ack p50 ms': round(results[replicas].latency.percentile(50), 2),
    'ack p99 ms': round(results[replicas].latency.percentile(99), 2),
  }));
  emit(
    {
      scenario: 'replica-wait-cost',
      inFlight,
      seconds,
      rounds,
      load: [loadAtStart, loadAverage()],
      ...Object.fromEntries([0, 1].map((r) => [`replicas${r}`, { rates: results[r].rates.map(Math.round), ack: results[r].latency.summary() }])),
    },
    rows,
    `the batching placer against a master and one replica, ${inFlight} in flight, ${rounds} alternating rounds of ${seconds} s`,
  );
} finally {
  redis.disconnect();
  onReplica.disconnect();
  await Promise.all([replica.stop(), master.stop()]);
}

/** Keeps `inFlight` placements outstanding for `seconds`, adding each ack's latency (ms); placements per second. */
async function drive(placer, latency) {
  const until = performance.now() + seconds * 1000;
  let placed = 0;
  let pixel = 0;
  const loop = async () => {
    while (performance.now() < until) {
      const at = pixel++ % (SIDE * SIDE);
      const started = performance.now();
      const outcome = await placer.place({
        x: at % SIDE,
        y: Math.floor(at / SIDE),
        color: 1,
        userId: `g_${at % 10_000}`,
        ip: '10.0.0.1',
        applyIpCooldown: false,
      });
      if (!outcome.ok) throw new Error(`placement refused: ${outcome.error}`);
      latency.add(performance.now() - started);
      placed++;
    }
  };
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: inFlight }, loop));
  return placed / ((performance.now() - startedAt) / 1000);
}
