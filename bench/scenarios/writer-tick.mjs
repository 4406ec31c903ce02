// Writer tick cost: the real writer loop (writer/dist) run in this process against a private
// redis-server, with exactly N placements put into the stream between two ticks. The duration of
// each tick is what the writer itself observes into tessera_writer_tick_duration_seconds
// (read the events, build the delta, commit it, publish it), taken sample by sample.
import { Registry } from 'prom-client';
import { canvasKeys, DEFAULT_PALETTE, encodeDelta, toBase64 } from '@tessera/protocol';
import { createLogger, createRedisClient, waitForRedis } from '@tessera/runtime';
import { createBatchingPixelPlacer, createCanvasIfMissing, readEventPage } from '@tessera/store';
import { coalesce, createWriter, createWriterMetrics } from '@tessera/writer';
import { startRedis } from '../../scripts/lib/redis-server.mjs';
import { randomGuestPlacement } from '../lib/drawing.mjs';
import { emit, loadAverage, median, round, sleep } from '../lib/stats.mjs';

/**
 * @param {object} options
 * @param {number[]} options.sizes placements per tick
 * @param {number} options.ticks measured ticks per size
 * @param {'base64' | 'binary'} [options.format]
 */
export async function writerTick({ sizes, ticks, format = 'base64' }) {
  const server = await startRedis({ name: 'redis' });
  const canvasId = 'bench';
  const log = createLogger('writer', 'warn');
  const redisConfig = { url: server.url, sentinels: [], sentinelMaster: 'mymaster' };
  const redis = createRedisClient(redisConfig, log, { name: 'writer' });
  const emitterRedis = createRedisClient(redisConfig, log, { name: 'writer-emitter', autoPipelining: false });
  const injector = createRedisClient(redisConfig, log, { name: 'bench-injector', autoPipelining: false });
  const records = [];
  /** @type {ReturnType<typeof createWriter> | undefined} */
  let writer;
  try {
    await Promise.all([redis, emitterRedis, injector].map((client) => waitForRedis(client, 10_000)));
    await createCanvasIfMissing(injector, canvasId, { width: 1000, height: 1000, palette: DEFAULT_PALETTE, cooldownMs: 0 });
    const keys = canvasKeys(canvasId);
    let serial = 0;
    /**
     * N real placements through the gateway's batching placer as one script call: the writer's
     * reads see none or all of them, so the tick that picks them up folds exactly N.
     */
    const inject = async (/** @type {number} */ n) => {
      const placer = createBatchingPixelPlacer(injector, canvasId, 1_000_000, { maxBatch: n });
      await Promise.all(Array.from({ length: n }, () => placer.place(randomGuestPlacement(`g_writer${serial++}`))));
    };

    const metrics = createWriterMetrics(new Registry());
    // Each tick's duration, paired with the events it folded in.
    /** @type {Array<{ events: number, seconds: number }>} */
    const observed = [];
    let eventsThisTick = 0;
    const observe = metrics.tickDuration.observe.bind(metrics.tickDuration);
    metrics.tickDuration.observe = /** @type {any} */ (
      (/** @type {number} */ seconds) => {
        observed.push({ events: eventsThisTick, seconds });
        eventsThisTick = 0;
        observe(seconds);
      }
    );
    const countEvents = metrics.events.inc.bind(metrics.events);
    metrics.events.inc = /** @type {any} */ (
      (/** @type {number} */ n) => {
        eventsThisTick += n;
        countEvents(n);
      }
    );

    for (const n of sizes) {
      const tickMs = 500;
      writer = createWriter({
        redis,
        emitterRedis,
        log,
        metrics,
        config: { canvasId, writerId: 'bench-writer', tickMs, syncIntervalMs: 86_400_000, lockTtlMs: 5_000, wireFormat: format, maxEventsPerTick: 200_000 },
      });
      writer.start();
      await sleep(3 * tickMs); // leadership, the take-over sync, idle ticks
      const samples = [];
      const load = loadAverage();
      for (let attempts = 0; samples.length < ticks && attempts < ticks * 3; attempts++) {
        const seen = observed.length;
        while (observed.length === seen) await sleep(2);
        const from = observed.length;
        await inject(n);
        let tick;
        while (!(tick = observed.slice(from).find((t) => t.events > 0))) await sleep(2);
        if (tick.events === n) samples.push(tick.seconds * 1000);
      }
      await writer.stop();
      writer = undefined;

      // The stream read alone (XINFO + XRANGE pages of 10,000 and their parsing), as the writer does it.
      const reads = [];
      const [[firstId]] = /** @type {Array<[string, string[]]>} */ (await injector.xrevrange(keys.events, '+', '-', 'COUNT', n)).slice(-1);
      const [ms, seq] = firstId.split('-').map(Number);
      const before = seq > 0 ? { ms, seq: seq - 1 } : { ms: ms - 1, seq: 0xffff_ffff };
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        for (let after = before, read = 0; read < n;) {
          const page = await readEventPage(redis, canvasId, after, Math.min(10_000, n - read));
          read += page.entries;
          if (!page.last || page.entries === 0) break;
          after = page.last;
        }
        reads.push(performance.now() - started);
      }

      // The pure compute part, without Redis: coalesce, encode, base64.
      const writes = Array.from({ length: n }, () => ({ x: (Math.random() * 1000) | 0, y: (Math.random() * 1000) | 0, color: 1 + ((Math.random() * 31) | 0) }));
      const compute = [];
      let bytes = 0;
      for (let i = 0; i < 7; i++) {
        const started = performance.now();
        const chunks = coalesce(writes);
        const encoded = encodeDelta({ epoch: 1, seq: 1, start: { ms: 1, seq: 0 }, end: { ms: 2, seq: 0 }, configVersion: 1, chunks });
        const frame = format === 'base64' ? toBase64(encoded) : encoded;
        bytes = frame.length;
        compute.push(performance.now() - started);
      }
      samples.sort((a, b) => a - b);
      const record = {
        scenario: 'writer-tick',
        placementsPerTick: n,
        format,
        ticks: samples.length,
        tickMs: { p50: round(median(samples), 1), max: round(samples[samples.length - 1] ?? NaN, 1), min: round(samples[0] ?? NaN, 1) },
        computeMs: round(median(compute.slice(2)), 1),
        streamReadMs: round(median(reads), 1),
        deltaBytes: bytes,
        loadavg: { start: load, end: loadAverage() },
      };
      emit(record);
      records.push(record);
    }
    return records.map((r) => ({
      'placements/tick': r.placementsPerTick,
      ticks: r.ticks,
      'tick p50 ms': r.tickMs.p50,
      'tick max ms': r.tickMs.max,
      'stream read ms': r.streamReadMs,
      'compute ms': r.computeMs,
      'delta bytes': r.deltaBytes,
      load1: r.loadavg.end[0],
    }));
  } finally {
    await writer?.stop();
    for (const client of [redis, emitterRedis, injector]) client.disconnect();
    await server.stop();
  }
}
