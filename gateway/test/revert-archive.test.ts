// Reverting a user beyond the event stream: the placements since `since` were archived by a real
// snapshotter (from snapshotter/dist/main.js) into a real S3 server and trimmed from the stream,
// so their previous colours come from replaying the archived history.
import assert from 'node:assert/strict';
import { canvasKeys, chunkOf, type PlaceResult, type RevertPreview, type RevertResponse } from '@tessera/protocol';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { stopAll } from '../../scripts/lib/processes.mjs';
import { waitFor } from '../../test-support/index.js';
import { ADMIN_ENV, adminClient, OpenApiChecker } from './support/admin-harness.js';
import type { Player } from './support/gateway-harness.js';
import { useAdminWithSnapshotter } from './support/snapshotter-harness.js';

const keys = canvasKeys('main');

type Entry = [id: string, fields: string[]];

describe('reverting a user from the archived history', function () {
  this.timeout(120_000);
  // The gateway's close is bounded itself (admin-api.ts): a hang at the end of the suite is a defect to see.
  const suite = useAdminWithSnapshotter({
    built: ['revert-history-client.js'],
    gatewayEnv: { SNAPSHOT_JOB_TIMEOUT_MS: '15000', PLACE_RATE_PER_SEC: '1000', PLACE_BURST: '1000' },
  });

  const player = (): Promise<Player> => suite.connect(suite.gateway);
  async function place(who: Player, x: number, y: number, color: number): Promise<void> {
    const result = (await who.socket.timeout(5000).emitWithAck('place', { x, y, color })) as PlaceResult;
    assert.equal(result.ok, true, `placing (${x}, ${y}) was refused: ${JSON.stringify(result)}`);
  }
  async function colorAt(x: number, y: number): Promise<number> {
    const { cx, cy, offset } = chunkOf(x, y);
    return (await suite.redis.getBuffer(keys.chunk(cx, cy)))?.[offset] ?? 0;
  }
  async function snapshotNow(): Promise<void> {
    const taken = await suite.api<{ taken: boolean }>('POST', '/snapshots');
    assert.equal(taken.status, 200, JSON.stringify(taken.body));
    assert.equal(taken.body.taken, true);
  }
  /** Waits until the clock has passed the newest event's millisecond, so a `since` taken now falls after it. */
  async function clockPastNewestEvent(): Promise<void> {
    const [newest] = (await suite.redis.xrevrange(keys.events, '+', '-', 'COUNT', 1)) as Entry[];
    const ms = newest ? Number(newest[0].split('-')[0]) : 0;
    await waitFor(() => Date.now() > ms + 1, { message: 'the clock passed the newest event' });
  }
  /** Replays a full history: the colour each pixel had just before `userId`'s first placement there at or after `since`. */
  function replayBefore(history: Entry[], userId: string, since: number): Map<string, number> {
    const colors = new Map<string, number>();
    const before = new Map<string, number>();
    for (const [id, fields] of history) {
      const values = Object.fromEntries(fields.flatMap((_, i) => (i % 2 === 0 ? [[fields[i], fields[i + 1]]] : []))) as Record<string, string>;
      const key = `${values.x},${values.y}`;
      if (values.u === userId && Number(id.split('-')[0]) >= since && !before.has(key)) before.set(key, colors.get(key) ?? 0);
      colors.set(key, Number(values.c));
    }
    return before;
  }

  let since = 0;
  let grief = '';
  let history: Entry[] = [];

  it("puts back exactly the colours a replay of the full history gives, for placements only S3 still holds, and leaves others' pixels", async () => {
    const artist = await player();
    const griefer = await player();
    grief = griefer.welcome.userId;
    await place(artist, 10, 10, 5);
    await place(artist, 11, 10, 6);
    await place(artist, 12, 10, 3);
    await place(griefer, 13, 10, 1); // the griefer's own, before the window: kept
    await snapshotNow(); // the keyframe
    await clockPastNewestEvent();
    since = Date.now();
    // Archived and then trimmed from the stream:
    await place(griefer, 10, 10, 2); // over art: back to 5
    await place(griefer, 10, 10, 3); // twice: still back to 5
    await place(griefer, 11, 10, 2); // the artist repairs it: left alone
    await place(artist, 11, 10, 7);
    await place(griefer, 13, 10, 4); // over their own older pixel: back to 1
    await place(griefer, 250, 150, 2); // another chunk; the artist paints over it after the trim: left alone
    await place(griefer, 12, 10, 9); // and again in the stream below: back to 3 (the archive's first placement wins)
    await snapshotNow(); // archives the window into a history segment
    history = await suite.redis.xrange(keys.events, '-', '+');
    await suite.redis.xtrim(keys.events, 'MAXLEN', 0);
    assert.equal(await suite.redis.xlen(keys.events), 0, 'the window exists only in S3 now');
    // Still in the stream:
    await place(griefer, 12, 10, 8);
    await place(griefer, 20, 20, 4); // on background: back to 0
    await place(artist, 250, 150, 6);
    await place(griefer, 21, 20, 5);
    await place(artist, 21, 20, 1);
    await place(artist, 30, 30, 6); // the artist's, untouched
    history.push(...((await suite.redis.xrange(keys.events, '-', '+')) as Entry[]));

    const expected = replayBefore(history, grief, since);
    assert.deepEqual(
      [...expected.entries()].sort(),
      [
        ['10,10', 5],
        ['11,10', 6],
        ['13,10', 1],
        ['250,150', 0],
        ['12,10', 3],
        ['20,20', 0],
        ['21,20', 0],
      ].sort(),
    );

    const preview = await suite.api<RevertPreview>('POST', '/revert/preview', { userId: grief, since });
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    assert.deepEqual(preview.body, { pixels: 4, skipped: 3, coveredFrom: null, archive: 'used' });
    assert.equal(await colorAt(10, 10), 3, 'a preview changes nothing');

    const streamBefore = await suite.redis.xlen(keys.events);
    const reverted = await suite.api<RevertResponse>('POST', '/revert', { userId: grief, since, reason: 'griefing' });
    assert.equal(reverted.status, 200, JSON.stringify(reverted.body));
    assert.deepEqual(reverted.body, { reverted: 4, skipped: 3, coveredFrom: null, archive: 'used' });
    for (const pixel of ['10,10', '13,10', '12,10', '20,20']) {
      const [x, y] = pixel.split(',').map(Number) as [number, number];
      assert.equal(await colorAt(x, y), expected.get(pixel), `${pixel} is back to its colour before the griefer`);
    }
    assert.equal(await colorAt(11, 10), 7, "the artist's repair is left alone");
    assert.equal(await colorAt(250, 150), 6, "the artist's later pixel is left alone");
    assert.equal(await colorAt(21, 20), 1);
    assert.equal(await colorAt(30, 30), 6);
    assert.equal(await suite.redis.xlen(keys.events), streamBefore + 4, 'one event per pixel put back, through the stream');
    const audit = await suite.api<{ entries: { action: string; details: Record<string, unknown> }[] }>('GET', '/audit?limit=1');
    assert.equal(audit.body.entries[0]?.action, 'user.revert');
    assert.equal(audit.body.entries[0]?.details.archive, 'used');
    assert.deepEqual(
      (await suite.api<RevertPreview>('POST', '/revert/preview', { userId: grief, since })).body,
      { pixels: 0, skipped: 7, coveredFrom: null, archive: 'used' },
      'the admin owns the pixels put back',
    );
  });

  it("answers an unknown user with nothing, and refuses a window beyond the archive's range or in the future", async () => {
    const nobody = await suite.api<RevertPreview>('POST', '/revert/preview', { userId: 'g_nobody', since });
    assert.equal(nobody.status, 200, JSON.stringify(nobody.body));
    assert.deepEqual(nobody.body, { pixels: 0, skipped: 0, coveredFrom: null, archive: 'used' });

    const tooLong = await suite.api<{ error: string; field?: string }>('POST', '/revert/preview', { userId: grief, since: since - 32 * 86_400_000 });
    assert.equal(tooLong.status, 400, JSON.stringify(tooLong.body));
    assert.equal(tooLong.body.error, 'RANGE_TOO_LONG');
    assert.equal(tooLong.body.field, 'since');

    const future = await suite.api<{ error: string; field?: string }>('POST', '/revert', { userId: grief, since: Date.now() + 3_600_000 });
    assert.equal(future.status, 400);
    assert.equal(future.body.field, 'since');
  });

  it('the snapshotter refuses a malformed job put straight into its queue, with the reason', async () => {
    const connection = new Redis(suite.redisServer.url, { maxRetriesPerRequest: null });
    const queue = new Queue('tessera-revert-history-main', { connection, prefix: '{tessera-bull}' });
    try {
      for (const [data, reason] of [
        [{ userId: '', since: 0, until: '1-0' }, /^INVALID_REQUEST: userId/],
        [{ userId: 'g_x', since: -5, until: '1-0' }, /^INVALID_REQUEST: since/],
        [{ userId: 'g_x', since: 0, until: 'yesterday' }, /^INVALID_REQUEST: until/],
        [{ userId: 'g_x', since: 0, until: `${Date.now()}-0` }, /^RANGE_TOO_LONG/],
      ] as const) {
        const job = await queue.add('previous-colours', data);
        await waitFor(async () => (await job.getState()) === 'failed', { timeoutMs: 20_000, message: `job ${JSON.stringify(data)} failed` });
        assert.match((await queue.getJob(job.id!))!.failedReason, reason);
      }
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  it('without a snapshotter deployed, reverts from the stream alone and says so', async () => {
    const streamOnly = await suite.startGateway({ ...ADMIN_ENV, PORT: '0' });
    const streamApi = adminClient(streamOnly.url, await OpenApiChecker.fetch(streamOnly.url));
    const [first] = (await suite.redis.xrange(keys.events, '-', '+', 'COUNT', 1)) as Entry[];
    const preview = await streamApi<RevertPreview>('POST', '/revert/preview', { userId: grief, since });
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    assert.equal(preview.body.archive, 'not-deployed');
    assert.equal(preview.body.coveredFrom, Number(first![0].split('-')[0]));
  });

  it('with the snapshotter down, refuses with 503 and changes nothing', async () => {
    const griefer = suite.players[1]!;
    await place(griefer, 40, 40, 3);
    await stopAll(suite.services.splice(0), 5_000);
    const streamBefore = await suite.redis.xlen(keys.events);
    const preview = await suite.api<{ error: string; message: string }>('POST', '/revert/preview', { userId: grief, since });
    assert.equal(preview.status, 503, JSON.stringify(preview.body));
    assert.equal(preview.body.error, 'SNAPSHOTS_UNAVAILABLE');
    assert.match(preview.body.message, /nothing was changed/);
    const reverted = await suite.api<{ error: string }>('POST', '/revert', { userId: grief, since });
    assert.equal(reverted.status, 503, JSON.stringify(reverted.body));
    assert.equal(await colorAt(40, 40), 3, 'nothing reverted');
    assert.equal(await suite.redis.xlen(keys.events), streamBefore);
  });
});
