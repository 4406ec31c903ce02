#!/usr/bin/env node
// The local cluster in one command (`npm start`): Redis (unless REDIS_URL is given), a local S3
// server and the snapshotter (once the snapshotter is built), two writers and two gateways, all as
// child processes of this one. Ctrl-C, SIGTERM or SIGINT (to this process or to the `npm start`
// that runs it) stops them, services first and Redis last; so does the death of whatever started
// us. State lives in .tessera/ so a restart keeps the canvas.
//
//   node scripts/dev-up.mjs [--no-build] [--no-install]
//
// Environment (besides the services' own variables, which pass through to them):
//   PORT                      first gateway port (default 8080); the others follow, or any free port
//   TESSERA_GATEWAYS          how many gateways (default 2)
//   REDIS_URL                 use this Redis instead of starting one
//   S3_BUCKET                 use this S3 bucket (with the S3_* / AWS_* variables) instead of a local server
//   TESSERA_READY_TIMEOUT_MS  how long services get to report /readyz 200 (default 60000)
//   TESSERA_DATA_DIR          where state lives (default .tessera in the repository)
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getFreePort, isPortFree } from './lib/free-port.mjs';
import { color, describeExit, spawnService, stopAll } from './lib/processes.mjs';
import { findRedisServer, REDIS_INSTALL_HINT, startRedis } from './lib/redis-server.mjs';
import { startS3 } from './lib/s3-server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DATA = process.env.TESSERA_DATA_DIR ? path.resolve(process.env.TESSERA_DATA_DIR) : path.join(ROOT, '.tessera');
const LOCAL_BUCKET = 'tessera';
/** Longer than the gateways' drain, so a clean stop is never cut short by SIGKILL. */
const STOP_TIMEOUT_MS = 15_000;
/** How often we look whether the process that started us is still there. */
const PARENT_CHECK_MS = 250;
const ENTRY = {
  gateway: path.join(ROOT, 'gateway/dist/main.js'),
  writer: path.join(ROOT, 'writer/dist/main.js'),
  snapshotter: path.join(ROOT, 'snapshotter/dist/main.js'),
};

const out = process.stdout;
// A closed pipe (`npm start | head`) must not crash the launcher and orphan its children.
const ignore = () => undefined;
out.on('error', ignore);
process.stderr.on('error', ignore);

const bold = (/** @type {string} */ s) => color(s, out, 1);
const red = (/** @type {string} */ s) => color(s, process.stderr, 31);
const say = (/** @type {string} */ s) => out.write(`${color('[dev-up]', out, 90)} ${s}\n`);
const shout = (/** @type {string} */ s) => process.stderr.write(`${red(`[dev-up] ${s}`)}\n`);

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  const header = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\nimport ')[0] ?? '';
  out.write(header.replace(/^#!.*\n/, '').replace(/^\/\/ ?/gm, '') + '\n');
  process.exit(0);
}
const unknown = argv.filter((a) => a !== '--no-build' && a !== '--no-install');
if (unknown.length) fail(`unknown argument(s): ${unknown.join(' ')} (try --help)`);

const settings = readSettings(process.env);

// ----- state shared with shutdown ------------------------------------------------------------
/** @type {import('./lib/processes.mjs').Service[]} */
const services = [];
/** @type {import('./lib/redis-server.mjs').RedisServer | undefined} */
let redis;
/** @type {import('./lib/s3-server.mjs').S3Server | undefined} */
let s3;
let stopping = false;

/** @param {string} message */
function fail(message) {
  shout(message);
  process.exit(1);
}

/**
 * Reads and checks the launcher's own variables, naming every bad one.
 * @param {NodeJS.ProcessEnv} env
 */
function readSettings(env) {
  /** @type {string[]} */
  const bad = [];
  /** @param {string} name @param {number} fallback @param {number} min @param {number} max */
  const int = (name, fallback, min, max) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      bad.push(`${name}=${JSON.stringify(raw)} (an integer from ${min} to ${max})`);
      return fallback;
    }
    return n;
  };
  const settings = {
    port: int('PORT', 8080, 1, 65535),
    gateways: int('TESSERA_GATEWAYS', 2, 1, 16),
    readyTimeoutMs: int('TESSERA_READY_TIMEOUT_MS', 60_000, 1000, 3_600_000),
    redisUrl: env.REDIS_URL || undefined,
    externalS3: Boolean(env.S3_BUCKET),
  };
  if (bad.length) fail(`bad environment: ${bad.join(', ')}`);
  return settings;
}

