import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

/** A service's built main started as a child process, with everything it printed kept for assertions. */
export interface MainProcess {
  readonly process: ChildProcess;
  /** Its stdout and stderr so far, interleaved as they arrived. */
  readonly output: () => string;
  /** Its exit code (null when a signal killed it). */
  readonly exited: Promise<number | null>;
}

/**
 * Starts `main` (a service's dist/main.js) with only PATH and `env` in its environment, as a
 * deployment would: nothing from the test process leaks into its configuration.
 */
export function startMainProcess(main: string, env: Record<string, string>): MainProcess {
  const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, output: () => output, exited };
}

/**
 * Mocha hooks for a suite that starts `main` as child processes: `before` fails the suite when it
 * is not built (a missing build must not pass as a skip here), `after` kills whatever still runs.
 */
export function useMainProcesses(main: string, buildHint: string): { start(env: Record<string, string>): MainProcess } {
  const started: MainProcess[] = [];
  before(() => {
    if (!existsSync(main)) throw new Error(`${main} is missing: build first (${buildHint})`);
  });
  after(async () => {
    for (const child of started) child.process.kill('SIGKILL');
    await Promise.all(started.map((child) => child.exited));
  });
  return {
    start(env) {
      const child = startMainProcess(main, env);
      started.push(child);
      return child;
    },
  };
}

/** GETs `path` from a service's probe server on `port`: the status and the body as text. */
export async function getProbe(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}
