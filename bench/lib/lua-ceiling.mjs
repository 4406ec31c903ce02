// The ceiling: the placement script (SCRIPTS.tesseraPlacePixels) driven straight at Redis, no
// gateway in between, with the gateway's key shapes (guest user and IP cooldown keys, cooldown 0),
// its arguments built by the placers' own placePixelsArgs. Run as a child process
// (pinned away from Redis's core when pinning is on) so the driver does not steal the CPU it
// measures. Prints one JSON line: { driver, placed, refused, errors, seconds, perSec }.
//
//   node bench/lib/lua-ceiling.mjs <driver> <redisUrl> <canvasId> <seconds> <connections> <inFlight> <streamMaxLen> [batch] [redisPid]
//
// With `redisPid`, also the CPU seconds redis-server used during the measured seconds (warm-up
// excluded): Redis's cost a placement, network work included, whatever share of its core it got.
//
// `ioredis`: pipelined EVALSHA of one placement a call (createPixelPlacer's batch of one) through
// ioredis. On one core the client's own command building and reply parsing (~30 µs a placement)
// saturates first.
// `raw`: the same commands as pre-formatted RESP written in large batches, replies counted by
// scanning bytes: a few µs a placement on the client, so Redis itself is what saturates.
// `ioredis-batch` / `raw-batch`: `batch` placements a call, as the gateway's batching placer
// sends them; `inFlight` then counts calls, not placements.
import net from 'node:net';
import { loadLua, placePixelsArgs, SCRIPTS } from '@tessera/store';
import { Redis } from 'ioredis';
import { randomGuestPlacement } from './drawing.mjs';
import { cpuSeconds } from './proc-stats.mjs';

const [driver = 'raw', redisUrl = 'redis://127.0.0.1:6379', canvasId = 'bench', secondsArg, connectionsArg, inFlightArg, maxLenArg, batchArg, redisPidArg] =
  process.argv.slice(2);
const redisPid = Number(redisPidArg ?? 0);
const seconds = Number(secondsArg ?? 5);
const connections = Number(connectionsArg ?? 4);
const inFlight = Number(inFlightArg ?? 256);
const STREAM_MAX_LEN = Number(maxLenArg ?? 1_000_000); // as the gateway under test was configured
const batchSize = driver.endsWith('-batch') ? Number(batchArg ?? 64) : 1;
const argsOf = placePixelsArgs(canvasId, STREAM_MAX_LEN);
const admin = new Redis(redisUrl);
const sha = /** @type {string} */ (await admin.script('LOAD', loadLua(SCRIPTS.tesseraPlacePixels)));
admin.disconnect();

let placed = 0;
let refused = 0;
let errors = 0;
let running = true;
let measuring = false;
let serial = 0;

/** The arguments after EVALSHA sha, as the gateway's placer passes them. */
function args() {
  return argsOf(Array.from({ length: batchSize }, () => randomGuestPlacement(`g_ceiling${serial++}`)));
}

/**
 * Pre-formatted commands, reused round-robin: the driver's cost per placement is then one copy.
 * With cooldown 0 a user key is never written, so reusing users changes nothing in Redis.
 */
const POOL = Array.from({ length: Math.ceil(20_000 / batchSize) }, () => {
  const parts = [sha, ...args()].map(String);
  let out = `*${parts.length + 1}\r\n$7\r\nEVALSHA\r\n`;
  for (const p of parts) out += `$${Buffer.byteLength(p)}\r\n${p}\r\n`;
  return Buffer.from(out);
});

/** @param {Redis} redis */
async function driveIoredis(redis) {
  const pipelineLength = Math.max(1, Math.floor(inFlight / 2));
  // Two pipelines in flight per connection: one being answered while the next is sent.
  const lane = async () => {
    while (running) {
      const pipeline = redis.pipeline();
      for (let i = 0; i < pipelineLength; i++) /** @type {any} */ (pipeline).evalsha(sha, ...args());
      const results = (await pipeline.exec()) ?? [];
      if (!measuring) continue;
      for (const [error, reply] of results) {
        if (error) errors += batchSize;
        else if (!Array.isArray(reply)) refused += batchSize;
        else {
          for (let i = 1; i < reply.length; i += 3) {
            if (reply[i] === 0) placed++;
            else refused++;
          }
        }
      }
    }
  };
  await Promise.all([lane(), lane()]);
}

/** One raw connection keeping `inFlight` commands outstanding. */
function driveRaw() {
  const { hostname, port } = new URL(redisUrl);
  const socket = net.connect({ host: hostname, port: Number(port), noDelay: true });
  let outstanding = 0;
  let next = 0;
  const refill = () => {
    if (!running) return;
    const n = inFlight - outstanding;
    if (n < inFlight / 4) return; // write in large batches
    const batch = [];
    for (let i = 0; i < n; i++) batch.push(POOL[next++ % POOL.length]);
    outstanding += n;
    socket.write(Buffer.concat(batch));
  };
  // A reply is one flat array (`*<n>` starts a line, and no other line of it does) whose event ids
  // are bulk strings (`$0` for a refusal), so a line starting '$' tells placed from refused; an
  // error reply starts a line with '-'.
  let previous = 0x0a;
  /** Set after a '$' opening a line: the length's first digit, maybe in the next chunk, is next. */
  let pending = false;
  socket.on('data', (/** @type {Buffer} */ data) => {
    for (const c of data) {
      if (pending) {
        if (measuring) {
          if (c === 0x30) refused++;
          else placed++;
        }
        pending = false;
      } else if (previous === 0x0a) {
        if (c === 0x2a) outstanding--;
        else if (c === 0x24) pending = true;
        else if (c === 0x2d) {
          outstanding--;
          if (measuring) errors += batchSize;
        }
      }
      previous = c;
    }
    refill();
  });
  socket.on('connect', refill);
  return new Promise((resolve) => {
    const stop = setInterval(() => {
      if (running) return;
      clearInterval(stop);
      socket.destroy();
      resolve(undefined);
    }, 50);
  });
}

const clients = driver === 'ioredis' ? Array.from({ length: connections }, () => new Redis(redisUrl, { enableAutoPipelining: false })) : [];
const lanes = driver === 'ioredis' ? clients.map((redis) => driveIoredis(redis)) : Array.from({ length: connections }, () => driveRaw());
await new Promise((resolve) => setTimeout(resolve, 1_000)); // warm-up
const redisCpuBefore = redisPid ? cpuSeconds(redisPid) : NaN;
measuring = true;
const started = performance.now();
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
measuring = false;
const redisCpuSeconds = redisPid ? cpuSeconds(redisPid) - redisCpuBefore : undefined;
const elapsed = (performance.now() - started) / 1000;
running = false;
await Promise.all(lanes);
clients.forEach((c) => c.disconnect());
process.stdout.write(
  `${JSON.stringify({ driver, connections, inFlight, placed, refused, errors, seconds: elapsed, perSec: placed / elapsed, redisCpuSeconds })}\n`,
);
process.exit(0);
