// A local S3-compatible server (s3rver in a child process) for the launcher and the tests.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { color, describeExit, pipeLines, signal, stopAll, trackChild } from './processes.mjs';

const CHILD = fileURLToPath(new URL('./s3rver-child.mjs', import.meta.url));

/** s3rver's fixed credentials. */
export const S3RVER_CREDENTIALS = Object.freeze({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });

/**
 * @typedef {object} S3Server
 * @property {string} endpoint http://127.0.0.1:<port>, to use with forcePathStyle
 * @property {number} port
 * @property {string} dir where objects are stored
 * @property {string} region
 * @property {string} accessKeyId
 * @property {string} secretAccessKey
 * @property {import('node:child_process').ChildProcess} process
 * @property {Promise<import('./processes.mjs').ExitInfo>} exited
 * @property {() => Promise<void>} stop SIGTERM, wait for exit (SIGKILL after a timeout); idempotent
 */

/**
 * Starts s3rver with `buckets` created, and resolves once it answers HTTP.
 * @param {object} options
 * @param {string[]} options.buckets created at start (kept if they exist)
 * @param {string} [options.dir] data directory (created if missing); default a temporary one, removed on stop()
 * @param {number} [options.port] default a free port chosen by the child (no race)
 * @param {number} [options.timeoutMs] default 15000
 * @param {number} [options.stopTimeoutMs] default 5000
 * @param {NodeJS.WritableStream} [options.output] where to copy its output, prefixed; default kept for errors only
 * @param {string} [options.name] prefix of those lines (default "s3")
 * @param {boolean} [options.verbose] log every request (default false)
 * @param {boolean} [options.detached] own process group (default false)
 * @returns {Promise<S3Server>}
 */
export async function startS3(options) {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'tessera-s3-'));
  mkdirSync(dir, { recursive: true });
  const config = { port: options.port ?? 0, host: '127.0.0.1', dir, buckets: options.buckets, verbose: options.verbose ?? false };
  const detached = options.detached ?? false;
  const child = spawn(process.execPath, [CHILD, JSON.stringify(config)], {
    cwd: dir,
    detached,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  trackChild(child, { group: detached });

  /** @type {string[]} */
  const tail = [];
  const onLine = (/** @type {string} */ line) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
  };
  const out = options.output;
  const tag = out ? color(`[${options.name ?? 's3'}]`, out) : '';
  const sink = out ?? { writable: false, write: () => true };
  const flushed = Promise.all([
    child.stdout && pipeLines(child.stdout, /** @type {NodeJS.WritableStream} */ (sink), tag, onLine),
    child.stderr && pipeLines(child.stderr, /** @type {NodeJS.WritableStream} */ (sink), tag, onLine),
  ]);
  /** @type {import('./processes.mjs').ExitInfo | undefined} */
  let info;
  /** @type {Promise<import('./processes.mjs').ExitInfo>} */
  const exited = new Promise((resolve) => {
    /** @param {import('./processes.mjs').ExitInfo} i */
    const done = (i) => {
      if (info) return;
      info = i;
      void Promise.race([flushed, new Promise((r) => setTimeout(r, 1000).unref())]).then(() => resolve(i));
    };
    child.once('exit', (code, sig) => done({ code, signal: sig }));
    child.once('error', (error) => done({ code: null, signal: null, error }));
  });
  const service = { name: 's3', child, exited, exitInfo: () => info };

  let stopped = false;
  const stop = async () => {
    if (stopped) return exited.then(() => undefined);
    stopped = true;
    await stopAll([service], options.stopTimeoutMs ?? 5000);
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  const fail = async (/** @type {string} */ message) => {
    signal(child, 'SIGKILL', detached);
    await exited;
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    const output = tail.join('\n');
    return new Error(output ? `${message}\n--- s3rver output ---\n${output}` : message);
  };

  const timeoutMs = options.timeoutMs ?? 15_000;
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const port = await new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`s3rver did not start within ${timeoutMs} ms`)), timeoutMs);
    child.on('message', (/** @type {any} */ msg) => {
      if (msg?.type === 'ready') resolve(Number(msg.port));
    });
    void exited.then((i) => reject(new Error(`s3rver ${describeExit(i)} before it was ready`)));
  }).catch(async (/** @type {unknown} */ err) => {
    throw await fail(/** @type {Error} */ (err).message);
  });
  // Keep the exit-on-disconnect guard, but let this process exit without stopping us explicitly.
  /** @type {any} */ (child).channel?.unref();

  const deadline = Date.now() + Math.max(1000, timeoutMs - 1000);
  for (;;) {
    try {
      await httpAnswers(port);
      break;
    } catch (err) {
      if (info || Date.now() > deadline) {
        clearTimeout(timer);
        throw await fail(`s3rver on port ${port} did not answer HTTP: ${/** @type {Error} */ (err).message}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  clearTimeout(timer);

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    dir,
    region: 'us-east-1',
    ...S3RVER_CREDENTIALS,
    process: child,
    exited,
    stop,
  };
}

/**
 * Resolves when a GET / gets any HTTP response.
 * @param {number} port
 */
function httpAnswers(port) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 1000, agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode));
    });
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', reject);
  });
}
