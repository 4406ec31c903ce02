// Fan-out: N players connected to one gateway while placements run. Measures, on the client
// side, how long a delta takes to reach every player after the writer published it, and after
// the placements it carries were acknowledged; and the gateway's CPU and memory per connection.
import { canvasKeys } from '@tessera/protocol';
import { Redis } from 'ioredis';
import { cpuMeter, memory } from '../lib/proc-stats.mjs';
import { Cluster } from '../lib/cluster.mjs';
import { comparePositions, deltaHead, emitterFrame, frameSeq, parseStreamId } from '../lib/frames.mjs';
import { placementPattern } from '../lib/drawing.mjs';
import { connectMany } from '../lib/sio-client.mjs';
import { emit, Histogram, loadAverage, note, round, sleep } from '../lib/stats.mjs';

/**
 * Memory per connection, on its own: a fresh gateway, no placements (so no delta garbage), clients
 * added in steps; after each step a full GC (through the gateway's inspector), then RSS from /proc
 * and the V8 heap in use from the gateway's /metrics.
 * @param {{ steps: number[] }} options
 */
export async function connectionMemory({ steps }) {
  const cluster = new Cluster();
  /** @type {import('../lib/sio-client.mjs').SioClient[]} */
  let clients = [];
  const rows = [];
  try {
    await cluster.start({ writer: false, inspect: true });
    await sleep(2_000);
    const read = async () => {
      await cluster.collectGarbage();
      await sleep(500);
      const metrics = await cluster.metrics();
      return { rss: memory(cluster.gatewayPid).rss, heap: metrics.get('nodejs_heap_size_used_bytes') ?? NaN };
    };
    const baseline = await read();
    let previous = { clients: 0, ...baseline };
    for (const target of steps) {
      const ramp = await connectMany(
        cluster.gatewayUrl,
        target - clients.length,
        {},
        {
          onProgress: (n) => note(`connection memory: ${clients.length + n}/${target} connected`),
        },
      );
      clients = clients.concat(ramp.clients);
      await sleep(3_000);
      cluster.checkAlive();
      const now = await read();
      const record = {
        scenario: 'connection-memory',
        clients: clients.length,
        connectSec: round(ramp.seconds, 2),
        connectRetries: ramp.retries,
        gatewayRssMB: round(now.rss / 2 ** 20, 1),
        gatewayHeapUsedMB: round(now.heap / 2 ** 20, 1),
        rssPerConnectionKB: round((now.rss - baseline.rss) / clients.length / 1024, 2),
        rssPerAddedConnectionKB: round((now.rss - previous.rss) / (clients.length - previous.clients) / 1024, 2),
        heapPerAddedConnectionKB: round((now.heap - previous.heap) / (clients.length - previous.clients) / 1024, 2),
        heapPerConnectionKB: round((now.heap - baseline.heap) / clients.length / 1024, 2),
        baselineRssMB: round(baseline.rss / 2 ** 20, 1),
        loadavg: loadAverage(),
      };
      emit(record);
      rows.push({
        clients: record.clients,
        'open s': record.connectSec,
        'RSS MB': record.gatewayRssMB,
        'heap MB': record.gatewayHeapUsedMB,
        'RSS KB/conn': record.rssPerConnectionKB,
        'RSS KB/added conn': record.rssPerAddedConnectionKB,
        'heap KB/conn': record.heapPerConnectionKB,
        'heap KB/added conn': record.heapPerAddedConnectionKB,
        load1: record.loadavg[0],
      });
      previous = { clients: clients.length, ...now };
    }
  } finally {
    for (const client of clients) client.close();
    await cluster.stop();
  }
  return rows;
}

const PLACERS = 10;
/** Placements per delta whose latency to every client is counted (a uniform sample keeps it cheap). */
const SAMPLE_PER_DELTA = 40;
const EVENT_ID = /"eventId":"(\d+-\d+)"/;

