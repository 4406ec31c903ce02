// Cold start: what a new player downloads to see the canvas (bytes per encoding, time with the
// gateway's cache cold and warm, time to decode it into a replica), and what ten thousand
// players arriving at once cost Redis.
import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { canvasKeys, CanvasReplica, decodeCanvas } from '@tessera/protocol';
import { Redis } from 'ioredis';
import { coverage, FILL_DESCRIPTIONS, makeCanvas, writeCanvas } from '../lib/canvas-fill.mjs';
import { Cluster } from '../lib/cluster.mjs';
import { cpuMeter } from '../lib/proc-stats.mjs';
import { sourceAddresses } from '../lib/sio-client.mjs';
import { emit, Histogram, loadAverage, median, note, round, sleep } from '../lib/stats.mjs';

const CACHE_MS = 1_000; // the gateway's default CANVAS_CACHE_MS
const READS = 'tessera_canvas_reads_total{source="redis"}';

/**
 * @param {object} options
 * @param {Array<{ side: number, fill: string }>} options.canvases fill: realistic, dense or random
 * @param {number} options.herd clients requesting the canvas at once (on the first canvas)
 * @param {number} [options.warmRepeats]
 */
export async function coldStart({ canvases, herd, warmRepeats = 5 }) {
  const cluster = new Cluster();
  const rows = [];
  const records = [];
  let redis;
  try {
    await cluster.start({ writer: false, gatewayEnv: { CANVAS_WIDTH: String(canvases[0].side), CANVAS_HEIGHT: String(canvases[0].side) } });
    redis = new Redis(cluster.redisUrl);
    const keys = canvasKeys(cluster.canvasId);
    const url = `${cluster.gatewayUrl}/api/canvas/data`;
    /** A new stream position makes the next read a cache miss with a new ETag (nothing cached survives). */
    const invalidate = async () => {
      await redis.xadd(keys.events, '*', 'x', '0', 'y', '0', 'c', '0', 'u', 'bench');
      await sleep(CACHE_MS + 100);
    };

    for (const [index, { side, fill }] of canvases.entries()) {
      const pixels = makeCanvas(side, side, /** @type {'realistic' | 'dense' | 'random'} */ (fill));
      const config = await redis.hgetall(keys.config);
      if (Number(config.width) !== side) await redis.hset(keys.config, 'width', side, 'height', side, 'version', Number(config.version) + 1);
      await redis.del(...(await redis.keys(`${keys.prefix}chunk:*`)), 'bench-none');
      await writeCanvas(redis, cluster.canvasId, pixels, side, side);
      await invalidate();

      /** @type {Record<string, { bytes: number, headerBytes: number, coldMs: number, warmMs: number, decodeMs: number }>} */
      const byEncoding = {};
      // Cold: br first (pays the Redis read, encoding and brotli), then gzip and identity (pay their compression).
      for (const encoding of ['br', 'gzip', 'identity']) {
        const cold = await get(url, encoding);
        const warm = [];
        for (let i = 0; i < warmRepeats; i++) warm.push((await get(url, encoding)).ms);
        // Median of three: the first decode also pays for JIT compilation.
        const decodeMs = median([0, 1, 2].map(() => timeDecode(cold.body, encoding, side)));
        byEncoding[encoding] = {
          bytes: cold.body.length,
          headerBytes: cold.headerBytes,
          coldMs: round(cold.ms, 1),
          warmMs: round(median(warm), 2),
          decodeMs: round(decodeMs, 1),
        };
      }
      const record = {
        scenario: 'cold-start',
        width: side,
        height: side,
        fill,
        fillDescription: FILL_DESCRIPTIONS[/** @type {keyof typeof FILL_DESCRIPTIONS} */ (fill)],
        coverage: round(coverage(pixels), 3),
        rawPixels: side * side,
        encodings: byEncoding,
        loadavg: loadAverage(),
      };

      if (index === 0 && herd > 0) {
        await invalidate();
        const before = (await cluster.metrics()).get(READS) ?? 0;
        const meter = cpuMeter({ gateway: cluster.gatewayPid, redis: cluster.redisPid });
        meter.start();
        const result = await stampede(url, herd);
        const { cpu } = meter.stop();
        const after = (await cluster.metrics()).get(READS) ?? 0;
        record.herd = {
          clients: herd,
          ok: result.ok,
          failed: result.failed,
          redisReads: after - before,
          seconds: round(result.seconds, 2),
          latencyMs: result.latency.summary(0),
          megabytes: round(result.bytes / 2 ** 20, 1),
          gatewayCpuSeconds: round(cpu.gateway.seconds, 2),
          redisCpuSeconds: round(cpu.redis.seconds, 3),
        };
      }
      records.push(record);
      emit(record);
      for (const [encoding, e] of Object.entries(byEncoding)) {
        rows.push({
          canvas: `${side}×${side} ${fill}`,
          encoding,
          'body KB': round(e.bytes / 1024, 1),
          'cold ms': e.coldMs,
          'warm ms': e.warmMs,
          'decode ms': e.decodeMs,
        });
      }
      cluster.checkAlive();
    }
    const herdRecord = records.find((r) => r.herd);
    /** @type {Array<Array<Record<string, unknown>>>} */
    const tables = [rows];
    if (herdRecord?.herd) {
      const h = herdRecord.herd;
      tables.push([
        {
          canvas: `${herdRecord.width}×${herdRecord.height} ${herdRecord.fill}`,
          clients: h.clients,
          ok: h.ok,
          failed: h.failed,
          'redis reads': h.redisReads,
          seconds: h.seconds,
          'p50 ms': h.latencyMs.p50,
          'p99 ms': h.latencyMs.p99,
          MB: h.megabytes,
          'gw cpu s': h.gatewayCpuSeconds,
        },
      ]);
    }
    return tables;
  } finally {
    redis?.disconnect();
    await cluster.stop();
  }
}

