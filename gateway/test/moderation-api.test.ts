import assert from 'node:assert/strict';
import {
  canvasKeys,
  chunkOf,
  type AdminPixelInfo,
  type AdminUserInfo,
  type PlaceResult,
  type PublicPixelInfo,
  type RevertPreview,
  type RevertResponse,
  type TopPlacers,
} from '@tessera/protocol';
import { Redis } from 'ioredis';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { useRedis, waitFor } from '../../test-support/index.js';
import { followUserActivity } from '../../writer/src/user-activity.js';
import { startWriter, testLog, type TestWriter } from '../../writer/test/support/harness.js';
import { PIXEL_LOOKUP_OPENAPI } from '../src/pixel-lookup-openapi.js';
import { ADMIN_ENV, adminClient, OpenApiChecker, startJwks } from './support/admin-harness.js';
import { connectPlayer, startGateway, type Player, type RunningGateway } from './support/gateway-harness.js';

describe('moderation: who placed a pixel, per-user views, reverting a user', function () {
  this.timeout(60_000);
  const redisServer = useRedis();
  let redis: Redis;
  let jwks: Awaited<ReturnType<typeof startJwks>>;
  let counter = 0;
  const gateways: RunningGateway[] = [];
  const writers: TestWriter[] = [];
  const players: Player[] = [];
  const canvasOf = new Map<RunningGateway, string>();

  async function canvas(env: Record<string, string> = {}) {
    const canvasId = `mod${process.pid}-${++counter}`;
    const gateway = await startGateway(redisServer.url, {
      ...ADMIN_ENV,
      CANVAS_ID: canvasId,
      CANVAS_WIDTH: '600',
      CANVAS_HEIGHT: '300',
      PLACE_RATE_PER_SEC: '1000',
      PLACE_BURST: '1000',
      AUTH_JWKS_URL: jwks.url,
      AUTH_JWT_ISSUER: 'https://issuer.test',
      AUTH_JWT_AUDIENCE: 'tessera',
      ...env,
    });
    gateways.push(gateway);
    canvasOf.set(gateway, canvasId);
    const checker = await OpenApiChecker.fetch(gateway.url);
    return { gateway, canvasId, keys: canvasKeys(canvasId), api: adminClient(gateway.url, checker) };
  }
  async function withWriter(canvasId: string): Promise<TestWriter> {
    const writer = await startWriter(redisServer.url, { canvasId });
    // As writer/src/main.ts wires it.
    followUserActivity({ writer: writer.writer, redis: writer.redis, canvasId, log: testLog, registry: writer.registry });
    writers.push(writer);
    return writer;
  }
  async function player(gateway: RunningGateway, auth: Record<string, unknown> = {}): Promise<Player> {
    const connected = await connectPlayer(gateway.url, auth);
    players.push(connected);
    // The connection is recorded (address, display name) beside the welcome, not before it.
    const sessions = canvasKeys(canvasOf.get(gateway)!).userSessions(connected.welcome.userId);
    await waitFor(async () => (await redis.exists(sessions)) === 1, { timeoutMs: 10_000 });
    return connected;
  }
  async function place(who: Player, x: number, y: number, color: number): Promise<void> {
    const result = (await who.socket.timeout(5000).emitWithAck('place', { x, y, color })) as PlaceResult;
    assert.equal(result.ok, true, `placing (${x}, ${y}) was refused: ${JSON.stringify(result)}`);
  }
  const validatePublic = new Ajv2020({ strict: false })
    .addSchema({ $id: 'p', components: PIXEL_LOOKUP_OPENAPI.components })
    .compile({ $ref: 'p#/components/schemas/PixelInfo' });
  async function lookup(gateway: RunningGateway, path: string, headers: Record<string, string> = {}) {
    const response = await fetch(`${gateway.url}/api/canvas/pixels/${path}`, { headers });
    const text = await response.text();
    const body = text === '' ? undefined : (JSON.parse(text) as PublicPixelInfo & { error?: string });
    if (response.status === 200) assert.ok(validatePublic(body), `the answer matches the public document: ${text}`);
    return { status: response.status, body: body!, headers: response.headers };
  }
  async function colorAt(keys: ReturnType<typeof canvasKeys>, x: number, y: number): Promise<number> {
    const { cx, cy, offset } = chunkOf(x, y);
    const chunk = await redis.getBuffer(keys.chunk(cx, cy));
    return chunk?.[offset] ?? 0;
  }

  before(async () => {
    redis = new Redis(redisServer.url);
    redis.on('error', () => undefined);
    jwks = await startJwks();
  });
  afterEach(async () => {
    for (const connected of players.splice(0)) connected.socket.close();
    await Promise.all(writers.splice(0).map((writer) => writer.close()));
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
  });
  after(async () => {
    redis.disconnect();
    await jwks.close();
  });

  describe('the owner of a pixel', () => {
    it('is the last placer, then the erasing admin, for players and admins alike', async () => {
      const { gateway, api } = await canvas();
      const guest = await player(gateway);
      const account = await player(gateway, { idToken: await jwks.sign({ sub: 'carol', name: 'Carol' }) });

      assert.deepEqual((await lookup(gateway, '5/6')).body, { x: 5, y: 6, color: 0, placedAt: null, owner: null });
      const before = Date.now();
      await place(guest, 5, 6, 3);
      const first = await lookup(gateway, '5/6');
      assert.equal(first.body.color, 3);
      assert.equal(first.body.owner?.kind, 'guest');
      assert.match(first.body.owner.name, /^anon-[0-9a-z]{10}$/);
      assert.ok(!first.body.owner.name.includes(guest.welcome.userId), 'a pseudonym never shows the id');
      assert.ok(first.body.placedAt! >= Math.floor(before / 1000) * 1000 && first.body.placedAt! <= Date.now());
      const adminView = await api<AdminPixelInfo>('GET', '/pixels/5/6');
      assert.equal(adminView.status, 200);
      assert.deepEqual(adminView.body.owner, { userId: guest.welcome.userId, kind: 'guest', displayName: null, pseudonym: first.body.owner.name });

      await place(account, 5, 6, 4);
      const over = await lookup(gateway, '5/6');
      assert.deepEqual([over.body.color, over.body.owner], [4, { kind: 'user', name: 'Carol' }]);
      assert.deepEqual((await api<AdminPixelInfo>('GET', '/pixels/5/6')).body.owner, {
        userId: 'a_carol',
        kind: 'user',
        displayName: 'Carol',
        pseudonym: (await api<AdminPixelInfo>('GET', '/pixels/5/6')).body.owner!.pseudonym,
      });

      assert.equal((await api('POST', '/rollback/erase', { x: 4, y: 5, width: 3, height: 3 })).status, 200);
      const erased = await lookup(gateway, '5/6');
      assert.deepEqual([erased.body.color, erased.body.owner], [0, { kind: 'admin', name: 'admin' }]);
      assert.deepEqual((await api<AdminPixelInfo>('GET', '/pixels/5/6')).body.owner?.userId, 'admin:alice');
      // A pixel of the rectangle nobody had placed stays background and ownerless: only changed pixels get an owner.
      assert.equal((await lookup(gateway, '4/5')).body.owner, null);
    });

    it('is forgotten with the pixels a shrink erases, so growing back shows nobody', async () => {
      const { gateway, api } = await canvas();
      const guest = await player(gateway);
      await place(guest, 500, 250, 2);
      await place(guest, 100, 100, 2);
      assert.equal((await api('PUT', '/size', { width: 400, height: 200 })).status, 200);
      assert.equal((await lookup(gateway, '500/250')).status, 400);
      assert.equal((await api('PUT', '/size', { width: 600, height: 300 })).status, 200);
      await waitFor(async () => (await lookup(gateway, '500/250')).status === 200, { timeoutMs: 10_000 });
      assert.deepEqual((await lookup(gateway, '500/250')).body, { x: 500, y: 250, color: 0, placedAt: null, owner: null });
      assert.equal((await lookup(gateway, '100/100')).body.owner?.kind, 'guest', 'pixels inside the smaller canvas keep their owner');
    });

    it('shows a display name cleaned of control and direction-override characters, bounded, or a pseudonym when it has none', async () => {
      const { gateway } = await canvas();
      const tricky = await player(gateway, { idToken: await jwks.sign({ sub: 'eve', name: '\u202eCarol\u0000 ' + 'x'.repeat(200) }) });
      const blank = await player(gateway, { idToken: await jwks.sign({ sub: 'frank', name: '\u0007 ' }) });
      await place(tricky, 2, 2, 1);
      await place(blank, 3, 2, 1);
      const name = (await lookup(gateway, '2/2')).body.owner!.name;
      assert.equal(name, `Carol ${'x'.repeat(58)}`);
      assert.match((await lookup(gateway, '3/2')).body.owner!.name, /^anon-/);
    });

    it('stays through a palette remap, which renames colours but not who placed them', async () => {
      const { gateway, api } = await canvas();
      const guest = await player(gateway);
      await place(guest, 7, 7, 3);
      const removed = await api('POST', '/palette/remove', { remove: [{ index: 3, mapTo: 1 }] });
      assert.equal(removed.status, 200);
      const after = await api<AdminPixelInfo>('GET', '/pixels/7/7');
      assert.deepEqual([after.body.color, after.body.owner?.userId], [1, guest.welcome.userId]);
    });

    it('shows pseudonyms only, or nothing, as the canvas setting says, pushed to players', async () => {
      const { gateway, api } = await canvas();
      const account = await player(gateway, { idToken: await jwks.sign({ sub: 'dave', name: 'Dave' }) });
      await place(account, 1, 1, 2);
      const pushed = new Promise<unknown>((resolve) => account.socket.once('config', resolve));
      const set = await api<{ config: { ownerLookup: string } }>('PUT', '/owner-lookup', { ownerLookup: 'pseudonyms' });
      assert.equal(set.body.config.ownerLookup, 'pseudonyms');
      assert.equal(((await pushed) as { ownerLookup: string }).ownerLookup, 'pseudonyms');
      await waitFor(async () => (await lookup(gateway, '1/1')).body.owner?.name.startsWith('anon-') === true, { timeoutMs: 10_000 });
      await api('PUT', '/owner-lookup', { ownerLookup: 'off' });
      await waitFor(async () => (await lookup(gateway, '1/1')).status === 403, { timeoutMs: 10_000 });
      assert.equal((await lookup(gateway, '1/1')).body.error, 'LOOKUP_DISABLED');
      // Admins still see everything.
      assert.equal((await api<AdminPixelInfo>('GET', '/pixels/1/1')).body.owner?.displayName, 'Dave');
      const audit = await api<{ entries: { action: string }[] }>('GET', '/audit?limit=5');
      assert.equal(audit.body.entries[0]?.action, 'canvas.owner-lookup');
    });
  });

  describe('the public lookup', () => {
    it('refuses malformed and out-of-bounds coordinates with 400, and answers 304 to its own ETag', async () => {
      const { gateway } = await canvas();
      for (const path of ['-1/0', '1.5/0', 'abc/0', '0/1e3', '0x10/0', '999999/0', '0/%00', '0']) {
        const answer = await lookup(gateway, path);
        assert.ok(answer.status === 400 || answer.status === 404, `${path} answered ${answer.status}`);
        if (answer.status === 400) assert.equal(answer.body.error, 'INVALID_PAYLOAD', path);
      }
      for (const path of ['600/0', '0/300', '65535/65535']) {
        const answer = await lookup(gateway, path);
        assert.deepEqual([answer.status, answer.body.error], [400, 'OUT_OF_BOUNDS'], path);
      }
      const first = await lookup(gateway, '3/3');
      assert.match(first.headers.get('cache-control') ?? '', /^public, max-age=\d+$/);
      const etag = first.headers.get('etag');
      assert.ok(etag);
      assert.equal((await lookup(gateway, '3/3', { 'if-none-match': etag })).status, 304);
      const document = await fetch(`${gateway.url}/api/canvas/openapi.json`);
      assert.equal(((await document.json()) as { openapi: string }).openapi, '3.1.0');
    });

    it('limits lookups per address with 429 and Retry-After', async () => {
      const { gateway } = await canvas({ PIXEL_LOOKUP_PER_MIN: '5' });
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await lookup(gateway, `${i}/0`)).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
      const limited = await lookup(gateway, '0/0');
      assert.equal(limited.body.error, 'RATE_LIMITED');
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      assert.match(metrics, /tessera_gateway_pixel_lookups_total\{[^}]*outcome="rate-limited"[^}]*\} 4\n/);
      assert.match(metrics, /tessera_gateway_pixel_lookups_total\{[^}]*outcome="ok"[^}]*\} 5\n/);
    });
  });

  describe('reverting a user', () => {
    /** Replays the whole stream: the colour each pixel had just before `userId`'s first placement there at or after `since`. */
    async function replayBefore(keys: ReturnType<typeof canvasKeys>, userId: string, since: number): Promise<Map<string, number>> {
      const colors = new Map<string, number>();
      const before = new Map<string, number>();
      for (const [id, fields] of (await redis.xrange(keys.events, '-', '+')) as [string, string[]][]) {
        const values = Object.fromEntries(fields.flatMap((_, i) => (i % 2 === 0 ? [[fields[i], fields[i + 1]]] : []))) as {
          x: string;
          y: string;
          u: string;
          c: string;
        };
        const key = `${values.x},${values.y}`;
        if (values.u === userId && Number(id.split('-')[0]) >= since && !before.has(key)) before.set(key, colors.get(key) ?? 0);
        colors.set(key, Number(values.c));
      }
      return before;
    }

    it('puts back exactly the colours before, leaves pixels others placed over, through the stream, audited', async () => {
      const { gateway, api, keys } = await canvas();
      const griefer = await player(gateway);
      const artist = await player(gateway);
      const grief = griefer.welcome.userId;
      // Art before the window, some of it griefed over twice.
      await place(artist, 10, 10, 5);
      await place(artist, 11, 10, 6);
      await place(griefer, 12, 10, 1); // the griefer's own, before the window: kept
      await new Promise((resolve) => setTimeout(resolve, 5)); // stream ids are ms: `since` falls between
      const since = Date.now();
      await place(griefer, 10, 10, 2); // over art: back to 5
      await place(griefer, 10, 10, 3); // twice: still back to 5
      await place(griefer, 11, 10, 2); // over art, then the artist repairs it: left alone
      await place(artist, 11, 10, 7);
      await place(griefer, 12, 10, 4); // over their own older pixel: back to 1
      await place(griefer, 300, 200, 2); // on background, in another chunk: back to 0
      await place(artist, 13, 10, 6); // the artist's, untouched

      const expected = await replayBefore(keys, grief, since);
      assert.deepEqual(
        [...expected.entries()].sort(),
        [
          ['10,10', 5],
          ['11,10', 6],
          ['12,10', 1],
          ['300,200', 0],
        ].sort(),
      );

      const preview = await api<RevertPreview>('POST', '/revert/preview', { userId: grief, since });
      assert.deepEqual(preview.body, { pixels: 3, skipped: 1, coveredFrom: null });
      assert.equal(await colorAt(keys, 10, 10), 3, 'a preview changes nothing');

      const streamBefore = await redis.xlen(keys.events);
      const reverted = await api<RevertResponse>('POST', '/revert', { userId: grief, since, reason: 'griefing' });
      assert.deepEqual(reverted.body, { reverted: 3, skipped: 1, coveredFrom: null });

      assert.equal(await colorAt(keys, 10, 10), expected.get('10,10'));
      assert.equal(await colorAt(keys, 12, 10), expected.get('12,10'));
      assert.equal(await colorAt(keys, 300, 200), expected.get('300,200'));
      assert.equal(await colorAt(keys, 11, 10), 7, "the artist's repair is left alone");
      assert.equal(await colorAt(keys, 13, 10), 6);
      assert.equal(await redis.xlen(keys.events), streamBefore + 3, 'one event per pixel put back');
      const [last] = (await redis.xrevrange(keys.events, '+', '-', 'COUNT', 1)) as [string, string[]][];
      assert.equal(last![1][7], 'admin:alice');
      assert.equal((await api<AdminPixelInfo>('GET', '/pixels/10/10')).body.owner?.userId, 'admin:alice');
      const audit = await api<{ entries: { action: string; details: Record<string, unknown> }[] }>('GET', '/audit?limit=1');
      assert.equal(audit.body.entries[0]?.action, 'user.revert');
      assert.equal(audit.body.entries[0]?.details.reason, 'griefing');

      // A second run finds nothing left to do.
      assert.deepEqual((await api<RevertPreview>('POST', '/revert/preview', { userId: grief, since })).body.pixels, 0);
    });

    it('reaches players as deltas', async () => {
      const { gateway, api, canvasId, keys } = await canvas();
      await withWriter(canvasId);
      const griefer = await player(gateway);
      const since = Date.now() - 1;
      await place(griefer, 20, 20, 2);
      const watcher = await player(gateway);
      let frames = 0;
      watcher.socket.on('delta', () => frames++);
      await waitFor(async () => (await redis.hget(keys.writerState, 'cursor')) !== null, { timeoutMs: 10_000 });
      const seen = frames;
      await api('POST', '/revert', { userId: griefer.welcome.userId, since });
      await waitFor(() => frames > seen, { timeoutMs: 10_000 });
    });

    it('refuses bad requests with the field at fault', async () => {
      const { api } = await canvas();
      const bad: [string, unknown, string][] = [
        ['/revert', {}, 'userId'],
        ['/revert', { userId: 'g_x' }, 'since'],
        ['/revert', { userId: 'g_x', since: -1 }, 'since'],
        ['/revert', { userId: 'g_x', since: 'yesterday' }, 'since'],
        ['/revert', { userId: 'g_x', since: 1.5 }, 'since'],
        ['/revert', { userId: 'g_x', since: Date.now() + 3_600_000 }, 'since'],
        ['/revert', { userId: '', since: 0 }, 'userId'],
        ['/revert', { userId: 'g_\u0000x', since: 0 }, 'userId'],
        ['/revert', { userId: 'x'.repeat(1000), since: 0 }, 'userId'],
        ['/revert', { userId: 'g_x', since: 0, reason: 'r'.repeat(10_000) }, 'reason'],
        ['/revert', { userId: 'g_x', since: 0, extra: true }, 'extra'],
        ['/revert/preview', { userId: 'g_x', since: 0, reason: 'not here' }, 'reason'],
        ['/revert/preview', [], 'body'],
      ];
      for (const [path, body, field] of bad) {
        const answer = await api('POST', path, body);
        assert.deepEqual(
          [answer.status, answer.body.error, answer.body.field],
          [400, 'INVALID_PAYLOAD', field],
          `${path} ${JSON.stringify(body).slice(0, 60)}`,
        );
      }
      const unknownUser = await api<RevertResponse>('POST', '/revert', { userId: 'g_nobody', since: 0 });
      assert.deepEqual(unknownUser.body, { reverted: 0, skipped: 0, coveredFrom: null });
    });
  });

  describe('the per-user view and top placers', () => {
    it('show placements over time, the newest placements, addresses and the ban', async () => {
      const { gateway, api, canvasId } = await canvas();
      await withWriter(canvasId);
      const bot = await player(gateway);
      const human = await player(gateway);
      for (let i = 0; i < 12; i++) await place(bot, i, 50, 1 + (i % 5));
      await place(human, 0, 60, 2);
      const userId = bot.welcome.userId;
      // The writer counts each delta window after broadcasting it: wait until both players' are in.
      const counted = async (id: string) => (await api<AdminUserInfo>('GET', `/users/${id}`)).body.placements;
      await waitFor(async () => (await counted(userId)) === 12 && (await counted(human.welcome.userId)) === 1, { timeoutMs: 10_000 });
      const view = (await api<AdminUserInfo>('GET', `/users/${userId}`)).body;
      assert.equal(view.kind, 'guest');
      assert.equal(view.displayName, null);
      assert.deepEqual(
        view.perMinute.reduce((sum, entry) => sum + entry.count, 0),
        12,
      );
      assert.deepEqual(view.recent[0], { x: 11, y: 50, color: 1 + (11 % 5), at: view.lastPlacedAt });
      assert.equal(view.recent.length, 12);
      assert.ok(view.firstPlacedAt! <= view.lastPlacedAt!);
      assert.deepEqual(
        view.sessions.map((session) => session.address),
        ['127.0.0.1'],
      );
      assert.equal(view.ban, null);

      const top = await api<TopPlacers>('GET', `/top-placers?since=${Date.now() - 60_000}&limit=2`);
      assert.deepEqual(
        top.body.users.map((user) => [user.userId, user.placements]),
        [
          [userId, 12],
          [human.welcome.userId, 1],
        ],
      );
      assert.deepEqual(
        (await api<TopPlacers>('GET', '/top-placers?limit=1')).body.users.map((user) => user.userId),
        [userId],
      );

      await api('PUT', `/bans/${userId}`, { reason: 'bot' });
      assert.equal((await api<AdminUserInfo>('GET', `/users/${userId}`)).body.ban?.reason, 'bot');
      const nobody = await api<AdminUserInfo>('GET', '/users/g_nobody');
      assert.deepEqual([nobody.body.placements, nobody.body.recent, nobody.body.sessions, nobody.body.firstPlacedAt], [0, [], [], null]);
    });

    it('refuse bad queries and paths with the field at fault', async () => {
      const { api } = await canvas();
      const bad: [string, string][] = [
        ['/top-placers?limit=0', 'limit'],
        ['/top-placers?limit=101', 'limit'],
        ['/top-placers?since=abc', 'since'],
        ['/top-placers?since=-5', 'since'],
        ['/top-placers?other=1', 'other'],
        ['/pixels/abc/0', 'x'],
        ['/pixels/0/1.5', 'y'],
        ['/pixels/600/0', 'x'],
        ['/pixels/0/300', 'y'],
        [`/users/${'x'.repeat(200)}`, 'userId'],
      ];
      for (const [path, field] of bad) {
        const answer = await api('GET', path);
        assert.deepEqual([answer.status, answer.body.error, answer.body.field], [400, 'INVALID_PAYLOAD', field], path);
      }
      const lookupMode = await api('PUT', '/owner-lookup', { ownerLookup: 'maybe' });
      assert.deepEqual([lookupMode.status, lookupMode.body.field], [400, 'ownerLookup']);
      const anonymous = await api('GET', '/users/g_x', undefined, { token: undefined });
      assert.equal(anonymous.status, 401);
    });
  });
});
