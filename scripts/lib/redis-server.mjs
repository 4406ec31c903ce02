// A private redis-server child on a free port of 127.0.0.1, for the launcher and the tests.
// Never the machine's shared 6379: tests flush and fill their server freely.
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { getFreePort } from './free-port.mjs';
import { describeExit, spawnService, stopAll } from './processes.mjs';

/** One line telling how to get the binary. */
export const REDIS_INSTALL_HINT =
  'redis-server was not found on PATH: install it (Debian/Ubuntu: `sudo apt-get install redis-server`, macOS: `brew install redis`) or set REDIS_URL to an existing Redis.';

/**
 * Absolute path of the `redis-server` executable on PATH, or undefined.
 * @param {string | undefined} [searchPath] default process.env.PATH
 * @returns {string | undefined}
 */
export function findRedisServer(searchPath = process.env.PATH) {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * @typedef {object} RedisServer
 * @property {string} url redis://127.0.0.1:<port>
 * @property {number} port
 * @property {string} dir working directory (AOF files live here when appendonly is on)
 * @property {import('node:child_process').ChildProcess} process
 * @property {Promise<import('./processes.mjs').ExitInfo>} exited
 * @property {() => Promise<void>} stop SIGTERM, wait for exit (SIGKILL after a timeout); idempotent
 */

/**
 * Starts `redis-server` and resolves once it answers PING with +PONG.
 * @param {object} [options]
 * @param {string} [options.dir] data directory (created if missing); default a temporary one, removed on stop()
 * @param {number} [options.port] default a free port (retried if someone takes it first)
 * @param {boolean} [options.appendonly] AOF persistence, for the launcher's data dir (default false)
 * @param {string[]} [options.args] extra arguments, after ours, so they win
 * @param {string} [options.configFile] a config file, first on the command line (`redis-server <file> --sentinel` needs one it can rewrite)
 * @param {string} [options.bin] executable (default: `redis-server` found on PATH)
 * @param {number} [options.timeoutMs] how long to wait for PONG (default 10000)
 * @param {number} [options.stopTimeoutMs] how long stop() waits before SIGKILL (default 5000)
 * @param {NodeJS.WritableStream} [options.output] where to copy redis's log, prefixed; default nowhere
 * @param {string} [options.name] prefix of those lines (default "redis")
 * @param {boolean} [options.detached] own process group, out of reach of a terminal's Ctrl-C (default false)
 * @returns {Promise<RedisServer>}
 */
export async function startRedis(options = {}) {
  const bin = options.bin ?? findRedisServer();
  if (!bin) throw new Error(REDIS_INSTALL_HINT);
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'tessera-redis-'));
  mkdirSync(dir, { recursive: true });
  const attempts = options.port === undefined ? 5 : 1;
  try {
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await getFreePort());
      try {
        return await startOnce(bin, port, dir, ownDir, options);
      } catch (err) {
        const raced = err instanceof RedisStartError && /Address already in use/i.test(err.output);
        if (!raced || attempt >= attempts) throw err;
      }
    }
  } catch (err) {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

class RedisStartError extends Error {
  /** @param {string} message @param {string} output */
  constructor(message, output) {
    super(output ? `${message}\n--- redis-server output ---\n${output}` : message);
    this.name = 'RedisStartError';
    this.output = output;
  }
}

/**
 * @param {string} bin @param {number} port @param {string} dir @param {boolean} ownDir
 * @param {NonNullable<Parameters<typeof startRedis>[0]>} options
 * @returns {Promise<RedisServer>}
 */
async function startOnce(bin, port, dir, ownDir, options) {
  const args = [
    ...(options.configFile ? [options.configFile] : []),
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--protected-mode',
    'no',
    '--daemonize',
    'no',
    '--save',
    '',
    '--appendonly',
    options.appendonly ? 'yes' : 'no',
    '--dir',
    dir,
    ...(options.args ?? []),
  ];
  /** @type {string[]} */
  const tail = [];
  const sink = options.output ?? new Writable({ write: (_c, _e, cb) => cb() });
  const service = spawnService({
    name: options.name ?? 'redis',
    command: bin,
    args,
    cwd: dir,
    detached: options.detached ?? false,
    stdout: sink,
    stderr: sink,
    onLine: (line) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
    },
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return service.exited.then(() => undefined);
    stopped = true;
    await stopAll([service], options.stopTimeoutMs ?? 5000);
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };

  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  /** @type {string} */
  let last;
  for (;;) {
    const info = service.exitInfo();
    if (info) {
      await service.exited; // lets the last lines of output arrive
      throw new RedisStartError(`redis-server (${bin}) ${describeExit(info)} before answering PING on port ${port}`, tail.join('\n'));
    }
    try {
      last = await ping(port);
      // A server with requirepass answers NOAUTH: it is up, and its clients bring the password.
      if (last === '+PONG' || last.startsWith('-NOAUTH')) break;
    } catch (err) {
      last = /** @type {Error} */ (err).message;
    }
    if (Date.now() > deadline) {
      await stopAll([service], 2000);
      throw new RedisStartError(`redis-server did not answer PING on port ${port} within ${timeoutMs} ms (last: ${last})`, tail.join('\n'));
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    process: service.child,
    exited: service.exited,
    stop,
  };
}

/**
 * Sends an inline PING and returns the first reply line (`+PONG`, or `-LOADING …` while loading).
 * @param {number} port
 * @param {string} [host]
 * @param {number} [timeoutMs]
 * @returns {Promise<string>}
 */
export function ping(port, host = '127.0.0.1', timeoutMs = 1000) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host });
    let buffer = '';
    const timer = setTimeout(() => socket.destroy(new Error('PING timed out')), timeoutMs);
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      buffer += chunk;
      const end = buffer.indexOf('\r\n');
      if (end >= 0) {
        clearTimeout(timer);
        socket.destroy();
        resolve(buffer.slice(0, end));
      }
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      reject(new Error('connection closed before a reply'));
    });
  });
}