/**
 * Runs a command to completion with our terminal, or exits with its failure.
 * @param {string} command @param {string[]} args
 */
function runStep(command, args) {
  say(`$ ${command} ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
    child.once('error', (err) => fail(`${command} could not start: ${err.message}`));
    child.once('exit', (code, sig) => {
      if (code === 0) resolve(undefined);
      else fail(`\`${command} ${args.join(' ')}\` ${describeExit({ code, signal: sig })}`);
    });
  });
}

/**
 * A secret kept in .tessera/<file> (0600), created on first use.
 * @param {string} file @param {() => string} generate @param {number} minLength
 */
function keptSecret(file, generate, minLength) {
  const full = path.join(DATA, file);
  if (existsSync(full)) {
    const value = readFileSync(full, 'utf8').trim();
    if (value.length < minLength) fail(`${full} holds fewer than ${minLength} characters: delete it to generate a new one`);
    chmodSync(full, 0o600);
    return value;
  }
  const value = generate();
  writeFileSync(full, `${value}\n`, { mode: 0o600, flag: 'wx' });
  return value;
}

/**
 * `preferred` if it is free, else any free port; never one already handed out.
 * @param {number | undefined} preferred @param {Set<number>} taken
 */
async function pickPort(preferred, taken) {
  if (preferred !== undefined && preferred <= 65535 && !taken.has(preferred) && (await isPortFree(preferred))) {
    taken.add(preferred);
    return preferred;
  }
  for (;;) {
    const port = await getFreePort('0.0.0.0');
    if (!taken.has(port)) {
      taken.add(port);
      return port;
    }
  }
}

/**
 * Starts one service; its unexpected exit stops everything.
 * @param {string} name @param {string} entry @param {NodeJS.ProcessEnv} env
 */
function startService(name, entry, env) {
  const service = spawnService({
    name,
    command: process.execPath,
    args: [entry],
    env,
    cwd: ROOT,
    detached: true,
    onExit: (info) => {
      if (!stopping) void shutdown(1, `${name} ${describeExit(info)} unexpectedly`);
    },
  });
  services.push(service);
  return service;
}

/**
 * Polls GET /readyz until 200; resolves with undefined, or with why it is not ready at the deadline.
 * @param {number} port @param {number} deadline
 * @returns {Promise<string | undefined>}
 */
async function waitReady(port, deadline) {
  /** @type {string} */
  let last;
  while (!stopping) {
    last = await new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/readyz', timeout: 2000, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode === 200 ? 'ok' : `HTTP ${res.statusCode}`);
      });
      req.once('timeout', () => req.destroy(new Error('timed out')));
      req.once('error', (err) => resolve(/** @type {NodeJS.ErrnoException} */ (err).code ?? err.message));
    });
    if (last === 'ok') return undefined;
    if (Date.now() > deadline) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  return 'stopped';
}

/**
 * Stops services first, then S3 and Redis, and exits.
 * @param {number} code @param {string} [reason]
 */
async function shutdown(code, reason) {
  if (stopping) return;
  stopping = true;
  if (reason) {
    const line = '!'.repeat(72);
    shout(`${line}\n[dev-up] ${reason}: stopping everything\n[dev-up] ${line}`);
  } else {
    say('stopping…');
  }
  try {
    const killed = await stopAll(services, STOP_TIMEOUT_MS);
    if (killed.length) shout(`had to SIGKILL ${killed.join(', ')}`);
    await s3?.stop();
    await redis?.stop();
  } catch (err) {
    shout(`while stopping: ${err instanceof Error ? err.message : String(err)}`);
    code = 1;
  }
  say(code === 0 ? 'stopped.' : 'stopped after a failure.');
  process.exit(code);
}

/**
 * A terminal's Ctrl-C under `npm start` reaches us twice at once: from the terminal (we are in its
 * foreground group) and forwarded by npm. Only a signal after this long means "stop now".
 */
const REPEAT_SIGNAL_MS = 1_000;
let firstSignalAt = 0;
/** @param {NodeJS.Signals} sig */
function onSignal(sig) {
  if (firstSignalAt > 0) {
    if (Date.now() - firstSignalAt < REPEAT_SIGNAL_MS) return;
    shout(`${sig} again: killing everything now`);
    process.exit(1); // the exit hook of processes.mjs SIGKILLs every child still running
  }
  firstSignalAt = Date.now();
  out.write('\n');
  void shutdown(0);
}