/**
 * @param {object} options
 * @param {number[]} options.steps client counts, ascending
 * @param {'base64' | 'binary' | 'auto'} options.format the writer's DELTA_WIRE_FORMAT
 * @param {number} options.rate placements per second during each window
 * @param {number} options.seconds length of each measurement window
 * @param {number} [options.tickMs] writer tick (default 500, the production default)
 * @param {'random' | 'drawing'} [options.pattern] where placements land (bench/lib/drawing.mjs; default random)
 * @param {'bare' | 'socket.io'} [options.frames] how clients take deltas: bare frames, as browsers ask
 *   for them (the default), or Socket.IO's framing, as a client that does not ask gets them
 */
export async function fanout({ steps, format, rate, seconds, tickMs = 500, pattern = 'random', frames = 'bare' }) {
  const nextPixel = placementPattern(pattern, { width: 1000, height: 1000, colors: 32 });
  const cluster = new Cluster();
  /** @type {Redis | undefined} */
  let sub;
  /** @type {import('../lib/sio-client.mjs').SioClient[]} */
  let clients = [];
  const rows = [];
  try {
    await cluster.start({ writerEnv: { DELTA_WIRE_FORMAT: format, TICK_MS: String(tickMs) } });
    await sleep(1_000);
    const baseline = memory(cluster.gatewayPid).rss;

    // --- what arrives where, and when ------------------------------------------------------
    /** seq → arrival times (ms, this process's clock) at every client */
    let arrivals = new Map();
    /** seq → when the writer's PUBLISH reached a Redis subscriber in this process, and the window */
    let published = new Map();
    /** @type {Array<{ sentAt: number, ackAt: number, position: { ms: number, seq: number } }>} */
    let acked = [];
    /** per placer client: ack id → sent time */
    const inFlight = new Map();
    let refused = 0;
    let recording = false;

    let messages = 0;
    // Every client gets the same frame: decode its seq once, recognise it by its first bytes after.
    let lastHead = Buffer.alloc(0);
    let lastSeq = -1;
    /** @type {number[]} */
    let lastList = [];
    /** @type {import('../lib/sio-client.mjs').ClientHandlers} */
    const handlers = {
      onFrame(_client, kind, frame, base64, at) {
        messages++;
        if (!recording || kind !== 'delta') return;
        if (lastHead.length === 0 || frame.compare(lastHead, 0, lastHead.length, 0, lastHead.length) !== 0) {
          lastSeq = frameSeq(frame, base64);
          lastHead = Buffer.from(frame.subarray(0, 16));
          let list = arrivals.get(lastSeq);
          if (!list) arrivals.set(lastSeq, (list = []));
          lastList = list;
        }
        lastList.push(at);
      },
      onAck(client, id, data, at) {
        const sentAt = inFlight.get(client.index)?.get(id);
        inFlight.get(client.index)?.delete(id);
        const match = EVENT_ID.exec(data.toString('latin1'));
        if (!match || sentAt === undefined) return void refused++;
        if (recording) acked.push({ sentAt, ackAt: at, position: parseStreamId(match[1]) });
      },
    };

    sub = new Redis(cluster.redisUrl, { lazyConnect: false });
    // The emitter's channels carry the canvas (canvasKeys().socketIo): the cluster's own canvas.
    await sub.psubscribe(`${canvasKeys(cluster.canvasId).socketIo}#/#*`);
    sub.on('pmessageBuffer', (_pattern, _channel, message) => {
      const at = performance.now();
      if (!recording) return;
      const decoded = emitterFrame(message);
      if (decoded?.event !== 'delta') return;
      let head;
      try {
        head = deltaHead(decoded.frame);
      } catch (error) {
        return void note(`a published delta did not decode: ${/** @type {Error} */ (error).message}`);
      }
      published.set(head.seq, { at, head, bytes: head.wireBytes, pixels: head.pixels });
    });

    // --- placements at a steady rate from a few placer clients -----------------------------
    let placing = false;
    let carry = 0;
    let turn = 0;
    const timer = setInterval(() => {
      if (!placing || clients.length < PLACERS) return;
      carry += rate / 50;
      const now = performance.now();
      for (; carry >= 1; carry--) {
        const placer = turn++ % PLACERS;
        const client = clients[placer];
        let pending = inFlight.get(client.index);
        if (!pending) inFlight.set(client.index, (pending = new Map()));
        const pixel = nextPixel(placer);
        const id = client.place(pixel.x, pixel.y, pixel.color);
        pending.set(id, now);
      }
    }, 20);

    let previous = { clients: 0, rss: baseline };
    for (const target of steps) {
      const ramp = await connectMany(cluster.gatewayUrl, target - clients.length, handlers, {
        auth: frames === 'bare' ? { frames: 'bare' } : undefined,
        onProgress: (n) => note(`fan-out ${format}: ${clients.length + n}/${target} connected`),
      });
      clients = clients.concat(ramp.clients);
      cluster.checkAlive();
      await sleep(2_000); // let the handshake garbage settle before reading RSS
      const idleRss = memory(cluster.gatewayPid).rss;

      // Warm the path, then measure a clean window.
      placing = true;
      await sleep(Math.max(1_000, 2 * tickMs));
      arrivals = new Map();
      lastHead = Buffer.alloc(0);
      published = new Map();
      acked = [];
      refused = 0;
      messages = 0;
      const load = loadAverage();
      const meter = cpuMeter({ gateway: cluster.gatewayPid, writer: cluster.writerPid, redis: cluster.redisPid, generator: process.pid });
      const generatorStart = process.cpuUsage();
      // Bytes every subscriber (not the placers, who also get acks) received in the window.
      const subscribers = clients.slice(PLACERS);
      for (const client of subscribers) client.bytesReceived = 0;
      const fanoutBefore = await cluster.metrics();
      const windowStart = performance.now();
      recording = true;
      meter.start();
      await sleep(seconds * 1000);
      const subscriberBytes = subscribers.reduce((sum, client) => sum + client.bytesReceived, 0);
      const windowEnd = performance.now();
      placing = false;
      const { cpu } = meter.stop();
      const generatorCpu = process.cpuUsage(generatorStart);
      const windowMessages = messages;
      // The last placements reach clients in the next tick or two; a gateway that fell behind
      // keeps delivering for longer: wait until deliveries stop (at most 15 s).
      await sleep(2 * tickMs + 500);
      for (let last = -1, waited = 0; waited < 15_000; waited += 500) {
        const delivered = [...arrivals.values()].reduce((sum, list) => sum + list.length, 0);
        if (delivered === last) break;
        last = delivered;
        await sleep(500);
      }
      recording = false;
      // The gateway's own time to hand each broadcast to every socket (its histogram): what the
      // tick→client figures would be with a generator that reads as fast as the gateway writes.
      const gatewayFanout = histogramQuantiles(fanoutBefore, await cluster.metrics(), 'tessera_gateway_fanout_duration_seconds', [0.5, 0.99]);
      const loadedRss = memory(cluster.gatewayPid).rss;
      cluster.checkAlive();

      const figures = analyse({ arrivals, published, acked, clients: clients.length, windowEnd });
      const windowSeconds = (windowEnd - windowStart) / 1000;
      const bytesPerSubscriberPerSec = subscriberBytes / Math.max(1, subscribers.length) / windowSeconds;
      const pixelsPerSec = figures.pixelsInWindow / windowSeconds;
      const record = {
        scenario: 'fanout',
        format,
        frames,
        pattern,
        clients: clients.length,
        placementsPerSec: rate,
        tickMs,
        windowSec: seconds,
        connectSec: round(ramp.seconds, 1),
        connectRetries: ramp.retries,
        deltas: figures.deltas,
        deltaBytesMean: figures.deltaBytesMean,
        deltaPixelsMean: figures.deltaPixelsMean,
        deltaFormat: figures.deltaFormat,
        // What one subscriber's WebSocket carried (frames and their headers, pings included; not TCP/IP).
        bytesPerSubscriberPerSec: round(bytesPerSubscriberPerSec, 1),
        bytesPerChangedPixel: pixelsPerSec > 0 ? round(bytesPerSubscriberPerSec / pixelsPerSec, 3) : null,
        pixelsPerSec: round(pixelsPerSec, 1),
        missedDeliveries: figures.missed,
        afterTickMs: figures.afterTick.summary(),
        gatewayFanoutMs: { broadcasts: gatewayFanout.count, p50: gatewayFanout.quantiles[0], p99: gatewayFanout.quantiles[1] },
        ackToArrivalMs: figures.ackToArrival.summary(),
        placeToVisibleMs: figures.placeToVisible.summary(),
        tickSpreadMs: figures.spread.summary(),
        placementsAcked: acked.length,
        placementsRefused: refused,
        gatewayCpuPercent: round(cpu.gateway.percent, 1),
        gatewayCpuMsPerTick: round((cpu.gateway.seconds * 1000) / Math.max(1, figures.deltasInWindow), 2),
        gatewayCpuUsPerSocketPerTick: round((cpu.gateway.seconds * 1e6) / Math.max(1, figures.deltasInWindow) / clients.length, 2),
        gatewayCpuSystemShare: round(cpu.gateway.systemShare, 2),
        writerCpuPercent: round(cpu.writer.percent, 1),
        redisCpuPercent: round(cpu.redis.percent, 1),
        generatorCpuPercent: round((100 * (generatorCpu.user + generatorCpu.system)) / 1e6 / seconds, 1),
        // The generator's own cost of receiving one frame (ws parse, kernel receive, bookkeeping).
        generatorUsPerFrame: round((generatorCpu.user + generatorCpu.system) / Math.max(1, windowMessages), 1),
        gatewayRssMB: round(loadedRss / 2 ** 20, 1),
        gatewayBaselineRssMB: round(baseline / 2 ** 20, 1),
        rssPerConnectionKB: round((idleRss - baseline) / clients.length / 1024, 2),
        // The growth from the previous step only: fixed start-up costs (heap growth, JIT) cancel out.
        rssPerAddedConnectionKB: previous.clients > 0 ? round((idleRss - previous.rss) / (clients.length - previous.clients) / 1024, 2) : null,
        loadavg: { start: load, end: loadAverage() },
      };
      previous = { clients: clients.length, rss: idleRss };
      emit(record);
      rows.push({
        format,
        frames,
        pattern,
        'px/s': record.placementsPerSec,
        clients: record.clients,
        'open s': record.connectSec,
        deltas: record.deltas,
        'delta B': record.deltaBytesMean,
        'B/sub/s': record.bytesPerSubscriberPerSec,
        'B/px': record.bytesPerChangedPixel,
        missed: record.missedDeliveries,
        'tick→client p50': record.afterTickMs.p50,
        p99: record.afterTickMs.p99,
        max: record.afterTickMs.max,
        'gw fan-out p99 ≤': record.gatewayFanoutMs.p99,
        'ack→client p50': record.ackToArrivalMs.p50,
        'ack p99': record.ackToArrivalMs.p99,
        'place→visible p95': record.placeToVisibleMs.p95,
        'gw cpu %': record.gatewayCpuPercent,
        'gw ms/tick': record.gatewayCpuMsPerTick,
        'gw µs/socket': record.gatewayCpuUsPerSocketPerTick,
        'gw sys': record.gatewayCpuSystemShare,
        'gen cpu %': record.generatorCpuPercent,
        'gen µs/frame': record.generatorUsPerFrame,
        'KB/conn': record.rssPerConnectionKB,
        'KB/added conn': record.rssPerAddedConnectionKB,
        load1: record.loadavg.end[0],
      });
    }
    clearInterval(timer);
  } finally {
    for (const client of clients) client.close();
    sub?.disconnect();
    await cluster.stop();
  }
  return rows;
}

