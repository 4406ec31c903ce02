// The benchmark runner (started by bench/run.mjs). Prints figures, never pass/fail:
// one `BENCH {json}` line per measurement and a readable table per scenario. The JSON lines of the
// last run are saved to bench/results/latest.jsonl.
//
//   npm run bench                       full mode
//   npm run bench -- --quick            under two minutes
//   npm run bench -- --only=fanout,cold-start
//   npm run bench -- --only=takeover    SIGKILL the writer leader repeatedly: takeover worst/median
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { PIN, requireBuilt, ROOT } from './lib/cluster.mjs';
import { fanoutTargets } from './lib/fanout-targets.mjs';
import { emit, emitted, loadAverage, setResultsFile, table } from './lib/stats.mjs';
import { challengeVerify } from './scenarios/challenge-verify.mjs';
import { coldStart } from './scenarios/cold-start.mjs';
import { connectionMemory, fanout } from './scenarios/fanout.mjs';
import { placement } from './scenarios/placement.mjs';
import { snapshot } from './scenarios/snapshot.mjs';
import { writerTick } from './scenarios/writer-tick.mjs';
import { writerTakeover } from './scenarios/writer-takeover.mjs';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
const quick = values.quick ?? false;

/** What each mode runs. Quick: the same scenarios, smaller and shorter. */
const PLAN = quick
  ? {
      placement: [
        {
          loads: [
            { clients: 200, window: 16 },
            { clients: 2000, window: 8, rate: 16_000 },
          ],
          seconds: 5,
          ceilingSeconds: 3,
        },
      ],
      memory: { steps: [1000, 2000] },
      fanout: [
        { steps: [1000, 2000], format: /** @type {const} */ ('auto'), rate: 1000, seconds: 5 },
        { steps: [1000], format: /** @type {const} */ ('auto'), rate: 100, seconds: 5, pattern: /** @type {const} */ ('random') },
        { steps: [1000], format: /** @type {const} */ ('auto'), rate: 8000, seconds: 5, pattern: /** @type {const} */ ('drawing') },
      ],
      coldStart: {
        canvases: [
          { side: 1000, fill: 'realistic' },
          { side: 2000, fill: 'realistic' },
          { side: 1000, fill: 'random' },
        ],
        herd: 1000,
      },
      writer: { sizes: [1000, 10000], ticks: 3 },
      takeover: { kills: 4, rate: 1000 },
      snapshot: { sides: [2000] },
      challenge: { count: 30, difficulties: [100_000] },
    }
  : {
      placement: [
        {
          loads: [
            { clients: 100, window: 8 },
            { clients: 200, window: 16 },
            { clients: 400, window: 16 },
            { clients: 1000, window: 8 },
            // The latency figure: 2,000 placers sharing 16,000 placements/s.
            { clients: 2000, window: 8, rate: 16_000 },
          ],
          seconds: 10,
          ceilingSeconds: 10,
        },
        // The same gateway with a larger V8 young generation (see BENCHMARKS.md: fewer scavenges).
        { loads: [{ clients: 200, window: 16 }], seconds: 10, ceilingSeconds: 5, gatewayNodeOptions: '--max-semi-space-size=64' },
      ],
      // 10,000 opened at once (the open time the peer is compared on), then to ~20,000: the gateway
      // and the generator each need a descriptor per socket plus their own few, under the 20,000 limit.
      memory: { steps: [10000, 19900] },
      fanout: [
        // The reference load (~100 px/s, random pixels) at 10,000 and ~20,000 subscribers:
        // the writer's default (auto: each frame in its smaller form) and base64 (the earlier default).
        { steps: [10000, 19900], format: /** @type {const} */ ('auto'), rate: 100, seconds: 15, pattern: /** @type {const} */ ('random') },
        { steps: [10000, 19900], format: /** @type {const} */ ('base64'), rate: 100, seconds: 15, pattern: /** @type {const} */ ('random') },
        // Bytes: what players draw (bench/lib/drawing.mjs), and the seed's peak of 8,000 px/s.
        { steps: [1000], format: /** @type {const} */ ('auto'), rate: 100, seconds: 15, pattern: /** @type {const} */ ('drawing') },
        // The same ~100 px/s to clients that do not ask for bare frames (Socket.IO's framing, as before them).
        {
          steps: [1000],
          format: /** @type {const} */ ('auto'),
          rate: 100,
          seconds: 15,
          pattern: /** @type {const} */ ('random'),
          frames: /** @type {const} */ ('socket.io'),
        },
        {
          steps: [1000],
          format: /** @type {const} */ ('auto'),
          rate: 100,
          seconds: 15,
          pattern: /** @type {const} */ ('drawing'),
          frames: /** @type {const} */ ('socket.io'),
        },
        { steps: [1000], format: /** @type {const} */ ('auto'), rate: 8000, seconds: 15, pattern: /** @type {const} */ ('random') },
        { steps: [1000], format: /** @type {const} */ ('auto'), rate: 8000, seconds: 15, pattern: /** @type {const} */ ('drawing') },
        { steps: [1000], format: /** @type {const} */ ('base64'), rate: 8000, seconds: 15, pattern: /** @type {const} */ ('drawing') },
        // The earlier rows' load (1,000 px/s), for continuity with BENCHMARKS.md.
        { steps: [1000, 10000], format: /** @type {const} */ ('auto'), rate: 1000, seconds: 15 },
      ],
      coldStart: {
        canvases: [
          { side: 1000, fill: 'realistic' },
          { side: 1000, fill: 'dense' },
          { side: 1000, fill: 'random' },
          { side: 2000, fill: 'realistic' },
          { side: 2000, fill: 'dense' },
          { side: 2000, fill: 'random' },
        ],
        herd: 10000,
      },
      writer: { sizes: [1000, 10000], ticks: 10 },
      takeover: { kills: 12, rate: 1000 },
      snapshot: { sides: [1000, 2000] },
      challenge: { count: 100, difficulties: [100_000, 1_000_000] },
    };