async function main() {
  // Install redis-server with apt where we may (root or passwordless sudo); otherwise fail with one
  // line saying how, before a long build.
  if (!settings.redisUrl && !findRedisServer()) {
    const installed = spawnSync('bash', [path.join(ROOT, 'scripts/ensure-system-deps.sh'), 'redis-server'], { stdio: ['ignore', 'inherit', 'ignore'] });
    if (installed.status !== 0 || !findRedisServer()) fail(REDIS_INSTALL_HINT);
  }
  // ffmpeg renders the admin page's timelapses; without it the rest runs and those jobs say why.
  if (spawnSync('sh', ['-c', 'command -v ffmpeg && command -v ffprobe'], { stdio: 'ignore' }).status !== 0) {
    const installed = spawnSync('bash', [path.join(ROOT, 'scripts/ensure-system-deps.sh'), 'ffmpeg'], { stdio: ['ignore', 'inherit', 'ignore'] });
    if (installed.status !== 0) say('ffmpeg is missing (apt-get install ffmpeg): timelapse jobs will fail until it is installed');
  }

  if (!argv.includes('--no-install') && !existsSync(path.join(ROOT, 'node_modules'))) {
    await runStep('npm', existsSync(path.join(ROOT, 'package-lock.json')) ? ['ci'] : ['install']);
  }
  if (!argv.includes('--no-build')) await runStep('npm', ['run', 'build']);
  for (const name of /** @type {const} */ (['gateway', 'writer'])) {
    if (!existsSync(ENTRY[name])) fail(`${path.relative(ROOT, ENTRY[name])} is missing: did \`npm run build\` build the ${name}?`);
  }
  const withSnapshotter = existsSync(ENTRY.snapshotter);

  // From here on we own child processes: every way out goes through shutdown().
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) process.on(sig, () => onSignal(sig));
  // npm forwards SIGTERM and SIGINT only to the shell it runs a script in; `exec` in package.json
  // makes that shell us, but any other wrapper (or a SIGKILLed npm) would leave us orphaned with
  // every service running. A new parent means the old one is gone: stop everything.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown(0, `the process that started us (pid ${parent}) exited`);
  }, PARENT_CHECK_MS).unref();

  mkdirSync(DATA, { recursive: true, mode: 0o700 });
  const sessionSecret = process.env.SESSION_SECRET || keptSecret('session-secret', () => randomBytes(32).toString('hex'), 32);
  const adminToken = process.env.ADMIN_TOKENS || keptSecret('admin-token', () => randomBytes(24).toString('base64url'), 16);

  /** @type {NodeJS.ProcessEnv} */
  const common = {
    ...process.env,
    // Ctrl-C should not wait out the production drain of 10 s.
    SHUTDOWN_DRAIN_MS: process.env.SHUTDOWN_DRAIN_MS ?? '1000',
  };

  let redisUrl = settings.redisUrl;
  if (!redisUrl) {
    redis = await startRedis({
      dir: path.join(DATA, 'redis'),
      appendonly: true,
      args: ['--loglevel', 'warning'],
      output: out,
      name: 'redis',
      detached: true,
      stopTimeoutMs: STOP_TIMEOUT_MS,
    });
    redisUrl = redis.url;
    void redis.exited.then((info) => {
      if (!stopping) void shutdown(1, `redis-server ${describeExit(info)} unexpectedly`);
    });
    say(`redis-server on ${redisUrl} (data in ${path.relative(ROOT, redis.dir)}/)`);
  }
  common.REDIS_URL = redisUrl;

  const taken = new Set();
  /** @type {{ name: string, port: number, kind: 'gateway' | 'writer' | 'snapshotter' }[]} */
  const endpoints = [];

  // The gateways' read access to the archive for the history viewer (docs/history-viewer.md);
  // s3rver has one identity, so locally they get its keys under their own HISTORY_S3_* names.
  /** @type {NodeJS.ProcessEnv} */
  let historyEnv = {};
  if (withSnapshotter) {
    /** @type {NodeJS.ProcessEnv} */
    let s3Env = {};
    if (!settings.externalS3) {
      s3 = await startS3({ dir: path.join(DATA, 's3'), buckets: [LOCAL_BUCKET], output: out, name: 's3', detached: true });
      void s3.exited.then((info) => {
        if (!stopping) void shutdown(1, `the S3 server ${describeExit(info)} unexpectedly`);
      });
      taken.add(s3.port);
      say(`S3 server (s3rver) on ${s3.endpoint}, bucket ${LOCAL_BUCKET} (data in ${path.relative(ROOT, s3.dir)}/)`);
      s3Env = {
        S3_BUCKET: LOCAL_BUCKET,
        S3_ENDPOINT: s3.endpoint,
        S3_REGION: s3.region,
        S3_FORCE_PATH_STYLE: 'true',
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      };
      historyEnv = {
        HISTORY_S3_BUCKET: LOCAL_BUCKET,
        HISTORY_S3_ENDPOINT: s3.endpoint,
        HISTORY_S3_REGION: s3.region,
        HISTORY_S3_FORCE_PATH_STYLE: 'true',
        HISTORY_S3_ACCESS_KEY_ID: s3.accessKeyId,
        HISTORY_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      };
    }
    const port = await pickPort(undefined, taken);
    // The AWS SDK warns on every start that future releases need Node 22; locally that is noise.
    startService('snapshotter', ENTRY.snapshotter, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...common, ...s3Env, HTTP_PORT: String(port) });
    endpoints.push({ name: 'snapshotter', port, kind: 'snapshotter' });
  } else {
    say('snapshotter/dist/main.js not built: running without snapshots (no S3 server)');
  }

  for (const id of ['writer-a', 'writer-b']) {
    const port = await pickPort(undefined, taken);
    startService(id, ENTRY.writer, { ...common, HTTP_PORT: String(port), WRITER_ID: id });
    endpoints.push({ name: id, port, kind: 'writer' });
  }

  for (let i = 0; i < settings.gateways; i++) {
    const wanted = settings.port + i;
    const port = await pickPort(wanted, taken);
    if (port !== wanted) say(`port ${wanted} is busy: gateway-${i + 1} uses ${port}`);
    startService(`gateway-${i + 1}`, ENTRY.gateway, {
      ...common,
      PORT: String(port),
      SESSION_SECRET: sessionSecret,
      ADMIN_TOKENS: adminToken,
      // As the Helm chart: a larger young generation halves GC time on the placement path.
      NODE_OPTIONS: process.env.NODE_OPTIONS ?? '--max-semi-space-size=64',
      // The admin page's snapshot panel needs it; it also makes the gateways wait for the
      // snapshotter to restore (or create) the canvas on an empty Redis (CANVAS_BOOTSTRAP=wait).
      ...(withSnapshotter && !process.env.SNAPSHOTS_ENABLED ? { SNAPSHOTS_ENABLED: 'true' } : {}),
      ...(process.env.HISTORY_S3_BUCKET ? {} : historyEnv),
    });
    endpoints.push({ name: `gateway-${i + 1}`, port, kind: 'gateway' });
  }

  const deadline = Date.now() + settings.readyTimeoutMs;
  const results = await Promise.all(endpoints.map(async (s) => ({ ...s, problem: await waitReady(s.port, deadline) })));
  if (stopping) return;
  const notReady = results.filter((r) => r.problem);
  if (notReady.length) {
    const list = notReady.map((r) => `${r.name} (http://127.0.0.1:${r.port}/readyz: ${r.problem})`).join(', ');
    return shutdown(1, `not ready after ${settings.readyTimeoutMs} ms: ${list}`);
  }

  const gateways = results.filter((r) => r.kind === 'gateway');
  const url = (/** @type {number} */ port, p = '/') => `http://localhost:${port}${p}`;
  const lines = [
    '',
    bold('Tessera is up.'),
    '',
    `  Play:     ${gateways.map((g) => url(g.port)).join('   ')}`,
    gateways.length > 1
      ? `            (${gateways.length} stateless gateways over the same Redis: open one in each window, they show the same canvas)`
      : undefined,
    `  Admin:    ${url(gateways[0]?.port ?? settings.port, '/admin.html')}`,
    `  Token:    ${process.env.ADMIN_TOKENS ? '(from ADMIN_TOKENS)' : `${adminToken}   (kept in .tessera/admin-token)`}`,
    `  Metrics:  ${results.map((r) => `${r.name} ${url(r.port, '/metrics')}`).join('\n            ')}`,
    `  Redis:    ${redisUrl}${redis ? ' (data in .tessera/redis)' : ''}`,
    s3 ? `  S3:       ${s3.endpoint}/${LOCAL_BUCKET}  (data in .tessera/s3, key/secret S3RVER)` : undefined,
    '',
    '  Ctrl-C stops everything.',
    '',
  ];
  out.write(lines.filter((l) => l !== undefined).join('\n') + '\n');
}

main().catch((/** @type {unknown} */ err) => {
  if (stopping) return;
  void shutdown(1, err instanceof Error ? err.message : String(err));
});
