// What counting the event's numbers costs the writer per tick: one record-event-stats call for a
// batch of N placements by N distinct users (the worst case: every one a new user), measured on a
// private redis-server. Prints the wall time of the call and the time Redis spent in the script
// (INFO commandstats), which is what placements wait behind.
import { foldStatsBatch, recordEventStats } from '@tessera/store';
import { Redis } from 'ioredis';
import { startRedis } from '../test-support/index.js';

const server = await startRedis();
const redis = new Redis(server.url);
try {
  for (const size of [1_000, 10_000, 50_000]) {
    const canvasId = `bench-${size}`;
    const base = 1_764_000_000_000;
    const events = Array.from({ length: size }, (_, i) => ({ position: { ms: base + Math.floor(i / 20), seq: i % 20 }, userId: `g_${size}_${i}` }));
    const foldStart = performance.now();
    const batch = foldStatsBatch(events);
    const foldMs = performance.now() - foldStart;
    await redis.config('RESETSTAT');
    const start = performance.now();
    await recordEventStats(redis, canvasId, { ms: 0, seq: 0 }, events[events.length - 1]!.position, batch);
    const wallMs = performance.now() - start;
    const stats = await redis.info('commandstats');
    const usec = /cmdstat_evalsha:calls=\d+,usec=(\d+)/.exec(stats)?.[1] ?? /cmdstat_eval:calls=\d+,usec=(\d+)/.exec(stats)?.[1];
    console.log(
      `${size} placements, ${size} users: fold ${foldMs.toFixed(1)} ms, call ${wallMs.toFixed(1)} ms, in Redis ${(Number(usec) / 1000).toFixed(1)} ms`,
    );
  }
} finally {
  redis.disconnect();
  await server.stop();
}
