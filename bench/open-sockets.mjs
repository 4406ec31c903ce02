// Debugging aid: what opening sockets costs. Starts a gateway (no writer), opens N clients with the
// bench generator's window, and prints the time, the gateway's CPU per socket and the generator's
// (the two share nothing but the loopback; with pinning, the generator has core 1 to share with
// Redis). With BENCH_PROFILE=1 the gateway writes a CPU profile (bench/results/profiles/gateway).
//   node bench/open-sockets.mjs [clients=5000] [concurrency=200]
import { Redis } from 'ioredis';
import { cpuTimes } from './lib/proc-stats.mjs';
import { Cluster } from './lib/cluster.mjs';
import { connectMany } from './lib/sio-client.mjs';
import { loadAverage, round, sleep, table } from './lib/stats.mjs';

const count = Number(process.argv[2] ?? 5000);
const concurrency = Number(process.argv[3] ?? 200);
const cluster = new Cluster();
await cluster.start({ writer: false });
await sleep(1000);
const redis = new Redis(cluster.redisUrl);
const commandsBefore = await commandCounts(redis);
const gatewayBefore = cpuTimes(cluster.gatewayPid);
const redisBefore = cpuTimes(cluster.redisPid);
const selfBefore = process.cpuUsage();
const load = loadAverage();
const { clients, seconds, retries } = await connectMany(cluster.gatewayUrl, count, {}, { concurrency });
const gatewayAfter = cpuTimes(cluster.gatewayPid);
const gatewayCpu = gatewayAfter.user + gatewayAfter.system - gatewayBefore.user - gatewayBefore.system;
const gatewaySystem = gatewayAfter.system - gatewayBefore.system;
const redisAfter = cpuTimes(cluster.redisPid);
const redisCpu = redisAfter.user + redisAfter.system - redisBefore.user - redisBefore.system;
const self = process.cpuUsage(selfBefore);
const commandsAfter = await commandCounts(redis);
redis.disconnect();
for (const client of clients) client.close();
await cluster.stop();
console.log(
  table(
    [
      {
        clients: count,
        'in flight': concurrency,
        'open s': round(seconds, 2),
        'sockets/s': Math.round(count / seconds),
        retries,
        'gateway µs/socket': Math.round((gatewayCpu / count) * 1e6),
        'of it in the kernel': `${Math.round((gatewaySystem / gatewayCpu) * 100)}%`,
        'generator µs/socket': Math.round((self.user + self.system) / count),
        'Redis µs/socket': Math.round((redisCpu / count) * 1e6),
        load1: `${load[0]} → ${loadAverage()[0]}`,
      },
    ],
    'opening sockets',
  ),
);
const perSocket = [...commandsAfter]
  .map(([command, calls]) => ({ command, 'calls/socket': round((calls - (commandsBefore.get(command) ?? 0)) / count, 2) }))
  .filter((row) => row['calls/socket'] > 0)
  .sort((a, b) => b['calls/socket'] - a['calls/socket']);
console.log(table(perSocket, 'Redis commands per socket opened (INFO commandstats)'));
process.exit(0);

/** Calls per command so far, from INFO commandstats. @param {Redis} client */
async function commandCounts(client) {
  const info = await client.info('commandstats');
  return new Map([...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map((match) => [match[1], Number(match[2])]));
}
