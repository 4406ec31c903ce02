// Placement throughput: clients placing as fast as a zero cooldown allows through one gateway,
// each keeping a window of placements in flight; then, in the same run and against the same
// redis-server, the bare placement script driven directly (the ceiling).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster, PIN, pinned, ROOT } from '../lib/cluster.mjs';
import { cpuMeter } from '../lib/proc-stats.mjs';
import { connectMany } from '../lib/sio-client.mjs';
import { emit, Histogram, loadAverage, note, round, sleep } from '../lib/stats.mjs';

const run = promisify(execFile);
const OK = Buffer.from('[{"ok":true');
/**
 * The stream is capped (STREAM_MAX_LEN) and pre-filled to the cap, so the gateway and the bare
 * script both run in the steady state of a long event, where every XADD also trims.
 */
const STREAM_MAX_LEN = 500_000; // the gateway's minimum (two of the largest admin erases)
/**
 * The peer the targets of issue 14 are set against: PixelPlanet measured on this machine with the
 * same generator (1 pixel per message, closed-loop placers, server pinned to one core), two rounds.
 * Tessera's targets: ≥ 36,000 accepted/s; ack p99 ≤ 100 ms at 16,000/s; ≥ 150,000/s batched on Redis.
 */
const PEER_REFERENCE = [
  { path: 'PixelPlanet (reference), saturation', 'accepted/s': '17,968 / 18,512' },
  { path: 'PixelPlanet (reference), 2,000 placers', 'accepted/s': '~16,000', 'ack p99 ms': '66–104' },
];

/**
 * The ceiling drivers: [driver, connections, commands in flight per connection, placements per
 * command]. The `-batch` drivers send the batched script the gateway sends (place-pixels.lua).
 */
const CEILING_DRIVERS = /** @type {const} */ ([
  ['raw', 1, 1024, 1],
  ['ioredis', 4, 256, 1],
  ['raw-batch', 1, 16, 64],
  ['ioredis-batch', 4, 4, 64],
]);

/**
 * @param {object} options
 * @param {Array<{ clients: number, window: number, rate?: number }>} options.loads in-flight shapes
 *   to try; with `rate`, an open-loop load instead: that many placements a second spread over the
 *   clients, none sent by a client that already has `window` unanswered (the issue's latency figure)
 * @param {number} options.seconds measurement window per shape
 * @param {number} options.ceilingSeconds
 * @param {string} [options.gatewayNodeOptions] NODE_OPTIONS for the gateway (V8 flags to compare)
 */
