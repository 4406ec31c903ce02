// Debugging aid: what the placement script costs Redis, per placement: redis-server's CPU time
// (user + system, network work included) over the placements, and the script's own time as Redis
// measures it (INFO commandstats; inflated whenever Redis is preempted in the middle of a call, so
// read it on a quiet machine). Unlike placements per second, neither depends on how much of a core
// the driver left Redis. A fresh redis-server, a 1000×1000 canvas with cooldown 0, random guest
// placements as the gateway's placer builds them.
//   node bench/script-cost.mjs [placements a call=64] [calls=3000] [stream max length=1000000]
import { createCanvasIfMissing, loadLua, placePixelsArgs, SCRIPTS } from '@tessera/store';
import { Redis } from 'ioredis';
import { startRedis } from '../scripts/lib/redis-server.mjs';
import { randomGuestPlacement } from './lib/drawing.mjs';
import { cpuSeconds } from './lib/proc-stats.mjs';
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
  const cpuBefore = cpuSeconds(server.process.pid);
  for (let done = 0; done < calls;) {
    const wave = Math.min(16, calls - done);
    await Promise.all(Array.from({ length: wave }, send));
    done += wave;
  }
  const cpuUsPerPlacement = ((cpuSeconds(server.process.pid) - cpuBefore) * 1e6) / (calls * batch);
  const stats = await redis.info('commandstats');
  const usecPerCall = Number(/cmdstat_evalsha:calls=\d+,usec=\d+,usec_per_call=([\d.]+)/.exec(stats)?.[1]);
  const perPlacement = usecPerCall / batch;
  console.log(
    table(
      [
        {
          'placements a call': batch,
          calls,
          'script µs a call': round(usecPerCall, 1),
          'script µs a placement': round(perPlacement, 2),
          'Redis CPU µs a placement': round(cpuUsPerPlacement, 2),
          'placements/s per Redis core': Math.round(1e6 / cpuUsPerPlacement),
        },
      ],
      'the placement script, as Redis times it, and what it costs redis-server',
    ),
  );
} finally {
  redis.disconnect();
  await server.stop();
}
