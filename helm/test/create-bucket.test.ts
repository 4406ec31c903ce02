/**
 * The snapshotter's init container for the bundled object store, run as the chart renders it
 * (the script from its args, the variables from its ConfigMap) against a real S3 server process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { getFreePort } from '../../scripts/lib/free-port.mjs';
import { startS3, type S3Server } from '../../test-support/s3.js';
import { containerEnv, find, repoRoot, render, RELEASE, type K8sObject } from './support/chart.js';

interface Run {
  readonly output: () => string;
  readonly exited: Promise<number>;
}

describe("the bundled object store's bucket", function () {
  this.timeout(60_000);
  let init: K8sObject;
  let config: Map<string, { value?: string }>;
  const servers: S3Server[] = [];

  before(async () => {
    const objects = await render();
    const deployment = find(objects, 'Deployment', `${RELEASE}-snapshotter`);
    init = deployment.spec.template.spec.initContainers.find((c: K8sObject) => c.name === 'create-bucket');
    config = containerEnv(objects, init);
  });
  after(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });

  /** Runs the init container's command in snapshotter/ (the image's /app/snapshotter) against `endpoint`. */
  function runInit(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }, timeoutMs = 30_000): Run {
    assert.equal(init.workingDir, '/app/snapshotter');
    const [command, ...args] = init.args as string[];
    assert.equal(command, 'node');
    const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
    for (const [name, source] of config) if (source.value !== undefined) env[name] = source.value;
    Object.assign(env, {
      S3_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      CREATE_BUCKET_TIMEOUT_MS: String(timeoutMs),
    });
    const child = spawn(process.execPath, args, { cwd: join(repoRoot, 'snapshotter'), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return { output: () => output, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1))) };
  }

  it("is named by the snapshotter's own configuration and the generated keys", () => {
    assert.equal(config.get('S3_BUCKET')?.value, 'tessera');
    assert.equal(config.get('S3_ENDPOINT')?.value, `http://${RELEASE}-objectstore.events.svc:8333`);
    assert.ok(init.env.some((e: K8sObject) => e.name === 'AWS_SECRET_ACCESS_KEY' && e.valueFrom.secretKeyRef.name === RELEASE));
  });

  it('waits for the store to answer, creates the bucket, and finds it again on the next start', async () => {
    const port = await getFreePort();
    const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    const endpoint = `http://127.0.0.1:${port}`;
    // The store is not up yet, as when both pods start together.
    const first = runInit(endpoint, credentials);
    const deadline = Date.now() + 20_000;
    while (!first.output().includes('waiting for')) {
      assert.ok(Date.now() < deadline, `the init container never reported waiting: ${first.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const server = await startS3({ port, buckets: [] });
    servers.push(server);
    assert.equal(await first.exited, 0, first.output());
    assert.match(first.output(), /created bucket tessera/);
    const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    await s3.send(new HeadBucketCommand({ Bucket: 'tessera' }));
    s3.destroy();

    const second = runInit(endpoint, credentials);
    assert.equal(await second.exited, 0, second.output());
    assert.match(second.output(), /bucket tessera exists/);
  });

  it('gives up with an error, not a hang, when no store ever answers', async () => {
    const port = await getFreePort();
    const child = runInit(`http://127.0.0.1:${port}`, { accessKeyId: 'x', secretAccessKey: 'y' }, 3_000);
    assert.equal(await child.exited, 1);
    assert.match(child.output(), /gave up after \d+ attempts/);
  });
});
