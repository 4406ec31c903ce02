// The ceiling: the placement scripts driven straight at Redis, no gateway in between, with the
// gateway's key shapes (guest user and IP cooldown keys, cooldown 0). Run as a child process
// (pinned away from Redis's core when pinning is on) so the driver does not steal the CPU it
// measures. Prints one JSON line: { driver, placed, refused, errors, seconds, perSec }.
//
//   node bench/lib/lua-ceiling.mjs <driver> <redisUrl> <canvasId> <seconds> <connections> <inFlight> <streamMaxLen> [batch]
//
// `ioredis`: pipelined EVALSHA of the one-pixel script (SCRIPTS.tesseraPlacePixel) through
// ioredis. On one core the client's own command building and reply parsing (~30 µs a placement)
// saturates first.
// `raw`: the same commands as pre-formatted RESP written in large batches, replies counted by
// scanning bytes: a few µs a placement on the client, so Redis itself is what saturates.
// `ioredis-batch` / `raw-batch`: the batched script the gateway sends (SCRIPTS.tesseraPlacePixels),
// `batch` placements a call; `inFlight` then counts calls, not placements.
import net from 'node:net';
import { canvasKeys, chunkOf } from '@tessera/protocol';
import { loadLua, SCRIPTS } from '@tessera/store';
import { Redis } from 'ioredis';

const [driver = 'raw', redisUrl = 'redis://127.0.0.1:6379', canvasId = 'bench', secondsArg, connectionsArg, inFlightArg, maxLenArg, batchArg] =
  process.argv.slice(2);
const seconds = Number(secondsArg ?? 5);
const connections = Number(connectionsArg ?? 4);
const inFlight = Number(inFlightArg ?? 256);
const STREAM_MAX_LEN = Number(maxLenArg ?? 1_000_000); // as the gateway under test was configured
const batched = driver.endsWith('-batch');
const batchSize = batched ? Number(batchArg ?? 64) : 1;
const keys = canvasKeys(canvasId);
const admin = new Redis(redisUrl);
const sha = /** @type {string} */ (await admin.script('LOAD', loadLua(batched ? SCRIPTS.tesseraPlacePixels : SCRIPTS.tesseraPlacePixel)));
admin.disconnect();

let placed = 0;
let refused = 0;
let errors = 0;
let running = true;
let measuring = false;
let serial = 0;

function placement() {
  const x = (Math.random() * 1000) | 0;
  const y = (Math.random() * 1000) | 0;
  const { cx, cy, offset } = chunkOf(x, y);
  return { x, y, cx, cy, offset, color: 1 + ((Math.random() * 31) | 0), user: `g_ceiling${serial++}` };
}

/** The arguments after EVALSHA sha, as the gateway's placer passes them. */
function args() {
  if (batched) {
    const list = Array.from({ length: batchSize }, placement);
    const keyArgs = [keys.config, keys.events, keys.bans, keys.addressBans, keys.userNumbers];
    const argv = [STREAM_MAX_LEN, batchSize];
    for (const p of list) {
      keyArgs.push(keys.chunk(p.cx, p.cy), keys.owners(p.cx, p.cy), keys.userCooldown(p.user), keys.ipCooldown('127.0.0.1'));
      argv.push(p.x, p.y, p.color, p.user, 1, p.offset, 0);
    }
    return [keyArgs.length, ...keyArgs, ...argv];
  }
  const p = placement();
  return [
    9,
    keys.config,
    keys.chunk(p.cx, p.cy),
    keys.userCooldown(p.user),
    keys.ipCooldown('127.0.0.1'),
    keys.events,
    keys.bans,
    keys.addressBans,
    keys.owners(p.cx, p.cy),
    keys.userNumbers,
    p.x,
    p.y,
    p.color,
    p.user,
    1,
    STREAM_MAX_LEN,
    p.offset,
  ];
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
        else if (batched) {
          for (let i = 1; i < reply.length; i += 3) {
            if (reply[i] === 0) placed++;
            else refused++;
          }
        } else if (reply[0] === 0) placed++;
        else refused++;
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
  // A one-pixel reply is `*4\r\n:<code>\r\n…` and no other byte of a reply is '*'; an error reply
  // starts a line with '-'. A batch reply is one flat array whose event ids are bulk strings
  // (`$0` for a refusal), so a line starting '$' tells placed from refused.
  let previous = 0x0a;
  /** Bytes still needed to read the code after a '*' (or the length after a '$') split across chunks. */
  let pending = -1;
  socket.on('data', (/** @type {Buffer} */ data) => {
    for (const c of data) {
      if (pending >= 0) {
        if (pending === 0) {
          if (measuring) {
            if (c === 0x30) {
              if (batched) refused++;
              else placed++;
            } else if (batched) placed++;
            else refused++;
          }
          if (!batched) outstanding--;
          pending = -1;
        } else pending--;
      } else if (c === 0x2a && previous === 0x0a) {
        if (batched) outstanding--;
        else pending = 4; // '*' then '4\r\n:' then the code digit
      } else if (c === 0x24 && batched && previous === 0x0a)
        pending = 0; // '$' then the length's first digit
      else if (c === 0x2d && previous === 0x0a) {
        outstanding--;
        if (measuring) errors += batchSize;
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
measuring = true;
const started = performance.now();
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
measuring = false;
const elapsed = (performance.now() - started) / 1000;
running = false;
await Promise.all(lanes);
clients.forEach((c) => c.disconnect());
process.stdout.write(`${JSON.stringify({ driver, connections, inFlight, placed, refused, errors, seconds: elapsed, perSec: placed / elapsed })}\n`);
process.exit(0);
