// The admin history-job endpoints against a real snapshotter process (snapshotter/dist/main.js),
// a real S3-compatible server and the system ffmpeg: start, progress, link; refusals; public datasets.
import assert from 'node:assert/strict';
import type { PlaceResult } from '@tessera/protocol';
import { decode } from 'fast-png';
import { waitFor } from '../../test-support/index.js';
import { useAdminWithSnapshotter } from './support/snapshotter-harness.js';

interface Job {
  id: string;
  state: string;
  progress: { fraction: number; stage: string };
  result?: { fileName: string; bytes: number };
  error?: string;
}

describe('the admin history-job endpoints with a snapshotter', function () {
  this.timeout(90_000);
  const suite = useAdminWithSnapshotter({
    built: ['history-jobs-client.js'],
    gatewayEnv: { CANVAS_CACHE_MS: '100' },
    snapshotterEnv: { DATASET_USER_SALT: 'the-salt-of-this-test-event' },
  });
  let from: number;

  const finished = (id: string): Promise<Job> =>
    waitFor(
      async () => {
        const { body } = await suite.api<{ job: Job }>('GET', `/history-jobs/${id}`);
        if (body.job.state === 'failed') throw new Error(`job failed: ${body.job.error}`);
        return body.job.state === 'completed' ? body.job : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, message: `history job ${id} completed` },
    );

  before(async () => {
    from = Date.now() - 1;
    const player = await suite.connect(suite.gateway);
    for (const [x, y, color] of [
      [10, 10, 5],
      [10, 10, 6],
      [11, 10, 2],
    ] as const) {
      const placed = (await player.socket.timeout(3000).emitWithAck('place', { x, y, color })) as PlaceResult;
      assert.equal(placed.ok, true);
    }
    assert.equal((await suite.api('POST', '/snapshots')).status, 200);
  });

  it('starts a heatmap, shows its progress to the end, and gives a link that downloads it', async () => {
    const started = await suite.api<{ job: Job }>('POST', '/history-jobs', {
      kind: 'heatmap',
      from,
      to: Date.now(),
      region: { x: 0, y: 0, width: 300, height: 200 },
    });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const job = await finished(started.body.job.id);
    assert.deepEqual(job.progress, { fraction: 1, stage: 'done' });
    const listed = await suite.api<{ jobs: Job[] }>('GET', '/history-jobs');
    assert.ok(listed.body.jobs.some((entry) => entry.id === job.id));
    const link = await suite.api<{ url: string; fileName: string }>('GET', `/history-jobs/${job.id}/link`);
    assert.equal(link.status, 200, JSON.stringify(link.body));
    const download = await fetch(link.body.url);
    assert.equal(download.status, 200);
    const png = decode(new Uint8Array(await download.arrayBuffer()));
    assert.deepEqual([png.width, png.height], [300, 200]);
    assert.equal(png.data[10 * 300 + 10], 255, 'the busiest pixel (placed twice) has the top level');
    assert.equal(png.data[0], 0, 'a pixel nobody placed is level 0');
    const audit = await suite.api<{ entries: { action: string }[] }>('GET', '/audit?limit=5');
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
      const answer = await suite.api<{ error: string }>('POST', '/history-jobs', body);
      assert.deepEqual([answer.status, answer.body.error], [status, code], JSON.stringify(body));
    }
    assert.equal((await suite.api('GET', '/history-jobs/99999')).status, 404);
    assert.equal((await suite.api('GET', '/history-jobs/99999/link')).status, 404);
    assert.equal((await suite.api('GET', '/history-jobs/not-an-id')).status, 400);
  });

  it('serves datasets to anyone only while the canvas makes them public', async () => {
    const started = await suite.api<{ job: Job }>('POST', '/history-jobs', { kind: 'dataset', from, to: Date.now(), format: 'csv' });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const job = await finished(started.body.job.id);
    assert.equal((await fetch(`${suite.gateway.url}/api/datasets`)).status, 404, 'not public by default');
    assert.equal((await fetch(`${suite.gateway.url}/api/datasets/${job.id}/download`, { redirect: 'manual' })).status, 404);

    const opened = await suite.api<{ config: { datasetsPublic?: boolean } }>('PUT', '/datasets-public', { public: true });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    assert.equal(opened.body.config.datasetsPublic, true);
    const list = (await (await fetch(`${suite.gateway.url}/api/datasets`)).json()) as { datasets: { id: string; download: string }[] };
    assert.deepEqual(
      list.datasets.map((dataset) => dataset.id),
      [job.id],
    );
    const redirect = await fetch(`${suite.gateway.url}${list.datasets[0]!.download}`, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    const csv = await (await fetch(redirect.headers.get('location')!)).text();
    const lines = csv.trim().split('\n');
    assert.equal(lines[0], 'timestamp_ms,user_hash,x,y,x2,y2,color_hex,color_index');
    assert.equal(lines.length, 4, 'a header and the three placements');
    assert.equal((await fetch(`${suite.gateway.url}/api/datasets/not-a-number/download`, { redirect: 'manual' })).status, 404);

    assert.equal((await suite.api('PUT', '/datasets-public', { public: false })).status, 200);
    assert.equal((await fetch(`${suite.gateway.url}/api/datasets`)).status, 404, 'closed again');
  });
});
