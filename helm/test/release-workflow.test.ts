import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { chartDir, repoRoot } from './support/chart.js';

describe('the release workflow', () => {
  const workflow = parse(readFileSync(join(repoRoot, '.github', 'workflows', 'release.yml'), 'utf8'));
  const steps: Record<string, any>[] = workflow.jobs.release.steps; // eslint-disable-line @typescript-eslint/no-explicit-any
  const step = (uses: string) => steps.find((s) => typeof s.uses === 'string' && s.uses.startsWith(uses));

  it('runs on a version tag only', () => {
    assert.deepEqual(Object.keys(workflow.on), ['push']);
    assert.deepEqual(workflow.on.push.tags, ['v*.*.*']);
  });

  it('builds the image for amd64 and arm64 and pushes it to GHCR', () => {
    const build = step('docker/build-push-action');
    assert.ok(build, 'no docker/build-push-action step');
    assert.equal(build.with.platforms, 'linux/amd64,linux/arm64');
    assert.equal(build.with.push, true);
    assert.ok(step('docker/setup-qemu-action') && step('docker/setup-buildx-action'));
    assert.equal(step('docker/login-action')!.with.registry, 'ghcr.io');
    assert.equal(workflow.jobs.release.permissions.packages, 'write');
  });

  it('pushes the chart as an OCI artifact with the tag as its version', () => {
    const script = steps.map((s) => s.run ?? '').join('\n');
    assert.match(script, /helm\.mjs package helm\/tessera --version "\$version" --app-version "\$version"/);
    assert.match(script, /helm\.mjs push "dist-chart\/tessera-\$version\.tgz" "\$CHART_REPO"/);
    assert.match(workflow.jobs.release.env.CHART_REPO, /^oci:\/\/ghcr\.io\//);
  });

  it('is what image.repository defaults to, and refuses to release when they differ', () => {
    const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8'));
    assert.match(values.image.repository, /^ghcr\.io\/[a-z0-9-]+\/tessera$/);
    assert.equal(workflow.jobs.release.env.IMAGE, 'ghcr.io/${{ github.repository_owner }}/tessera');
    assert.ok(steps.some((s) => /image\.repository is \$default, but this release pushes \$IMAGE/.test(s.run ?? '')));
  });

  it('tests on the Node the image runs before it publishes anything', () => {
    const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
    const imageNode = /^ARG NODE_IMAGE=node:(\d+\.\d+\.\d+)-/m.exec(dockerfile)?.[1];
    const ciNode = /^NODE24=(\S+)$/m.exec(readFileSync(join(repoRoot, '.ci', 'run'), 'utf8'))?.[1];
    assert.equal(step('actions/setup-node')!.with['node-version'], imageNode);
    assert.equal(ciNode, imageNode, '.ci/run and the Dockerfile must test and ship the same Node');
    const tests = steps.findIndex((s) => /npm test/.test(s.run ?? ''));
    const build = steps.findIndex((s) => s.uses?.startsWith('docker/build-push-action'));
    assert.ok(tests >= 0 && tests < build);
  });
});