/**
 * One GET without keep-alive, as a new player makes it, counting compressed bytes as received.
 * @param {string} url @param {string} encoding @param {string} [localAddress]
 * @returns {Promise<{ body: Buffer, headerBytes: number, ms: number }>}
 */
function get(url, encoding, localAddress) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const request = http.get(
      url,
      { agent: false, localAddress, headers: { 'accept-encoding': encoding === 'identity' ? 'identity' : encoding } },
      (response) => {
        /** @type {Buffer[]} */
        const parts = [];
        response.on('data', (part) => parts.push(part));
        response.on('end', () => {
          if (response.statusCode !== 200) {
            reject(new Error(`GET ${url}: ${response.statusCode}`));
            return;
          }
          const headerBytes = response.rawHeaders.reduce((sum, h) => sum + h.length + 2, 17);
          resolve({ body: Buffer.concat(parts), headerBytes, ms: performance.now() - started });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
  });
}

/** What a browser does with the body: decompress, decode, install into a replica. */
function timeDecode(/** @type {Buffer} */ body, /** @type {string} */ encoding, /** @type {number} */ side) {
  const started = performance.now();
  const raw = encoding === 'br' ? brotliDecompressSync(body) : encoding === 'gzip' ? gunzipSync(body) : body;
  const decoded = decodeCanvas(new Uint8Array(raw.buffer, raw.byteOffset, raw.length));
  if (!decoded.ok) throw /** @type {{ error: Error }} */ (decoded).error;
  const replica = new CanvasReplica();
  replica.loadCanvas(decoded.value);
  if (replica.width !== side) throw new Error('decoded canvas has the wrong size');
  return performance.now() - started;
}

/**
 * `count` new players requesting the canvas at the same moment, each on its own connection,
 * spread over source addresses.
 * @param {string} url @param {number} count
 */
async function stampede(url, count) {
  const addresses = sourceAddresses();
  const latency = new Histogram(120_000);
  let ok = 0;
  let failed = 0;
  let bytes = 0;
  const started = performance.now();
  note(`cold start: ${count} clients requesting the canvas at once`);
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const t = performance.now();
      try {
        const { body } = await get(url, 'br', addresses[i % addresses.length]);
        latency.add(performance.now() - t);
        bytes += body.length;
        ok++;
      } catch {
        failed++;
      }
    }),
  );
  return { ok, failed, bytes, latency, seconds: (performance.now() - started) / 1000 };
}
