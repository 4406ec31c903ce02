// The admin history-job endpoints against a real snapshotter process (snapshotter/dist/main.js),
// a real S3-compatible server and the system ffmpeg: start, progress, link; refusals; public datasets.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { PlaceResult } from '@tessera/protocol';
import { decode } from 'fast-png';
import { spawnService, stopAll, type Service } from '../../scripts/lib/processes.mjs';
import { getFreePort, requireBuilt, useRedis, useS3, waitFor } from '../../test-support/index.js';
import { ADMIN_ENV, adminClient, OpenApiChecker } from './support/admin-harness.js';
import { connectPlayer, startGateway, type Player, type RunningGateway } from './support/gateway-harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SNAPSHOTTER_MAIN = `${ROOT}snapshotter/dist/main.js`;

interface Job {
  id: string;
  state: string;
  progress: { fraction: number; stage: string };
  result?: { fileName: string; bytes: number };
  error?: string;
}

describe('the admin history-job endpoints with a snapshotter', function () {
  this.timeout(90_000);

  before(function () {
    requireBuilt(this, [SNAPSHOTTER_MAIN, `${ROOT}snapshotter/dist/history-jobs-client.js`]);
  });

  const services: Service[] = [];
  let gateway: RunningGateway;
  let api: ReturnType<typeof adminClient>;
  let player: Player | undefined;
  after(async () => {
    player?.socket.close();
    await gateway?.close();
    await stopAll(services, 5_000);
  });
  const redisServer = useRedis();
  const s3 = useS3();
  let from: number;

  const finished = (id: string): Promise<Job> =>
    waitFor(
      async () => {
        const { body } = await api<{ job: Job }>('GET', `/history-jobs/${id}`);
        if (body.job.state === 'failed') throw new Error(`job failed: ${body.job.error}`);
        return body.job.state === 'completed' ? body.job : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, message: `history job ${id} completed` },
    );

  before(async () => {
    const env = { ...ADMIN_ENV, SNAPSHOTS_ENABLED: 'true', CANVAS_BOOTSTRAP: 'create', CANVAS_WIDTH: '300', CANVAS_HEIGHT: '200', CANVAS_CACHE_MS: '100' };
    gateway = await startGateway(redisServer.url, env);
    api = adminClient(gateway.url, await OpenApiChecker.fetch(gateway.url));
    const port = await getFreePort();
    const output = process.env.TESSERA_E2E_LOGS ? process.stdout : new PassThrough().resume();
    services.push(
      spawnService({
        name: 'snapshotter',
        command: process.execPath,
        args: [SNAPSHOTTER_MAIN],
        env: {
          PATH: process.env.PATH ?? '',
          LOG_LEVEL: 'warn',
          REDIS_URL: redisServer.url,
          HTTP_PORT: String(port),
          SNAPSHOT_INTERVAL_MS: '600000',
          DATASET_USER_SALT: 'the-salt-of-this-test-event',
          ...s3.env,
        },
        cwd: ROOT,
        stdout: output,
        stderr: output,
      }),
    );
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, { timeoutMs: 30_000, message: 'snapshotter ready' });
    from = Date.now() - 1;
    player = await connectPlayer(gateway.url);
    for (const [x, y, color] of [
      [10, 10, 5],
      [10, 10, 6],
      [11, 10, 2],
    ] as const) {
      const placed = (await player.socket.timeout(3000).emitWithAck('place', { x, y, color })) as PlaceResult;
      assert.equal(placed.ok, true);
    }
    assert.equal((await api('POST', '/snapshots')).status, 200);
  });

  it('starts a heatmap, shows its progress to the end, and gives a link that downloads it', async () => {
    const started = await api<{ job: Job }>('POST', '/history-jobs', {
      kind: 'heatmap',
      from,
      to: Date.now(),
      region: { x: 0, y: 0, width: 300, height: 200 },
    });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const job = await finished(started.body.job.id);
    assert.deepEqual(job.progress, { fraction: 1, stage: 'done' });
    const listed = await api<{ jobs: Job[] }>('GET', '/history-jobs');
    assert.ok(listed.body.jobs.some((entry) => entry.id === job.id));
    const link = await api<{ url: string; fileName: string }>('GET', `/history-jobs/${job.id}/link`);
    assert.equal(link.status, 200, JSON.stringify(link.body));
    const download = await fetch(link.body.url);
    assert.equal(download.status, 200);
    const png = decode(new Uint8Array(await download.arrayBuffer()));
    assert.deepEqual([png.width, png.height], [300, 200]);
    assert.equal(png.data[10 * 300 + 10], 255, 'the busiest pixel (placed twice) has the top level');
    assert.equal(png.data[0], 0, 'a pixel nobody placed is level 0');
    const audit = await api<{ entries: { action: string }[] }>('GET', '/audit?limit=5');
    assert.ok(audit.body.entries.some((entry) => entry.action === 'history.start'));
  });

  it('refuses reversed and huge ranges, regions off the canvas, absurd timelapses and unknown jobs with clear codes', async () => {
    const now = Date.now();
    const timelapse = { kind: 'timelapse', from, to: now, durationSeconds: 5, fps: 30, scale: 2 };
    const cases: [unknown, number, string][] = [
      [{ ...timelapse, from: now, to: from }, 400, 'INVALID_RANGE'],
      [{ ...timelapse, from: 0, to: now }, 400, 'RANGE_TOO_LONG'],
      [{ ...timelapse, region: { x: 250, y: 0, width: 100, height: 10 } }, 400, 'REGION_OUT_OF_BOUNDS'],
      [{ ...timelapse, durationSeconds: 600, fps: 60 }, 400, 'TOO_MANY_FRAMES'],
      [{ ...timelapse, fps: 1000 }, 400, 'INVALID_PAYLOAD'],
      [{ ...timelapse, scale: 0.5 }, 400, 'INVALID_PAYLOAD'],
      [{ ...timelapse, kind: 'movie' }, 400, 'INVALID_PAYLOAD'],
      [{ ...timelapse, extra: true }, 400, 'INVALID_PAYLOAD'],
      [{ ...timelapse, from: '2024-01-01' }, 400, 'INVALID_PAYLOAD'],
    ];
    for (const [body, status, code] of cases) {
      const answer = await api<{ error: string }>('POST', '/history-jobs', body);
      assert.deepEqual([answer.status, answer.body.error], [status, code], JSON.stringify(body));
    }
    assert.equal((await api('GET', '/history-jobs/99999')).status, 404);
    assert.equal((await api('GET', '/history-jobs/99999/link')).status, 404);
    assert.equal((await api('GET', '/history-jobs/not-an-id')).status, 400);
  });

  it('serves datasets to anyone only while the canvas makes them public', async () => {
    const started = await api<{ job: Job }>('POST', '/history-jobs', { kind: 'dataset', from, to: Date.now(), format: 'csv' });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const job = await finished(started.body.job.id);
    assert.equal((await fetch(`${gateway.url}/api/datasets`)).status, 404, 'not public by default');
    assert.equal((await fetch(`${gateway.url}/api/datasets/${job.id}/download`, { redirect: 'manual' })).status, 404);

    const opened = await api<{ config: { datasetsPublic?: boolean } }>('PUT', '/datasets-public', { public: true });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    assert.equal(opened.body.config.datasetsPublic, true);
    const list = (await (await fetch(`${gateway.url}/api/datasets`)).json()) as { datasets: { id: string; download: string }[] };
    assert.deepEqual(
      list.datasets.map((dataset) => dataset.id),
      [job.id],
    );
    const redirect = await fetch(`${gateway.url}${list.datasets[0]!.download}`, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    const csv = await (await fetch(redirect.headers.get('location')!)).text();
    const lines = csv.trim().split('\n');
    assert.equal(lines[0], 'timestamp_ms,user_hash,x,y,x2,y2,color_hex,color_index');
    assert.equal(lines.length, 4, 'a header and the three placements');
    assert.equal((await fetch(`${gateway.url}/api/datasets/not-a-number/download`, { redirect: 'manual' })).status, 404);

    assert.equal((await api('PUT', '/datasets-public', { public: false })).status, 200);
    assert.equal((await fetch(`${gateway.url}/api/datasets`)).status, 404, 'closed again');
  });
});
