// `npm run bench [-- --quick] [-- --only=placement,fanout,cold-start,writer,snapshot]`
//
// A thin launcher: checks the services are built, raises the open-files limit to the hard limit
// (ten thousand sockets need ten thousand descriptors on each side), pins this process (the load
// generator) to core 1 so the gateway can have core 0, and runs bench/main.mjs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
for (const file of ['gateway/dist/main.js', 'writer/dist/main.js']) {
  if (!existsSync(`${ROOT}${file}`)) {
    console.error(`bench: ${file} is missing: run npm run build first`);
    process.exit(1);
  }
}

const has = (/** @type {string} */ command, /** @type {string[]} */ args) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;
const cores = Number(spawnSync('nproc', ['--all'], { encoding: 'utf8' }).stdout?.trim() || 1);
const pin = !process.env.BENCH_NO_PIN && cores >= 2 && has('taskset', ['-V']);
const main = `${ROOT}bench/main.mjs`;
const node = [process.execPath, main, ...process.argv.slice(2)].map(quote).join(' ');
const script = `ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec ${pin ? 'taskset -c 1 ' : ''}${node}`;
const child = spawn('bash', ['-c', script], { stdio: 'inherit', cwd: ROOT });
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

/** @param {string} arg */
function quote(arg) {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
