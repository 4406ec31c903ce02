// Child processes for the launcher and the test helpers: prefixed output, ordered shutdown, and a
// last-resort kill when this process exits so no server outlives the one that started it.
import { spawn } from 'node:child_process';
import readline from 'node:readline';

/** @typedef {{ code: number | null, signal: NodeJS.Signals | null, error?: Error }} ExitInfo */

/**
 * @typedef {object} Service
 * @property {string} name
 * @property {import('node:child_process').ChildProcess} child
 * @property {Promise<ExitInfo>} exited resolves once the process has exited and its output is flushed
 * @property {() => ExitInfo | undefined} exitInfo how it exited, or undefined while it runs
 */

/** @type {Set<{ child: import('node:child_process').ChildProcess, group: boolean }>} */
const live = new Set();
let exitHookInstalled = false;

/**
 * Kills `child` with SIGKILL when this process exits (normally, on process.exit or an uncaught
 * exception) if it is still running then. Signals that kill us outright cannot be caught: a
 * detached child survives SIGKILL of its parent, an attached one survives unless its group is killed.
 * @param {import('node:child_process').ChildProcess} child
 * @param {{ group?: boolean }} [options] group: the child leads its own process group (detached)
 */
export function trackChild(child, { group = false } = {}) {
  const entry = { child, group };
  live.add(entry);
  child.once('exit', () => live.delete(entry));
  child.once('error', () => live.delete(entry));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const { child: c, group: g } of live) signal(c, 'SIGKILL', g);
    });
  }
}

/**
 * Sends `sig` to the child (or to its whole process group), ignoring a child that is already gone.
 * @param {import('node:child_process').ChildProcess} child
 * @param {NodeJS.Signals} sig
 * @param {boolean} [group]
 */
export function signal(child, sig, group = false) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    if (group) process.kill(-child.pid, sig);
    else child.kill(sig);
  } catch {
    // ESRCH: it exited between the check and the kill.
  }
}

const COLORS = [36, 35, 33, 32, 34, 91, 96, 95, 93, 92];
let nextColor = 0;

/** @param {NodeJS.WritableStream & { isTTY?: boolean }} stream */
function useColor(stream) {
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

/**
 * `text` in the next colour of a small palette when `stream` is a terminal.
 * @param {string} text
 * @param {NodeJS.WritableStream} [stream]
 * @param {number} [code] ANSI colour code; the next palette colour when omitted
 */
export function color(text, stream = process.stdout, code) {
  const c = code ?? COLORS[nextColor++ % COLORS.length];
  return useColor(stream) ? `\u001b[${c}m${text}\u001b[0m` : text;
}

/**
 * Writes each line of `input` to `output` behind `prefix`.
 * @param {NodeJS.ReadableStream} input
 * @param {NodeJS.WritableStream} output
 * @param {string} prefix
 * @param {(line: string) => void} [onLine]
 * @returns {Promise<void>} resolves when `input` ends
 */
export function pipeLines(input, output, prefix, onLine) {
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  rl.on('line', (line) => {
    onLine?.(line);
    if (output.writable) output.write(`${prefix} ${line}\n`);
  });
  return new Promise((resolve) => rl.once('close', () => resolve()));
}

/**
 * Starts a long-running child whose stdout and stderr lines appear behind a coloured `[name]`.
 * @param {object} options
 * @param {string} options.name shown in front of every line
 * @param {string} options.command executable (e.g. process.execPath)
 * @param {string[]} [options.args]
 * @param {NodeJS.ProcessEnv} [options.env] the whole environment of the child (default: ours)
 * @param {string} [options.cwd]
 * @param {boolean} [options.detached] own process group, so a terminal's Ctrl-C reaches only us and
 *   we stop children in order (default false)
 * @param {(info: ExitInfo, service: Service) => void} [options.onExit] called once, after output is flushed
 * @param {(line: string) => void} [options.onLine] every output line, unprefixed
 * @param {NodeJS.WritableStream} [options.stdout] default process.stdout
 * @param {NodeJS.WritableStream} [options.stderr] default process.stderr
 * @returns {Service}
 */
export function spawnService({
  name,
  command,
  args = [],
  env = process.env,
  cwd,
  detached = false,
  onExit,
  onLine,
  stdout = process.stdout,
  stderr = process.stderr,
}) {
  const child = spawn(command, args, { env, cwd, detached, stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(child, { group: detached });
  const tag = color(`[${name}]`, stdout);
  const flushed = Promise.all([
    child.stdout ? pipeLines(child.stdout, stdout, tag, onLine) : undefined,
    child.stderr ? pipeLines(child.stderr, stderr, tag, onLine) : undefined,
  ]);
  /** @type {ExitInfo | undefined} */
  let info;
  /** @type {Service} */
  const service = {
    name,
    child,
    exitInfo: () => info,
    exited: new Promise((resolve) => {
      /** @param {ExitInfo} i */
      const done = (i) => {
        if (info) return;
        info = i;
        // A grandchild could hold the pipes open forever; do not wait long for them.
        void Promise.race([flushed, new Promise((r) => setTimeout(r, 1000).unref())]).then(() => {
          onExit?.(i, service);
          resolve(i);
        });
      };
      child.once('exit', (code, sig) => done({ code, signal: sig }));
      child.once('error', (error) => done({ code: null, signal: null, error }));
    }),
  };
  return service;
}

/**
 * SIGTERMs every running service at once, waits up to `timeoutMs`, then SIGKILLs the rest.
 * @param {Service[]} services
 * @param {number} [timeoutMs] default 10000
 * @returns {Promise<string[]>} names of the services that had to be killed
 */
export async function stopAll(services, timeoutMs = 10_000) {
  const running = services.filter((s) => !s.exitInfo());
  for (const s of running) signal(s.child, 'SIGTERM', isGroupLeader(s.child));
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const timedOut = new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([Promise.all(running.map((s) => s.exited)), timedOut]);
  clearTimeout(timer);
  const stragglers = running.filter((s) => !s.exitInfo());
  for (const s of stragglers) signal(s.child, 'SIGKILL', isGroupLeader(s.child));
  await Promise.all(stragglers.map((s) => s.exited));
  return stragglers.map((s) => s.name);
}

/** @param {import('node:child_process').ChildProcess} child */
function isGroupLeader(child) {
  for (const entry of live) if (entry.child === child) return entry.group;
  return false;
}

/**
 * Describes how a process exited, for messages.
 * @param {ExitInfo} info
 */
export function describeExit(info) {
  if (info.error) return `failed to start: ${info.error.message}`;
  if (info.signal) return `was killed by ${info.signal}`;
  return `exited with code ${info.code}`;
}