const SCENARIOS = /** @type {const} */ (['placement', 'fanout', 'cold-start', 'writer', 'takeover', 'snapshot', 'challenge']);
const only = values.only ? values.only.split(',').map((s) => s.trim()) : [...SCENARIOS];
for (const name of only) if (!SCENARIOS.includes(/** @type {any} */ (name))) throw new Error(`unknown scenario ${name}: use ${SCENARIOS.join(', ')}`);

requireBuilt();
const resultsDir = `${ROOT}bench/results/`;
mkdirSync(resultsDir, { recursive: true });
const partial = `${resultsDir}latest.jsonl.tmp`;
writeFileSync(partial, '');
setResultsFile(partial);

const started = Date.now();
emit(machine());
console.log(
  `\n  Tessera benchmarks, ${quick ? 'quick' : 'full'} mode; ${PIN.enabled ? 'gateway pinned to core 0, generator + redis + writer to core 1' : 'no core pinning'}\n`,
);

if (only.includes('placement')) {
  for (const run of PLAN.placement) await placement(run);
}
if (only.includes('fanout')) {
  console.log(table(await connectionMemory(PLAN.memory), 'gateway memory per connection (idle clients, no placements)'));
  const rows = [];
  for (const run of PLAN.fanout) rows.push(...(await fanout(run)));
  console.log(table(rows, `fan-out (latencies in ms; tick→client is after the writer's publish; B/sub/s: WebSocket bytes per subscriber per second)`));
  console.log(table(fanoutTargets(emitted), 'issue 14, targets 2–4: this run beside the peer (PixelPlanet) and Tessera before, same machine'));
}
if (only.includes('cold-start')) {
  const [sizes, herd] = await coldStart(PLAN.coldStart);
  console.log(table(sizes, 'cold start: one new client (body bytes; cold = gateway cache miss, warm = cached)'));
  if (herd) console.log(table(herd, 'cold start: clients requesting the canvas at once'));
}
if (only.includes('writer')) {
  console.log(table(await writerTick(PLAN.writer), 'writer tick (read events, build, commit, publish one delta)'));
}
if (only.includes('takeover')) {
  console.log(table(await writerTakeover(PLAN.takeover), 'writer takeover after SIGKILL of the leader (ms from the kill)'));
}
if (only.includes('snapshot')) {
  console.log(table(await snapshot(PLAN.snapshot), 'snapshot'));
}

if (only.includes('challenge')) {
  console.log(table(await challengeVerify(PLAN.challenge), 'proof-of-work challenge: gateway cost per solution, one at a time (µs)'));
}

renameSync(partial, `${resultsDir}latest.jsonl`);
console.log(`  done in ${Math.round((Date.now() - started) / 1000)} s; JSON lines in bench/results/latest.jsonl; load average now ${loadAverage().join(' ')}`);
process.exit(0);

function machine() {
  const cpus = os.cpus();
  let redis = 'unknown';
  try {
    redis = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    // reported as unknown
  }
  let kernel = os.release();
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    // os.release() it is
  }
  return {
    scenario: 'machine',
    mode: quick ? 'quick' : 'full',
    date: new Date().toISOString(),
    cpu: cpus[0]?.model ?? 'unknown',
    cores: PIN.cores,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    kernel,
    node: process.version,
    redis,
    pinning: PIN.enabled ? { gateway: PIN.gateway, generatorRedisWriter: PIN.others, luaCeilingDriver: PIN.aside } : 'off',
    openFilesLimit: openFilesLimit(),
    loadavg: loadAverage(),
  };
}

function openFilesLimit() {
  try {
    return Number(/Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1]);
  } catch {
    return undefined;
  }
}
