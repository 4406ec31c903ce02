// What the pixel-ownership index costs: the placement script (store/lua/place-pixels.lua, one
// placement a call as createPixelPlacer sends it) against the same script without its phase 4, the
// ownership index's reads and writes (cut out here at load, so the two never drift apart; the same
// commands drive both), on one fresh redis-server, driven with pre-formatted RESP over one connection (so Redis, not the
// client, is what saturates), rounds alternating so a neighbour's load on this shared machine
// hits both alike. Then the index's memory: 1,000,000 distinct pixels placed by 10,000 users,
// measured with MEMORY USAGE on every key it adds.
//
//   node bench/lib/owner-index-cost.mjs [seconds per round=5] [rounds=3]
//
// Prints one JSON line (and a short table on stderr).
import net from 'node:net';
import { canvasKeys } from '@tessera/protocol';
import { loadLua, placePixelsArgs, SCRIPTS } from '@tessera/store';
import { Redis } from 'ioredis';
import { startRedis } from '../../scripts/lib/redis-server.mjs';

const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 3);
const SIDE = 2000;
const USERS = 10_000;
const STREAM_MAX_LEN = 500_000;
const IN_FLIGHT = 1024;
const canvasId = 'owner-bench';
const keys = canvasKeys(canvasId);
const argsOf = placePixelsArgs(canvasId, STREAM_MAX_LEN);

const server = await startRedis();
const admin = new Redis(server.url);
try {
  await admin.hset(keys.config, { width: SIDE, height: SIDE, palette: '[]', paletteSize: 32, cooldownMs: 0, paused: 0, version: 1 });
  const script = loadLua(SCRIPTS.tesseraPlacePixels);
  const withOwners = /** @type {string} */ (await admin.script('LOAD', script));
  const without = /** @type {string} */ (await admin.script('LOAD', withoutOwnerIndex(script)));
  await prefill(STREAM_MAX_LEN);

  const results = {
    with: /** @type {number[]} */ ([]),
    without: /** @type {number[]} */ ([]),
    withUs: /** @type {number[]} */ ([]),
    withoutUs: /** @type {number[]} */ ([]),
  };
  for (let round = 0; round < rounds; round++) {
    for (const variant of /** @type {const} */ (['without', 'with'])) {
      const pool = commands(variant === 'with' ? withOwners : without, 20_000, () => randomPixel());
      const { perSec, redisUsPerPlacement } = await drive(pool, seconds);
      results[variant].push(Math.round(perSec));
      process.stderr.write(`${variant}: ${Math.round(perSec)}/s, ${redisUsPerPlacement.toFixed(1)} µs of Redis CPU each\n`);
      results[variant === 'with' ? 'withUs' : 'withoutUs'].push(Math.round(redisUsPerPlacement * 10) / 10);
    }
  }

  // Memory: every pixel of a 1000 × 1000 square placed once, by 10,000 users.
  await admin.flushall();
  await admin.hset(keys.config, { width: SIDE, height: SIDE, palette: '[]', paletteSize: 32, cooldownMs: 0, paused: 0, version: 1 });
  await admin.script('LOAD', script);
  let next = 0;
  const square = commands(withOwners, 1_000_000, () => ({ x: next % 1000, y: Math.floor(next++ / 1000) }));
  await driveOnce(square);
  let owners = 0;
  let chunks = 0;
  for (let cy = 0; cy < 4; cy++) {
    for (let cx = 0; cx < 4; cx++) {
      owners += Number(await admin.memory('USAGE', keys.owners(cx, cy), 'SAMPLES', 0));
      chunks += Number(await admin.memory('USAGE', keys.chunk(cx, cy), 'SAMPLES', 0));
    }
  }
  const userTable = Number(await admin.memory('USAGE', keys.userNumbers, 'SAMPLES', 0));
  const median = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const record = {
    scenario: 'owner-index',
    seconds,
    rounds,
    perSecWithout: results.without,
    perSecWith: results.with,
    medianWithout: median(results.without),
    medianWith: median(results.with),
    ratio: Math.round((median(results.with) / median(results.without)) * 100) / 100,
    redisUsPerPlacementWithout: results.withoutUs,
    redisUsPerPlacementWith: results.withUs,
    memory: {
      pixels: 1_000_000,
      users: USERS,
      ownersBytes: owners,
      userTableBytes: userTable,
      chunkBytes: chunks,
      ownersMiBPerMillionPixels: Math.round((owners / 2 ** 20) * 100) / 100,
      userTableBytesPerUser: Math.round(userTable / USERS),
    },
  };
  process.stderr.write(
    `placements/s without the index ${record.perSecWithout.join(', ')}; with it ${record.perSecWith.join(', ')} (median ratio ${record.ratio})\n` +
      `redis µs/placement without ${record.redisUsPerPlacementWithout.join(', ')}; with ${record.redisUsPerPlacementWith.join(', ')}\n` +
      `1M pixels: owners ${(owners / 2 ** 20).toFixed(2)} MiB, user table (10k users) ${(userTable / 1024).toFixed(0)} KiB, the chunks themselves ${(chunks / 2 ** 20).toFixed(2)} MiB\n`,
  );
  process.stdout.write(`${JSON.stringify(record)}\n`);
} finally {
  admin.disconnect();
  await server.stop();
}

