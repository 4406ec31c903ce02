// The admin page's history jobs in real Chromium, against a real gateway, a real snapshotter
// process with the system ffmpeg, and a real S3-compatible server: start a timelapse, watch its
// progress reach the end, get the download link, and download an MP4 from it.
import assert from 'node:assert/strict';
import { waitFor } from '../../test-support/index.js';
import { useAdminCluster } from './support/admin-cluster.js';

describe('history jobs on the admin page in a browser', function () {
  this.timeout(120_000);
  const cluster = useAdminCluster({ CANVAS_WIDTH: '64', CANVAS_HEIGHT: '48' }, { snapshotter: true, writer: 'none' });

  before(async function () {
    this.timeout(60_000);
    for (let i = 0; i < 20; i++) await cluster.place(i, i, 1 + (i % 5));
  });

  it('starts a timelapse, shows its progress to 100 %, and offers a link that downloads the MP4', async () => {
    const page = await cluster.signedInAdmin({ width: 1200, height: 900 });

    // The form proposes the last hour; the range ends a second from now, after every placement.
    const form = page.locator('#history-job-form');
    await form.locator('select[name=kind]').selectOption('timelapse');
    const to = new Date(Date.now() + 1_000);
    const local = new Date(to.getTime() - to.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    await form.locator('input[name=to]').fill(local);
    await form.locator('input[name=durationSeconds]').fill('2');
    await form.locator('input[name=fps]').fill('10');
    await form.locator('input[name=scale]').fill('4');
    // Past the range's end before it starts: every placement is in it.
    await waitFor(() => Date.now() > to.getTime() + 50, { message: 'the range ended' });
    await form.locator('button[type=submit]').click();
    await page.waitForSelector('#history-notice:has-text("Started timelapse")', { timeout: 30_000 });

    const row = page.locator('#history-jobs tr').first();
    await page.waitForSelector('#history-jobs tr[data-state=completed]', { timeout: 60_000 });
    assert.equal(await row.locator('progress').evaluate((bar) => (bar as HTMLProgressElement).value), 1);
    assert.match((await row.textContent()) ?? '', /100% done/);

    const download = page.waitForEvent('download', { timeout: 15_000 });
    await row.locator('.history-download').click();
    const link = await page.waitForSelector('#history-jobs .history-link', { timeout: 15_000 });
    const href = await link.getAttribute('href');
    assert.ok(href?.startsWith(cluster.s3Endpoint), `a presigned link to the S3 server: ${href}`);
    const saved = await download;
    assert.match(saved.suggestedFilename(), /timelapse.*\.mp4$/);
    const response = await fetch(href!);
    assert.equal(response.status, 200);
    const bytes = new Uint8Array(await response.arrayBuffer());
    assert.equal(Buffer.from(bytes.subarray(4, 8)).toString('latin1'), 'ftyp', 'an MP4 file');
  });
});