/**
 * @param {object} input
 * @param {Map<number, number[]>} input.arrivals
 * @param {Map<number, { at: number, head: ReturnType<typeof deltaHead>, bytes: number, pixels: number }>} input.published
 * @param {Array<{ sentAt: number, ackAt: number, position: { ms: number, seq: number } }>} input.acked
 * @param {number} input.clients
 * @param {number} input.windowEnd end of the CPU measurement
 */
function analyse({ arrivals, published, acked, clients, windowEnd }) {
  const afterTick = new Histogram();
  const ackToArrival = new Histogram();
  const placeToVisible = new Histogram();
  const spread = new Histogram();
  let missed = 0;
  let bytes = 0;
  let pixels = 0;
  const seqs = [...published.keys()].sort((a, b) => a - b);
  // Every delta published in the window: how long after the publish each client had it.
  for (const seq of seqs) {
    const pub = published.get(seq);
    const times = arrivals.get(seq) ?? [];
    missed += Math.max(0, clients - times.length);
    bytes += pub.bytes;
    pixels += pub.pixels;
    let first = Infinity;
    let last = -Infinity;
    for (const t of times) {
      afterTick.add(t - pub.at);
      if (t < first) first = t;
      if (t > last) last = t;
    }
    if (times.length > 0) spread.add(last - first);
    if (process.env.BENCH_DEBUG)
      note(`seq ${seq}: ${pub.bytes} B, first +${(first - pub.at).toFixed(1)} ms, last +${(last - pub.at).toFixed(1)} ms, ${times.length} clients`);
  }
  // Each acknowledged placement belongs to the first delta whose window ends at or after it.
  const windows = seqs.map((seq) => ({ seq, end: published.get(seq).head.end, start: published.get(seq).head.start }));
  /** @type {Map<number, typeof acked>} */
  const bySeq = new Map();
  for (const placement of acked) {
    const hit = windows.find((w) => comparePositions(placement.position, w.start) > 0 && comparePositions(placement.position, w.end) <= 0);
    if (!hit) continue; // acknowledged before the window's first delta or after the last
    let list = bySeq.get(hit.seq);
    if (!list) bySeq.set(hit.seq, (list = []));
    list.push(placement);
  }
  for (const [seq, placements] of bySeq) {
    const times = arrivals.get(seq) ?? [];
    const sample = placements.length <= SAMPLE_PER_DELTA ? placements : pick(placements, SAMPLE_PER_DELTA);
    for (const placement of sample) {
      for (const t of times) {
        ackToArrival.add(t - placement.ackAt);
        placeToVisible.add(t - placement.sentAt);
      }
    }
  }
  return {
    afterTick,
    ackToArrival,
    placeToVisible,
    spread,
    missed,
    deltas: seqs.length,
    deltasInWindow: seqs.filter((seq) => published.get(seq).at <= windowEnd).length,
    deltaBytesMean: seqs.length ? Math.round(bytes / seqs.length) : 0,
    deltaPixelsMean: seqs.length ? Math.round(pixels / seqs.length) : 0,
    pixelsInWindow: seqs.filter((seq) => published.get(seq).at <= windowEnd).reduce((sum, seq) => sum + published.get(seq).pixels, 0),
    deltaFormat: seqs.length ? `v${published.get(seqs[0]).head.version}${published.get(seqs[0]).head.deflated ? '+deflate' : ''}` : null,
  };
}

/** @template T @param {T[]} list @param {number} n */
function pick(list, n) {
  const copy = [...list];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(Math.random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}

/**
 * Quantiles of what a Prometheus histogram observed between two scrapes, in ms: each the upper
 * bound of the bucket the quantile falls in (so "≤"), Infinity past the last bound.
 * @param {Map<string, number>} before @param {Map<string, number>} after @param {string} name @param {number[]} qs
 */
function histogramQuantiles(before, after, name, qs) {
  const prefix = `${name}_bucket{le="`;
  const buckets = [...after.keys()]
    .filter((key) => key.startsWith(prefix))
    .map((key) => ({ le: Number(key.slice(prefix.length, -2).replace('+Inf', 'Infinity')), count: (after.get(key) ?? 0) - (before.get(key) ?? 0) }))
    .sort((a, b) => a.le - b.le);
  const count = buckets.at(-1)?.count ?? 0;
  const quantiles = qs.map((q) => {
    const bucket = buckets.find((b) => b.count >= q * count);
    return count === 0 || !bucket ? null : bucket.le * 1000;
  });
  return { count, quantiles };
}
