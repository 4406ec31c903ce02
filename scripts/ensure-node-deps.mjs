// Installs the npm dependencies from the lockfile when node_modules is missing, so `npm test`
// works on a fresh clone. Uses only Node's standard library: it runs before anything is installed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
if (!existsSync(`${root}node_modules/.package-lock.json`)) {
  console.log('==> npm ci (node_modules missing)');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
