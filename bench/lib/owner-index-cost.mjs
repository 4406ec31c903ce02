// What the pixel-ownership index costs: the placement script with it (store/lua/place-pixel-9.lua)
// against the script as it was before it (place-pixel-without-owners-7.lua, a bench fixture), on
// one fresh redis-server, driven with pre-formatted RESP over one connection (so Redis, not the
// client, is what saturates), rounds alternating so a neighbour's load on this shared machine
// hits both alike. Then the index's memory: 1,000,000 distinct pixels placed by 10,000 users,
// measured with MEMORY USAGE on every key it adds.
//
//   node bench/lib/owner-index-cost.mjs [seconds per round=5] [rounds=3]
//
// Prints one JSON line (and a short table on stderr).
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { canvasKeys, chunkOf } from '@tessera/protocol';
import { loadLua } from '@tessera/store';
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

const server = await startRedis();
const admin = new Redis(server.url);
try {
  await admin.hset(keys.config, { width: SIDE, height: SIDE, palette: '[]', paletteSize: 32, cooldownMs: 0, paused: 0, version: 1 });
  const withOwners = /** @type {string} */ (await admin.script('LOAD', loadLua('place-pixel-9.lua')));
  const without = /** @type {string} */ (
    await admin.script('LOAD', readFileSync(fileURLToPath(new URL('./place-pixel-without-owners-7.lua', import.meta.url)), 'utf8'))
  );
  await prefill(STREAM_MAX_LEN);

  const results = {
    with: /** @type {number[]} */ ([]),
    without: /** @type {number[]} */ ([]),
    withUs: /** @type {number[]} */ ([]),
    withoutUs: /** @type {number[]} */ ([]),
  };
  for (let round = 0; round < rounds; round++) {
    for (const variant of /** @type {const} */ (['without', 'with'])) {
      const pool = commands(variant === 'with' ? withOwners : without, variant === 'with', 20_000, () => randomPixel());
      const { perSec, redisUsPerPlacement } = await drive(pool, seconds);
      results[variant].push(Math.round(perSec));
      process.stderr.write(`${variant}: ${Math.round(perSec)}/s, ${redisUsPerPlacement.toFixed(1)} µs of Redis CPU each\n`);
      results[variant === 'with' ? 'withUs' : 'withoutUs'].push(Math.round(redisUsPerPlacement * 10) / 10);
    }
  }

  // Memory: every pixel of a 1000 × 1000 square placed once, by 10,000 users.
  await admin.flushall();
  await admin.hset(keys.config, { width: SIDE, height: SIDE, palette: '[]', paletteSize: 32, cooldownMs: 0, paused: 0, version: 1 });
  await admin.script('LOAD', loadLua('place-pixel-9.lua'));
  let next = 0;
  const square = commands(withOwners, true, 1_000_000, () => ({ x: next % 1000, y: Math.floor(next++ / 1000) }));
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

function randomPixel() {
  return { x: (Math.random() * SIDE) | 0, y: (Math.random() * SIDE) | 0 };
}

/**
 * Pre-formatted EVALSHA commands with the gateway's key shapes (guest user and IP cooldown keys,
 * cooldown 0, no address prefixes).
 * @param {string} sha @param {boolean} owners @param {number} count @param {() => { x: number, y: number }} pixel
 */
function commands(sha, owners, count, pixel) {
  return Array.from({ length: count }, (_, i) => {
    const { x, y } = pixel();
    const { cx, cy, offset } = chunkOf(x, y);
    const user = `g_bench${i % USERS}`;
    const keyList = [keys.config, keys.chunk(cx, cy), keys.userCooldown(user), keys.ipCooldown('127.0.0.1'), keys.events, keys.bans, keys.addressBans];
    if (owners) keyList.push(keys.owners(cx, cy), keys.userNumbers);
    const parts = [sha, keyList.length, ...keyList, x, y, 1 + (i % 31), user, 1, STREAM_MAX_LEN, offset].map(String);
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
    // Every reply is `*4\r\n:<code>\r\n…`; no other byte of a reply is '*'. An error starts a line with '-'.
    let previous = 0x0a;
    let pending = -1;
    socket.on('data', (/** @type {Buffer} */ data) => {
      for (const c of data) {
        if (pending >= 0) {
          if (pending === 0) {
            outstanding--;
            answered++;
            onReply(c === 0x30);
            pending = -1;
          } else pending--;
        } else if (c === 0x2a) pending = 4;
        else if (c === 0x2d && previous === 0x0a) {
          outstanding--;
          answered++;
          onReply(false);
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