/** place-pixels.lua without its phase 4, the ownership index (the user-number lookups and owner writes). */
function withoutOwnerIndex(/** @type {string} */ source) {
  const from = source.indexOf('\n-- Phase 4: the ownership index.');
  const to = source.indexOf('\nfor i = 1, count do\n  results', from);
  if (from < 0 || to < 0) throw new Error('place-pixels.lua no longer has the phase 4 this benchmark cuts out: update withoutOwnerIndex');
  return source.slice(0, from) + source.slice(to);
}

function randomPixel() {
  return { x: (Math.random() * SIDE) | 0, y: (Math.random() * SIDE) | 0 };
}

/**
 * Pre-formatted EVALSHA commands with the gateway's key shapes (guest user and IP cooldown keys,
 * cooldown 0, no address prefixes), one placement each.
 * @param {string} sha @param {number} count @param {() => { x: number, y: number }} pixel
 */
function commands(sha, count, pixel) {
  return Array.from({ length: count }, (_, i) => {
    const { x, y } = pixel();
    const request = { x, y, color: 1 + (i % 31), userId: `g_bench${i % USERS}`, ip: '127.0.0.1', applyIpCooldown: true };
    const parts = [sha, ...argsOf([request])].map(String);
    let out = `*${parts.length + 1}\r\n$7\r\nEVALSHA\r\n`;
    for (const p of parts) out += `$${Buffer.byteLength(p)}\r\n${p}\r\n`;
    return Buffer.from(out);
  });
}

async function redisCpuSeconds() {
  const info = await admin.info('cpu');
  const value = (/** @type {string} */ name) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return value('used_cpu_user') + value('used_cpu_sys');
}

/** Keeps IN_FLIGHT commands outstanding for `duration` s (after 1 s of warm-up), cycling the pool. */
async function drive(/** @type {Buffer[]} */ pool, /** @type {number} */ duration) {
  let placed = 0;
  let measuring = false;
  let running = true;
  const done = pump(
    pool,
    true,
    () => running,
    (ok) => {
      if (measuring && ok) placed++;
    },
  );
  await sleep(1_000);
  const cpuStart = await redisCpuSeconds();
  measuring = true;
  const started = performance.now();
  await sleep(duration * 1000);
  measuring = false;
  const elapsed = (performance.now() - started) / 1000;
  const cpu = (await redisCpuSeconds()) - cpuStart;
  running = false;
  await done;
  return { perSec: placed / elapsed, redisUsPerPlacement: (cpu * 1e6) / Math.max(1, placed) };
}

/** Sends every command of the pool once. */
function driveOnce(/** @type {Buffer[]} */ pool) {
  return pump(
    pool,
    false,
    () => true,
    () => undefined,
  );
}

/**
 * @param {Buffer[]} pool @param {boolean} cycle @param {() => boolean} running
 * @param {(ok: boolean) => void} onReply
 */
function pump(pool, cycle, running, onReply) {
  const { hostname, port } = new URL(server.url);
  const socket = net.connect({ host: hostname, port: Number(port), noDelay: true });
  let outstanding = 0;
  let next = 0;
  let answered = 0;
  return new Promise((resolve, reject) => {
    const finish = () => {
      socket.destroy();
      resolve(undefined);
    };
    const refill = () => {
      if (!running()) {
        if (outstanding === 0) finish();
        return;
      }
      const left = cycle ? Infinity : pool.length - next;
      const n = Math.min(IN_FLIGHT - outstanding, left);
      // Large batches, except the last few commands of a one-pass pool.
      if (n <= 0 || (n < IN_FLIGHT / 4 && left > n)) return;
      const batch = [];
      for (let i = 0; i < n; i++) batch.push(pool[cycle ? next++ % pool.length : next++]);
      outstanding += n;
      socket.write(Buffer.concat(batch));
    };
    // Every reply is `*4`, the config version, the code, then the event id: a bulk string, `$0` for
    // a refusal, and the only line of a reply that starts with '$'. An error starts a line with '-'.
    let previous = 0x0a;
    let pending = false;
    const answer = (/** @type {boolean} */ ok) => {
      outstanding--;
      answered++;
      onReply(ok);
    };
    socket.on('data', (/** @type {Buffer} */ data) => {
      for (const c of data) {
        if (pending) {
          answer(c !== 0x30);
          pending = false;
        } else if (previous === 0x0a) {
          if (c === 0x24) pending = true;
          else if (c === 0x2d) answer(false);
        }
        previous = c;
      }
      if (!cycle && answered >= pool.length) {
        finish();
        return;
      }
      refill();
    });
    socket.on('error', reject);
    socket.on('connect', refill);
  });
}

/** Fills the event stream to its cap with placement-shaped entries, so every XADD also trims. */
async function prefill(/** @type {number} */ count) {
  for (let done = 0; done < count; done += 10_000) {
    const pipeline = admin.pipeline();
    for (let i = 0; i < 10_000; i++) pipeline.xadd(keys.events, 'MAXLEN', '~', STREAM_MAX_LEN, '*', 'x', 1, 'y', 1, 'c', 1, 'u', 'g_prefill', 'p', 0);
    await pipeline.exec();
  }
}

function sleep(/** @type {number} */ ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