export async function placement({ loads, seconds, ceilingSeconds, gatewayNodeOptions }) {
  const cluster = new Cluster();
  const rows = [];
  /** @type {import('../lib/sio-client.mjs').SioClient[]} */
  let clients = [];
  try {
    await cluster.start({
      gatewayEnv: { STREAM_MAX_LEN: String(STREAM_MAX_LEN), ...(gatewayNodeOptions ? { NODE_OPTIONS: gatewayNodeOptions } : {}) },
    });
    await prefillStream(cluster, STREAM_MAX_LEN);
    const maxClients = Math.max(...loads.map((l) => l.clients));
    let window = 0;
    let paced = false;
    /** Clients currently part of the load. */
    let active = new Set();
    let measuring = false;
    let accepted = 0;
    /** @type {Map<string, number>} */
    const refused = new Map();
    let latency = new Histogram(10_000);
    /** per client: ack id → sent time */
    const sentAt = new Map();

    const placeNext = (/** @type {import('../lib/sio-client.mjs').SioClient} */ client, /** @type {number} */ now) => {
      const id = client.place((Math.random() * 1000) | 0, (Math.random() * 1000) | 0, 1 + ((Math.random() * 31) | 0));
      sentAt.get(client.index).set(id, now);
    };
    /** @type {import('../lib/sio-client.mjs').ClientHandlers} */
    const handlers = {
      onAck(client, id, data, at) {
        const pending = sentAt.get(client.index);
        const sent = pending.get(id);
        pending.delete(id);
        if (measuring) {
          if (sent !== undefined) latency.add(at - sent);
          const start = data.indexOf(0x5b); // '['
          if (data.compare(OK, 0, OK.length, start, start + OK.length) === 0) accepted++;
          else {
            const code = /"error":"([A-Z_]+)"/.exec(data.toString('latin1'))?.[1] ?? 'unknown';
            refused.set(code, (refused.get(code) ?? 0) + 1);
          }
        }
        // Keep this client's window full while it is part of the load (closed loop only).
        if (!paced && active.has(client) && pending.size < window) placeNext(client, at);
      },
    };
    /** Sends `rate` placements a second round-robin over `group`, skipping clients with a full window. */
    const pace = (/** @type {import('../lib/sio-client.mjs').SioClient[]} */ group, /** @type {number} */ rate) => {
      let last = performance.now();
      let owed = 0;
      let next = 0;
      return setInterval(() => {
        const now = performance.now();
        owed += ((now - last) * rate) / 1000;
        last = now;
        for (let tries = 0; owed >= 1 && tries < group.length; tries++) {
          const client = group[next++ % group.length];
          if (!client || sentAt.get(client.index).size >= window) continue;
          placeNext(client, now);
          owed--;
          tries = 0;
        }
        owed = Math.min(owed, rate / 100); // a stalled gateway is not owed a burst afterwards
      }, 5);
    };
    const ramp = await connectMany(cluster.gatewayUrl, maxClients, handlers);
    clients = ramp.clients.sort((a, b) => a.index - b.index);
    for (const client of clients) sentAt.set(client.index, new Map());
    note(`placement: ${clients.length} clients connected in ${round(ramp.seconds, 1)} s`);

    for (const load of loads) {
      active = new Set(clients.slice(0, load.clients));
      window = load.window;
      paced = load.rate !== undefined;
      const pacer = paced ? pace(clients.slice(0, load.clients), load.rate ?? 0) : undefined;
      const now = performance.now();
      if (!paced) for (const client of active) while (sentAt.get(client.index).size < window) placeNext(client, now);
      await sleep(2_000); // warm-up: JIT, autopipelining batches, stream growth
      accepted = 0;
      refused.clear();
      latency = new Histogram(10_000);
      const load1 = loadAverage();
      const meter = cpuMeter({ gateway: cluster.gatewayPid, redis: cluster.redisPid, writer: cluster.writerPid, generator: process.pid });
      measuring = true;
      meter.start();
      await sleep(seconds * 1000);
      const { seconds: elapsed, cpu } = meter.stop();
      measuring = false;
      if (pacer) clearInterval(pacer);
      const perSec = accepted / elapsed;
      const gatewayCpuSeconds = cpu.gateway.seconds;
      rows.push({
        kind: 'gateway',
        clients: active.size,
        window,
        rate: load.rate,
        inFlight: active.size * window,
        perSec: Math.round(perSec),
        ackP50Ms: round(latency.percentile(50), 2),
        ackP99Ms: round(latency.percentile(99), 2),
        refused: [...refused.values()].reduce((a, b) => a + b, 0),
        refusedBy: Object.fromEntries(refused),
        gatewayCpu: round(cpu.gateway.percent, 0),
        gatewayCpuSystemShare: round(cpu.gateway.systemShare, 2),
        redisCpu: round(cpu.redis.percent, 0),
        writerCpu: round(cpu.writer.percent, 0),
        generatorCpu: round(cpu.generator.percent, 0),
        gatewayUsPerPlacement: round((gatewayCpuSeconds * 1e6) / Math.max(1, accepted), 1),
        redisUsPerPlacement: round((cpu.redis.seconds * 1e6) / Math.max(1, accepted), 1),
        loadavg: { start: load1, end: loadAverage() },
      });
      // Drain this shape's window before the next one.
      active = new Set();
      await sleep(500);
      cluster.checkAlive();
    }
    for (const client of clients) client.close();
    clients = [];

    // The ceiling, against the same redis-server, the gateway idle: the driver gets the gateway's core.
    const ceilings = [];
    for (const [driver, connections, inFlight, batch] of CEILING_DRIVERS) {
      const load1 = loadAverage();
      const meter = cpuMeter({ redis: cluster.redisPid });
      meter.start();
      const script = [
        `${ROOT}bench/lib/lua-ceiling.mjs`,
        driver,
        cluster.redisUrl,
        cluster.canvasId,
        String(ceilingSeconds),
        String(connections),
        String(inFlight),
        String(STREAM_MAX_LEN),
        String(batch),
        String(cluster.redisPid),
      ];
      const { command, args } = pinned(PIN.aside, process.execPath, script);
      const { stdout } = await run(command, args, { cwd: ROOT });
      const { cpu } = meter.stop();
      const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
      // Redis's CPU a placement in the measured seconds: what one Redis core would place if it had
      // the core to itself (the driver shares it here), network work included.
      const redisCpuUsPerPlacement = (result.redisCpuSeconds * 1e6) / Math.max(1, result.placed + result.refused);
      ceilings.push({
        ...result,
        batch,
        redisCpuUsPerPlacement: round(redisCpuUsPerPlacement, 2),
        placementsPerSecPerRedisCore: Math.round(1e6 / redisCpuUsPerPlacement),
        perSec: Math.round(result.perSec),
        redisCpu: round(cpu.redis.percent, 0),
        redisUsPerPlacement: round((cpu.redis.seconds * 1e6) / Math.max(1, result.placed), 1),
        loadavg: { start: load1, end: loadAverage() },
      });
    }
    // The issue's ceiling: the script driven through ioredis, pipelined over several connections.
    // The raw driver shows where Redis itself would stop (its client costs a few µs, not ~30).
    const ceiling = ceilings.find((c) => c.driver === 'ioredis') ?? ceilings[0];
    const redisLimit = ceilings.find((c) => c.driver === 'raw') ?? ceiling;
    // What one Redis primary places with the batched script (the issue's Redis-side target).
    const batchLimit = ceilings.find((c) => c.driver === 'raw-batch') ?? redisLimit;
    const best = rows.reduce((a, b) => (b.perSec > a.perSec ? b : a));
    const record = {
      scenario: 'placement',
      gatewayNodeOptions: gatewayNodeOptions ?? '',
      pinned: PIN.enabled,
      best: { clients: best.clients, window: best.window, perSec: best.perSec, ackP50Ms: best.ackP50Ms, ackP99Ms: best.ackP99Ms },
      ceilingPerSec: ceiling.perSec,
      ratio: round(best.perSec / ceiling.perSec, 2),
      redisLimitPerSec: redisLimit.perSec,
      ratioToRedisLimit: round(best.perSec / redisLimit.perSec, 2),
      batchedRedisLimitPerSec: batchLimit.perSec,
      // The Redis-side target (≥ 150,000/s on one primary): one Redis core at the batched script's CPU a placement.
      batchedPerSecPerRedisCore: Math.max(...ceilings.filter((c) => c.batch > 1).map((c) => c.placementsPerSecPerRedisCore)),
      // What one fully busy gateway core would do at the measured CPU cost per placement.
      gatewayCoreCapacityPerSec: Math.round(1e6 / best.gatewayUsPerPlacement),
      streamMaxLen: STREAM_MAX_LEN,
      shapes: rows,
      ceilings,
    };
    emit(
      record,
      [
        ...rows.map((r) => ({
          path: r.rate ? `gateway, paced ${r.rate}/s` : 'gateway',
          clients: r.clients,
          'in flight': r.inFlight,
          'accepted/s': r.perSec,
          'ack p50 ms': r.ackP50Ms,
          'ack p99 ms': r.ackP99Ms,
          refused: r.refused,
          'gw cpu %': r.gatewayCpu,
          'gw µs/place': r.gatewayUsPerPlacement,
          'gw sys': r.gatewayCpuSystemShare,
          'redis cpu %': r.redisCpu,
          'redis µs/place': r.redisUsPerPlacement,
          'gen cpu %': r.generatorCpu,
          load1: r.loadavg.end[0],
        })),
        ...PEER_REFERENCE,
        ...ceilings.map((c) => ({
          path: `bare Lua (${c.driver}${c.batch > 1 ? `, ${c.batch} a call` : ''})`,
          clients: c.connections,
          'in flight': c.connections * c.inFlight * c.batch,
          'accepted/s': c.perSec,
          refused: c.refused + c.errors,
          'redis cpu %': c.redisCpu,
          'redis µs/place': c.redisCpuUsPerPlacement,
          'place/s per redis core': c.placementsPerSecPerRedisCore,
          load1: c.loadavg.end[0],
        })),
      ],
      `placement throughput${gatewayNodeOptions ? ` with gateway NODE_OPTIONS=${gatewayNodeOptions}` : ''} (best/ioredis ceiling ${record.ratio}, best/raw ${record.ratioToRedisLimit}; one gateway core at the measured µs/placement: ${record.gatewayCoreCapacityPerSec}/s)`,
    );
    return record;
  } finally {
    for (const client of clients) client.close();
    await cluster.stop();
  }
}

/** Fills the event stream up to its cap with placement-shaped entries (pipelined XADD). */
async function prefillStream(/** @type {Cluster} */ cluster, /** @type {number} */ count) {
  const { Redis } = await import('ioredis');
  const { canvasKeys } = await import('@tessera/protocol');
  const redis = new Redis(cluster.redisUrl);
  const key = canvasKeys(cluster.canvasId).events;
  for (let done = 0; done < count; done += 5_000) {
    const batch = redis.pipeline();
    for (let i = 0; i < 5_000; i++) batch.xadd(key, '*', 'x', i % 1000, 'y', (i / 1000) | 0, 'c', 1, 'u', 'g_prefill');
    await batch.exec();
  }
  redis.disconnect();
}
