// `npm start` (scripts/dev-up.mjs) as a person or a supervisor runs it: every process it starts is
// gone, and every port it bound is free, after SIGTERM to npm or SIGINT to the launcher itself.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getFreePort, isPortFree, requireBuilt, waitFor } from '../../test-support/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ADMIN_TOKEN = 'launcher-admin-token-0123456789abcdef';

/** pid → parent pid of every process on the machine, from /proc. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirPids()) {
    const stat = readStat(entry);
    if (stat) map.set(entry, stat.ppid);
  }
  return map;
}
function readdirPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}
/** State and parent of a process, or undefined when it is gone. A zombie counts as gone: it has exited. */
function readStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '?', ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}
const running = (pid: number): boolean => {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
};
function descendants(root: number): number[] {
  const map = parents();
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    for (const [child, parent] of map) {
      if (parent === pid && !found.includes(child)) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}
function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

interface Launched {
  readonly npm: ChildProcess;
  readonly output: () => string;
  readonly dataDir: string;
  /** Every process under npm once the launcher was up. */
  pids: number[];
}

describe('the local launcher (npm start)', function () {
  this.timeout(120_000);
  let launched: Launched | undefined;

  before(function () {
    requireBuilt(
      this,
      ['gateway/dist/main.js', 'writer/dist/main.js', 'snapshotter/dist/main.js'].map((file) => `${ROOT}${file}`),
    );
  });
  afterEach(() => {
    // Whatever a failed case left: npm's group, and every process found under it once it was up
    // (an orphaned service is no longer in that tree, nor in the group of a detached child).
    if (launched?.npm.pid) {
      try {
        process.kill(-launched.npm.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      for (const pid of new Set([...launched.pids, ...descendants(launched.npm.pid)])) {
        if (!running(pid)) continue;
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    if (launched) rmSync(launched.dataDir, { recursive: true, force: true });
    launched = undefined;
  });

  async function launch(): Promise<Launched & { ports: number[] }> {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-launcher-'));
    const port = await getFreePort();
    // Its own process group, so that cleanup can reach everything even if the launcher fails us.
    const npm = spawn('npm', ['start', '--', '--no-build', '--no-install'], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PORT: String(port), TESSERA_DATA_DIR: dataDir, ADMIN_TOKENS: `ops:${ADMIN_TOKEN}`, LOG_LEVEL: 'warn', NO_COLOR: '1' },
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output += chunk.toString();
      if (process.env.TESSERA_E2E_LOGS) process.stdout.write(chunk);
    };
    npm.stdout?.on('data', keep);
    npm.stderr?.on('data', keep);
    launched = { npm, output: () => output, dataDir, pids: [] };
    await waitFor(() => output.includes('Tessera is up.') || npm.exitCode !== null, { timeoutMs: 90_000, intervalMs: 100, message: 'the launcher to be up' });
    assert.ok(output.includes('Tessera is up.'), `the launcher stopped before it was up:\n${output}`);
    const up = output.slice(output.indexOf('Tessera is up.'));
    const ports = [...new Set([...up.matchAll(/(?:localhost|127\.0\.0\.1):(\d+)/g)].map((match) => Number(match[1])))];
    launched.pids = descendants(npm.pid!);
    return { ...launched, ports };
  }

  async function assertAllGone(run: Launched & { ports: number[] }): Promise<void> {
    await waitFor(() => run.npm.exitCode !== null || run.npm.signalCode !== null, { timeoutMs: 30_000, message: 'npm to exit' });
    for (const pid of run.pids) {
      await waitFor(() => !running(pid), { timeoutMs: 20_000, message: `pid ${pid} (${commandOf(pid)}) to exit` });
    }
    for (const port of run.ports) {
      assert.equal(await isPortFree(port), true, `port ${port} is still bound after the launcher stopped`);
    }
  }

  it('runs every service, tells the gateways a snapshotter is there, and stops them all on SIGTERM to npm', async () => {
    const run = await launch();
    const commands = run.pids.map(commandOf);
    for (const name of ['redis-server', 's3rver-child', 'gateway/dist/main.js', 'writer/dist/main.js', 'snapshotter/dist/main.js']) {
      assert.ok(
        commands.some((command) => command.includes(name)),
        `${name} among ${commands.join(' | ')}`,
      );
    }
    assert.equal(commands.filter((command) => command.includes('gateway/dist/main.js')).length, 2, 'two gateways');
    assert.ok(run.ports.length >= 7, `ports printed: ${run.ports.join(', ')}`);

    // The admin page shows the snapshot panel only when its gateway has SNAPSHOTS_ENABLED.
    const gatewayPort = Number(/Play:\s+http:\/\/localhost:(\d+)/.exec(run.output())?.[1]);
    const snapshots = await fetch(`http://127.0.0.1:${gatewayPort}/api/admin/snapshots`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(snapshots.status, 200, await snapshots.clone().text());

    process.kill(run.npm.pid!, 'SIGTERM');
    await assertAllGone(run);
  });

  it('stops every service on SIGINT to the launcher itself', async () => {
    const run = await launch();
    const launcher = run.pids.find((pid) => commandOf(pid).includes('scripts/dev-up.mjs'));
    assert.ok(launcher, `the launcher among ${run.pids.map(commandOf).join(' | ')}`);
    process.kill(launcher, 'SIGINT');
    await assertAllGone(run);
    assert.match(run.output(), /stopped\./);
  });
});
