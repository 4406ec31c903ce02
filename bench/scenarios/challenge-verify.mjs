// What the proof-of-work challenge costs the gateway: issuing one (GET /api/challenge), judging a
// solution in memory (altcha-lib's verifySolution behind the gateway's checks), and the whole
// verify as a proof or a handshake runs it (the replay claim in a private redis-server included).
// The gateway's own code from gateway/dist; solutions made with altcha-lib's solver, as the widget.
import { Registry } from 'prom-client';
import { createLogger, createRedisClient, EnvReader, waitForRedis } from '@tessera/runtime';
import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { createChallengeGate } from '../../gateway/dist/challenge/challenge-gate.js';
import { createChallengeIssuer } from '../../gateway/dist/challenge/challenge-issuer.js';
import { createChallengeMetrics } from '../../gateway/dist/challenge/challenge-metrics.js';
import { readChallengeSettings } from '../../gateway/dist/challenge/challenge-settings.js';
import { startRedis } from '../../scripts/lib/redis-server.mjs';
import { emit, loadAverage, round } from '../lib/stats.mjs';

// The longest expiry: solving the inputs (untimed) takes minutes on a busy machine.
const settingsAt = (/** @type {number} */ maxNumber) =>
  readChallengeSettings(
    new EnvReader({
      CHALLENGE_HMAC_KEY: 'bench-challenge-key-at-least-32-characters',
      CHALLENGE_MAX_NUMBER: String(maxNumber),
      CHALLENGE_EXPIRES_MS: '3600000',
    }),
    undefined,
  );

/** @param {{ issue: () => Promise<any> }} issuer @param {number} count */
async function solvedPayloads(issuer, count) {
  const payloads = [];
  for (let i = 0; i < count; i++) {
    const challenge = await issuer.issue();
    const solution = await solveChallenge({ challenge, deriveKey });
    payloads.push(Buffer.from(JSON.stringify({ challenge, solution })).toString('base64'));
  }
  return payloads;
}

/** The same solution with one hex digit of the challenge's signature changed. */
function forge(/** @type {string} */ payload) {
  const decoded = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
  const signature = decoded.challenge.signature;
  decoded.challenge.signature = `${signature[0] === '0' ? '1' : '0'}${signature.slice(1)}`;
  return Buffer.from(JSON.stringify(decoded)).toString('base64');
}

/** Per-operation latency of `run` over `inputs`, one at a time. */
async function timed(/** @type {unknown[]} */ inputs, /** @type {(input: any) => Promise<unknown>} */ run) {
  const samples = [];
  const started = performance.now();
  for (const input of inputs) {
    const t = performance.now();
    await run(input);
    samples.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  samples.sort((a, b) => a - b);
  const at = (/** @type {number} */ p) => round(samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))] * 1000, 0);
  return { samples: inputs.length, perSecond: Math.round(inputs.length / seconds), p50us: at(50), p99us: at(99) };
}

/**
 * @param {object} options
 * @param {number} options.count solutions verified per row (solving them, untimed, is most of the run)
 * @param {number[]} options.difficulties CHALLENGE_MAX_NUMBER values (verifying costs the same at each)
 */
export async function challengeVerify({ count, difficulties }) {
  const server = await startRedis({ name: 'redis' });
  const log = createLogger('gateway', 'warn');
  const redis = createRedisClient({ url: server.url, sentinels: [], sentinelMaster: 'mymaster' }, log, { name: 'bench-gateway' });
  const rows = [];
  try {
    await waitForRedis(redis, 10_000);
    for (const maxNumber of difficulties) {
      const issuer = createChallengeIssuer(settingsAt(maxNumber));
      const gate = createChallengeGate({ redis, canvasId: 'bench', issuer, metrics: createChallengeMetrics(new Registry()) });
      // Solved here (not timed): at the higher difficulty fewer, since verifying does not depend on it.
      const payloads = await solvedPayloads(issuer, maxNumber > 100_000 ? Math.min(count, 10) : count);
      const load = loadAverage();
      // Stateless steps run over the inputs many times, for a steadier figure.
      const repeated = Array.from({ length: Math.ceil(2_000 / payloads.length) }, () => payloads).flat();
      const issue = await timed(repeated, () => issuer.issue());
      const check = await timed(repeated, async (payload) => {
        if (!(await issuer.check(payload)).ok) throw new Error('a good solution was refused');
      });
      const verify = await timed(payloads, async (payload) => {
        if ((await gate.verify(payload)) !== undefined) throw new Error('a fresh solution was refused');
      });
      const replay = await timed(payloads, async (payload) => {
        if ((await gate.verify(payload)) !== 'CHALLENGE_REPLAYED') throw new Error('a replay was accepted');
      });
      const forged = await timed(repeated.map(forge), async (payload) => {
        if ((await issuer.check(payload)).ok) throw new Error('a forged solution was accepted');
      });
      for (const [step, figures] of Object.entries({
        issue,
        'check (memory)': check,
        'verify (+ Redis SET NX)': verify,
        'replay refused': replay,
        'forged refused': forged,
      })) {
        const row = { maxNumber, step, ...figures };
        rows.push(row);
        emit({ scenario: 'challenge-verify', ...row, load });
      }
    }
  } finally {
    redis.disconnect();
    await server.stop();
  }
  return rows;
}
