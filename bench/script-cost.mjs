// Debugging aid: what the placement script costs Redis itself, per placement, as Redis measures it
// (INFO commandstats: usec_per_call of EVALSHA, divided by the placements a call). Unlike
// placements per second this does not depend on how much of a core the driver left Redis, so a
// change to place-pixels.lua can be compared on a busy machine. A fresh redis-server, a 1000×1000
// canvas with cooldown 0, random guest placements as the gateway's placer builds them.
//   node bench/script-cost.mjs [placements a call=64] [calls=3000] [stream max length=1000000]
import { createCanvasIfMissing, loadLua, placePixelsArgs, SCRIPTS } from '@tessera/store';
import { Redis } from 'ioredis';
import { startRedis } from '../scripts/lib/redis-server.mjs';
import { randomGuestPlacement } from './lib/drawing.mjs';
import { round, table } from './lib/stats.mjs';

const batch = Number(process.argv[2] ?? 64);
const calls = Number(process.argv[3] ?? 3000);
const maxLength = Number(process.argv[4] ?? 1_000_000);
const server = await startRedis({ name: 'script-cost', args: ['--maxmemory-policy', 'noeviction'] });
const redis = new Redis(server.url);
try {
  await createCanvasIfMissing(redis, 'cost', { width: 1000, height: 1000, palette: ['#ffffff', '#000000', '#ff0000', '#00ff00'], cooldownMs: 0 });
  const sha = /** @type {string} */ (await redis.script('LOAD', loadLua(SCRIPTS.tesseraPlacePixels)));
  const argsOf = placePixelsArgs('cost', maxLength);
  let serial = 0;
  const send = () => redis.evalsha(sha, ...argsOf(Array.from({ length: batch }, () => randomGuestPlacement(`g_cost${serial++ % 5000}`))));
  // Warm-up (the stream and the chunks exist, the user numbers are taken), then measure.
  for (let i = 0; i < Math.ceil(20_000 / batch); i++) await send();
  await redis.config('RESETSTAT');
  for (let done = 0; done < calls;) {
    const wave = Math.min(16, calls - done);
    await Promise.all(Array.from({ length: wave }, send));
    done += wave;
  }
  const stats = await redis.info('commandstats');
  const usecPerCall = Number(/cmdstat_evalsha:calls=\d+,usec=\d+,usec_per_call=([\d.]+)/.exec(stats)?.[1]);
  const perPlacement = usecPerCall / batch;
  console.log(
    table(
      [
        {
          'placements a call': batch,
          calls,
          'µs a call': round(usecPerCall, 1),
          'µs a placement': round(perPlacement, 2),
          'placements/s per Redis core': Math.round(1e6 / perPlacement),
        },
      ],
      'the placement script, as Redis times it',
    ),
  );
} finally {
  redis.disconnect();
  await server.stop();
}
