import assert from 'node:assert/strict';
import { canvasKeys, CanvasReplica, ErrorCode, type AuditPage, type BanEntry, type BanList, type CanvasConfig, type PlaceResult } from '@tessera/protocol';
import { readCanvas } from '@tessera/store';
import { waitFor } from '../../test-support/index.js';
import { ADMIN_ENV, ADMIN_TOKEN, adminClient, OpenApiChecker, startJwks } from './support/admin-harness.js';
import { connectPlayer, useGateways, type Player, type RunningGateway } from './support/gateway-harness.js';

/** Every endpoint with a valid body and an invalid one (and the field the 400 must name). */
const ENDPOINTS: readonly {
  method: string;
  path: string;
  body?: unknown;
  invalid?: { body?: unknown; path?: string; field: string };
}[] = [
  { method: 'GET', path: '/whoami' },
  { method: 'GET', path: '/config' },
  { method: 'GET', path: '/palette' },
  {
    method: 'PATCH',
    path: '/palette',
    body: { colors: [{ index: 1, color: '#123456' }] },
    invalid: { body: { colors: [{ index: 1, color: 'red' }] }, field: 'colors.0.color' },
  },
  { method: 'POST', path: '/palette/colors', body: { colors: ['#123456'] }, invalid: { body: { colors: ['#123456'], extra: 1 }, field: 'extra' } },
  {
    method: 'POST',
    path: '/palette/remove',
    body: { remove: [{ index: 3, mapTo: 0 }] },
    invalid: { body: { remove: [{ index: 0, mapTo: 1 }] }, field: 'remove.0.index' },
  },
  { method: 'PUT', path: '/size', body: { width: 400, height: 300 }, invalid: { body: { width: 0, height: 10 }, field: 'width' } },
  { method: 'PUT', path: '/cooldown', body: { cooldownMs: 0 }, invalid: { body: { cooldownMs: -1 }, field: 'cooldownMs' } },
  { method: 'PUT', path: '/paused', body: { paused: false }, invalid: { body: { paused: 'yes' }, field: 'paused' } },
  { method: 'PUT', path: '/challenge', body: { mode: 'off', at: 'handshake' }, invalid: { body: { mode: 'sometimes', at: 'handshake' }, field: 'mode' } },
  { method: 'GET', path: '/bans' },
  { method: 'PUT', path: '/bans/g_someone', body: { reason: 'spam' }, invalid: { body: { durationMs: 0 }, field: 'durationMs' } },
  { method: 'DELETE', path: '/bans/g_someone', invalid: { path: `/bans/${'x'.repeat(200)}`, field: 'userId' } },
  { method: 'POST', path: '/rollback/erase', body: { x: 0, y: 0, width: 10, height: 10 }, invalid: { body: { x: 0, y: 0, width: 10 }, field: 'height' } },
  {
    method: 'POST',
    path: '/rollback/restore',
    body: { x: 0, y: 0, width: 1, height: 1, snapshot: 'k' },
    invalid: { body: { x: 0, y: 0, width: 1, height: 1 }, field: 'snapshot' },
  },
  { method: 'GET', path: '/snapshots' },
  { method: 'POST', path: '/snapshots' },
  { method: 'POST', path: '/snapshots/restore', body: { key: 'snapshots/x.tsnap' }, invalid: { body: {}, field: 'key' } },
  { method: 'GET', path: '/audit', invalid: { path: '/audit?limit=0', field: 'limit' } },
  { method: 'GET', path: '/stats' },
  { method: 'GET', path: '/templates' },
  {
    method: 'PUT',
    path: '/templates/t1',
    body: { name: 'Flag', url: 'https://example.org/flag.png', x: 0, y: 0, scale: 1 },
    invalid: { body: { name: 'Flag', url: 'javascript:alert(1)', x: 0, y: 0, scale: 1 }, field: 'url' },
  },
  { method: 'DELETE', path: '/templates/t1', invalid: { path: '/templates/Bad_Id', field: 'templateId' } },
  { method: 'GET', path: '/rules' },
  { method: 'PUT', path: '/rules', body: { text: 'Be kind.' }, invalid: { body: { text: 'x'.repeat(4001) }, field: 'text' } },
];

describe('the admin API', function () {
  this.timeout(30_000);
  const suite = useGateways();
  let canvasCounter = 0;

  /** A gateway on a canvas of its own, with the admin token configured. */
  async function gatewayOn(env: Record<string, string> = {}, canvasId = `admin${++canvasCounter}`) {
    const gateway = await suite.startGateway({
      ...ADMIN_ENV,
      CANVAS_ID: canvasId,
      CANVAS_WIDTH: '600',
      CANVAS_HEIGHT: '400',
      CANVAS_CACHE_MS: '100',
      PLACE_RATE_PER_SEC: '1000',
      PLACE_BURST: '1000',
      ...env,
    });
    const checker = await OpenApiChecker.fetch(gateway.url);
    return { gateway, canvasId, keys: canvasKeys(canvasId), checker, api: adminClient(gateway.url, checker) };
  }
  async function player(gateway: RunningGateway, auth: Record<string, unknown> = {}): Promise<Player> {
    return suite.connect(gateway, auth);
  }
  const place = (who: Player, x: number, y: number, color: number): Promise<PlaceResult> => who.socket.timeout(3000).emitWithAck('place', { x, y, color });
  /** The next `config` event a player receives that satisfies `test`. */
  const nextConfig = (who: Player, test: (config: CanvasConfig) => boolean): Promise<CanvasConfig> =>
    new Promise((resolve) => {
      const listener = (config: CanvasConfig): void => {
        if (!test(config)) return;
        who.socket.off('config', listener);
        resolve(config);
      };
      who.socket.on('config', listener);
    });
  const nextEvent = (who: Player, event: string): Promise<unknown[]> => new Promise((resolve) => who.socket.once(event, (...args: unknown[]) => resolve(args)));
  async function pixels(canvasId: string): Promise<CanvasReplica> {
    const frame = await readCanvas(suite.redis, canvasId);
    assert.ok(frame);
    const replica = new CanvasReplica();
    replica.loadCanvas(frame);
    return replica;
  }

  describe('its OpenAPI document', () => {
    it('is served without a credential and documents every endpoint with 401, 403 and 429', async () => {
      const { checker } = await gatewayOn();
      const { document } = checker;
      assert.equal((document as unknown as { openapi: string }).openapi, '3.1.0');
      for (const { method, path } of ENDPOINTS) {
        const template = checker.template(path);
        assert.ok(template, `${path} is documented`);
        const operation = document.paths[template]![method.toLowerCase()];
        assert.ok(operation, `${method} ${template} is documented`);
        for (const status of ['200', '401', '403', '429']) assert.ok(operation.responses[status], `${method} ${template} documents ${status}`);
        if (ENDPOINTS.find((endpoint) => endpoint.method === method && endpoint.path === path)?.invalid) {
          assert.ok(operation.responses['400'], `${method} ${template} documents 400`);
        }
      }
    });
  });

  describe('authentication', () => {
    let jwks: Awaited<ReturnType<typeof startJwks>>;
    before(async () => {
      jwks = await startJwks();
    });
    after(() => jwks.close());

    const jwtEnv = () => ({ AUTH_JWKS_URL: jwks.url, AUTH_JWT_ISSUER: 'https://issuer.test', AUTH_JWT_AUDIENCE: 'tessera' });

    it('answers 401 without a credential or with a wrong one, on every endpoint', async () => {
      const { api } = await gatewayOn();
      for (const { method, path, body } of ENDPOINTS) {
        const none = await api(method, path, body, { token: undefined });
        assert.equal(none.status, 401, `${method} ${path} without a credential`);
        assert.equal(none.body.error, 'UNAUTHORIZED');
        assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
        const wrong = await api(method, path, body, { token: `${ADMIN_TOKEN.slice(0, -1)}X` });
        assert.equal(wrong.status, 401, `${method} ${path} with a wrong token`);
      }
    });

    it('answers 403 to a valid player JWT without the admin role, on every endpoint, and accepts one with it', async () => {
      const { api } = await gatewayOn(jwtEnv());
      const player = await jwks.sign({ sub: 'bob', roles: ['player'] });
      for (const { method, path, body } of ENDPOINTS) {
        const refused = await api(method, path, body, { token: player });
        assert.equal(refused.status, 403, `${method} ${path} with a player's JWT`);
        assert.equal(refused.body.error, 'FORBIDDEN');
      }
      const admin = await jwks.sign({ sub: 'carol', roles: ['player', 'tessera-admin'] });
      const whoami = await api('GET', '/whoami', undefined, { token: admin });
      assert.deepEqual(whoami.body, { name: 'jwt:carol', via: 'jwt' });
      const garbage = await api('GET', '/whoami', undefined, { token: 'a.b.c' });
      assert.equal(garbage.status, 401);
    });

    it('reads the role from a configured claim path', async () => {
      const { api } = await gatewayOn({ ...jwtEnv(), ADMIN_JWT_ROLE_CLAIM: 'realm_access.roles', ADMIN_JWT_ROLE: 'ops' });
      const admin = await jwks.sign({ sub: 'dan', realm_access: { roles: ['ops'] } });
      assert.equal((await api('GET', '/whoami', undefined, { token: admin })).status, 200);
      const other = await jwks.sign({ sub: 'erin', roles: ['ops'] });
      assert.equal((await api('GET', '/whoami', undefined, { token: other })).status, 403);
    });

    it('names the token that made each call', async () => {
      const { api } = await gatewayOn({ ADMIN_TOKENS: `alice:${ADMIN_TOKEN},bob-bob-bob-bob-bob-bob-bob-1` });
      assert.deepEqual((await api('GET', '/whoami')).body, { name: 'alice', via: 'token' });
      assert.deepEqual((await api('GET', '/whoami', undefined, { token: 'bob-bob-bob-bob-bob-bob-bob-1' })).body, { name: 'admin-2', via: 'token' });
    });

    it('rate limits per credential with Retry-After', async () => {
      const { api } = await gatewayOn({ ADMIN_RATE_PER_MIN: '3' });
      for (let i = 0; i < 3; i++) assert.equal((await api('GET', '/whoami')).status, 200);
      const limited = await api('GET', '/whoami');
      assert.equal(limited.status, 429);
      assert.equal(limited.body.error, 'RATE_LIMITED');
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    });
  });

  describe('validation', () => {
    it('refuses an invalid body, query or path with a 400 that names the field, on every endpoint that takes one', async () => {
      const { api } = await gatewayOn();
      for (const { method, path, invalid } of ENDPOINTS) {
        if (!invalid) continue;
        const response = await api(method, invalid.path ?? path, invalid.body);
        assert.equal(response.status, 400, `${method} ${invalid.path ?? path} ${JSON.stringify(invalid.body)}`);
        assert.equal(response.body.error, 'INVALID_PAYLOAD');
        assert.equal(response.body.field, invalid.field, `${method} ${path}: ${JSON.stringify(response.body)}`);
      }
    });

    it('refuses malformed JSON, a missing body, and values the canvas cannot take', async () => {
      const { api } = await gatewayOn();
      const malformed = await api('PUT', '/cooldown', undefined, { rawBody: '{"cooldownMs": 1' });
      assert.deepEqual([malformed.status, malformed.body.field], [400, 'body']);
      const missing = await api('PUT', '/cooldown');
      assert.deepEqual([missing.status, missing.body.field], [400, 'body']);
      const beyond = await api('PATCH', '/palette', { colors: [{ index: 40, color: '#000000' }] });
      assert.deepEqual([beyond.status, beyond.body.field], [400, 'colors.0.index']);
      const chained = await api('POST', '/palette/remove', {
        remove: [
          { index: 3, mapTo: 4 },
          { index: 4, mapTo: 1 },
        ],
      });
      assert.deepEqual([chained.status, chained.body.field], [400, 'remove.0.mapTo']);
      const huge = await api('POST', '/rollback/erase', { x: 0, y: 0, width: 600, height: 500 });
      assert.deepEqual([huge.status, huge.body.field], [400, 'width']);
      const outside = await api('POST', '/rollback/erase', { x: 700, y: 0, width: 5, height: 5 });
      assert.deepEqual([outside.status, outside.body.field], [400, 'x']);
      const tooMany = await api('POST', '/palette/colors', { colors: Array.from({ length: 230 }, () => '#000000') });
      assert.deepEqual([tooMany.status, tooMany.body.field], [400, 'colors']);
    });
  });

  describe('the palette', () => {
    it('reads the config and the palette as Redis holds them', async () => {
      const { api, canvasId } = await gatewayOn();
      const config = await api<{ canvasId: string; config: CanvasConfig; remapping: boolean }>('GET', '/config');
      assert.equal(config.body.canvasId, canvasId);
      assert.equal(config.body.config.width, 600);
      assert.equal(config.body.remapping, false);
      const palette = await api<{ palette: string[]; version: number }>('GET', '/palette');
      assert.deepEqual(palette.body.palette, config.body.config.palette);
    });

    it('recolours an index live on every gateway: players receive the new config without a reload', async () => {
      const first = await gatewayOn();
      const second = await gatewayOn({}, first.canvasId);
      const [a, b] = [await player(first.gateway), await player(second.gateway)];
      const version = a.welcome.config.version;
      const seen = [a, b].map((who) => nextConfig(who, (config) => config.palette[1] === '#abcdef'));
      const response = await first.api<{ config: CanvasConfig }>('PATCH', '/palette', { colors: [{ index: 1, color: '#abcdef' }] });
      assert.equal(response.status, 200);
      assert.equal(response.body.config.palette[1], '#abcdef');
      assert.equal(response.body.config.version, version + 1);
      for (const config of await Promise.all(seen)) assert.equal(config.version, version + 1);
      assert.equal((JSON.parse((await suite.redis.hget(first.keys.config, 'palette'))!) as string[])[1], '#abcdef');
    });

    it('adds colours that players may place at once', async () => {
      const { api, gateway } = await gatewayOn();
      const who = await player(gateway);
      const size = who.welcome.config.palette.length;
      assert.deepEqual(await place(who, 1, 1, size), { ok: false, error: ErrorCode.InvalidColor });
      const seen = nextConfig(who, (config) => config.palette.length === size + 2);
      const response = await api<{ config: CanvasConfig }>('POST', '/palette/colors', { colors: ['#010203', '#040506'] });
      assert.deepEqual(response.body.config.palette.slice(-2), ['#010203', '#040506']);
      await seen;
      assert.equal((await place(who, 1, 1, size + 1)).ok, true);
    });

    it('removes colours with a mapping: the canvas is rewritten, players told to re-read it', async () => {
      const { api, gateway, canvasId } = await gatewayOn();
      const who = await player(gateway);
      const palette = who.welcome.config.palette;
      // Colours 3, 4 and 5 at three pixels, in two chunks.
      for (const [x, y, color] of [
        [1, 1, 3],
        [2, 1, 4],
        [300, 2, 5],
        [301, 2, 31],
      ] as const) {
        assert.equal((await place(who, x, y, color)).ok, true);
      }
      const resync = nextEvent(who, 'resync');
      const seen = nextConfig(who, (config) => config.palette.length === palette.length - 2);
      const response = await api<{ config: CanvasConfig; mapping: number[] }>('POST', '/palette/remove', {
        remove: [
          { index: 4, mapTo: 1 },
          { index: 3, mapTo: 5 },
        ],
      });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      const expected = palette.filter((_color, index) => index !== 3 && index !== 4);
      assert.deepEqual(response.body.config.palette, expected);
      assert.deepEqual(response.body.mapping.slice(0, 7), [0, 1, 2, 3, 1, 3, 4]);
      assert.equal(response.body.mapping[31], 29);
      await seen;
      await resync;
      const canvas = await pixels(canvasId);
      // Each pixel still shows the colour it had, or the one its colour was mapped to.
      assert.equal(expected[canvas.colorAt(1, 1)], palette[5]);
      assert.equal(expected[canvas.colorAt(2, 1)], palette[1]);
      assert.equal(expected[canvas.colorAt(300, 2)], palette[5]);
      assert.equal(expected[canvas.colorAt(301, 2)], palette[31]);
      assert.equal(await suite.redis.hget(canvasKeys(canvasId).config, 'paletteSize'), String(expected.length));
      assert.deepEqual(await place(who, 5, 5, expected.length), { ok: false, error: ErrorCode.InvalidColor });
    });

    it('keeps placements that race with a colour removal right: every pixel indexes the new palette and shows its colour', async () => {
      const { api, gateway, canvasId } = await gatewayOn({ CANVAS_WIDTH: '1024', CANVAS_HEIGHT: '1024' });
      const who = await player(gateway);
      const old = who.welcome.config.palette;
      const before = new Map<string, number>();
      for (let i = 0; i < 16; i++) {
        assert.equal((await place(who, i * 64 + 1, i * 64, 20 + (i % 12))).ok, true);
        before.set(`${i * 64 + 1},${i * 64}`, 20 + (i % 12));
      }
      let placing = true;
      const placed = new Map<string, number>(); // the last accepted colour of each pixel
      const racing = (async () => {
        for (let i = 0; placing; i++) {
          const [x, y, color] = [(i * 37) % 1024, (i * 91) % 1024, i % 32];
          const result = await place(who, x, y, color);
          if (result.ok) placed.set(`${x},${y}`, color);
        }
      })();
      const response = await api<{ config: CanvasConfig; mapping: number[] }>('POST', '/palette/remove', { remove: [{ index: 10, mapTo: 2 }] });
      placing = false;
      await racing;
      assert.equal(response.status, 200);
      const { mapping, config } = response.body;
      const canvas = await pixels(canvasId);
      assert.ok(
        canvas.toIndexArray().every((index) => index < config.palette.length),
        'every pixel indexes the new palette',
      );
      for (const [at, color] of before) {
        if (placed.has(at)) continue;
        const [x, y] = at.split(',').map(Number) as [number, number];
        assert.equal(config.palette[canvas.colorAt(x, y)], old[color], `(${x}, ${y}) placed before the removal keeps its colour`);
      }
      for (const [at, color] of placed) {
        const [x, y] = at.split(',').map(Number) as [number, number];
        // Placed before the removal (old numbering, then remapped) or after it (new numbering).
        const shown = config.palette[canvas.colorAt(x, y)];
        assert.ok(shown === config.palette[mapping[color]!] || shown === config.palette[color], `(${x}, ${y}) placed with ${color} shows ${shown}`);
      }
    });
  });

  describe('the canvas size', () => {
    it('grows live: players receive the new size and may place in the new area', async () => {
      const { api, gateway } = await gatewayOn();
      const who = await player(gateway);
      assert.deepEqual(await place(who, 700, 10, 3), { ok: false, error: ErrorCode.OutOfBounds });
      const seen = nextConfig(who, (config) => config.width === 800);
      const response = await api<{ config: CanvasConfig; erased: boolean }>('PUT', '/size', { width: 800, height: 500 });
      assert.deepEqual([response.body.config.width, response.body.config.height, response.body.erased], [800, 500, false]);
      await seen;
      assert.equal((await place(who, 700, 450, 3)).ok, true);
    });

    it('shrinks by erasing everything outside the new bounds, so growing back shows background', async () => {
      const { api, gateway, canvasId, keys } = await gatewayOn();
      const who = await player(gateway);
      for (const [x, y] of [
        [10, 10],
        [299, 199],
        [300, 10],
        [10, 200],
        [590, 390],
      ] as const) {
        assert.equal((await place(who, x, y, 7)).ok, true);
      }
      const resync = nextEvent(who, 'resync');
      const seen = nextConfig(who, (config) => config.width === 300);
      const response = await api<{ config: CanvasConfig; erased: boolean }>('PUT', '/size', { width: 300, height: 200 });
      assert.deepEqual([response.body.config.width, response.body.config.height, response.body.erased], [300, 200, true]);
      await Promise.all([seen, resync]);
      assert.deepEqual(await place(who, 300, 10, 7), { ok: false, error: ErrorCode.OutOfBounds });
      assert.equal(await suite.redis.exists(keys.chunk(2, 1)), 0, 'a chunk wholly outside is deleted');
      await api('PUT', '/size', { width: 600, height: 400 });
      const canvas = await pixels(canvasId);
      assert.equal(canvas.colorAt(10, 10), 7);
      assert.equal(canvas.colorAt(299, 199), 7);
      for (const [x, y] of [
        [300, 10],
        [10, 200],
        [590, 390],
      ] as const) {
        assert.equal(canvas.colorAt(x, y), 0, `(${x}, ${y}) is background after growing back`);
      }
    });
  });

  describe('cooldown and pause', () => {
    it('sets the cooldown live (0 allowed) and placements follow it', async () => {
      const { api, gateway } = await gatewayOn();
      const who = await player(gateway);
      const seen = nextConfig(who, (config) => config.cooldownMs === 60_000);
      assert.equal((await api<{ config: CanvasConfig }>('PUT', '/cooldown', { cooldownMs: 60_000 })).body.config.cooldownMs, 60_000);
      await seen;
      assert.equal((await place(who, 1, 1, 2)).ok, true);
      const refused = await place(who, 2, 1, 2);
      assert.equal(!refused.ok && refused.error, ErrorCode.Cooldown);
      assert.equal((await api<{ config: CanvasConfig }>('PUT', '/cooldown', { cooldownMs: 0 })).body.config.cooldownMs, 0);
    });

    it('pauses and resumes placement, pushing the pause to players', async () => {
      const { api, gateway } = await gatewayOn();
      const who = await player(gateway);
      const paused = nextConfig(who, (config) => config.paused);
      await api('PUT', '/paused', { paused: true });
      await paused;
      assert.deepEqual(await place(who, 1, 1, 2), { ok: false, error: ErrorCode.Paused });
      const resumed = nextConfig(who, (config) => !config.paused);
      await api('PUT', '/paused', { paused: false });
      await resumed;
      assert.equal((await place(who, 1, 1, 2)).ok, true);
    });
  });

  describe('bans', () => {
    it("disconnects a banned user's sockets on every gateway at once, refuses them, lists the ban and lifts it", async () => {
      const first = await gatewayOn();
      const second = await gatewayOn({}, first.canvasId);
      const a = await player(first.gateway);
      const token = a.welcome.sessionToken!;
      const b = await player(second.gateway, { token });
      const bystander = await player(second.gateway);
      const kicked = [a, b].map((who) => nextEvent(who, 'kicked'));
      const gone = [a, b].map((who) => nextEvent(who, 'disconnect'));
      const response = await first.api<BanEntry>('PUT', `/bans/${a.welcome.userId}`, { reason: 'griefing', durationMs: 3_600_000 });
      assert.equal(response.status, 200);
      assert.equal(response.body.userId, a.welcome.userId);
      assert.equal(response.body.reason, 'griefing');
      assert.ok(response.body.expiresAt > Date.now() + 3_500_000);
      for (const args of await Promise.all(kicked)) assert.deepEqual(args, [ErrorCode.Banned]);
      for (const [reason] of await Promise.all(gone)) assert.equal(reason, 'io server disconnect');
      assert.equal(bystander.socket.connected, true);
      // Back read-only: welcomed with the reason and the expiry, placements refused.
      const watching = await connectPlayer(second.gateway.url, { token });
      assert.deepEqual(watching.welcome.ban, { reason: 'griefing', expiresAt: response.body.expiresAt });
      assert.deepEqual(await place(watching, 1, 1, 1), { ok: false, error: ErrorCode.Banned });
      watching.socket.close();
      assert.match(await (await fetch(`${second.gateway.url}/metrics`)).text(), /^tessera_gateway_connections_admitted_total\{[^}]*as="banned"[^}]*\} [1-9]/m);
      const list = await first.api<BanList>('GET', '/bans');
      assert.deepEqual(
        list.body.bans.map((ban) => [ban.userId, ban.reason, ban.by]),
        [[a.welcome.userId, 'griefing', 'alice']],
      );
      const lifted = await first.api('DELETE', `/bans/${a.welcome.userId}`);
      assert.deepEqual(lifted.body, { userId: a.welcome.userId, wasBanned: true });
      const back = await player(second.gateway, { token });
      assert.equal((await place(back, 1, 1, 1)).ok, true);
      assert.deepEqual((await first.api('DELETE', `/bans/${a.welcome.userId}`)).body, { userId: a.welcome.userId, wasBanned: false });
    });

    it('refuses the placements of a user banned while their placement races in (judged by Redis)', async () => {
      const { api, gateway, keys } = await gatewayOn();
      const who = await player(gateway);
      // Write the ban behind the gateway's back: only the placement script can see it.
      await suite.redis.hset(keys.bans, who.welcome.userId, 0);
      assert.deepEqual(await place(who, 1, 1, 1), { ok: false, error: ErrorCode.Banned });
      assert.equal((await api<BanList>('GET', '/bans')).body.bans[0]?.expiresAt, 0);
    });
  });

  describe('rollback', () => {
    it('erases a rectangle through the event stream, so deltas carry it and history names the admin', async () => {
      const { api, gateway, canvasId, keys } = await gatewayOn();
      const who = await player(gateway);
      for (const [x, y] of [
        [250, 20],
        [260, 21],
        [270, 40],
        [100, 100],
      ] as const) {
        assert.equal((await place(who, x, y, 9)).ok, true);
      }
      const before = await suite.redis.xlen(keys.events);
      const response = await api('POST', '/rollback/erase', { x: 240, y: 10, width: 40, height: 40 });
      assert.deepEqual(response.body, { changed: 3, pixels: 1600 });
      const events = await suite.redis.xrevrange(keys.events, '+', '-', 'COUNT', 3);
      assert.equal(await suite.redis.xlen(keys.events), before + 3);
      for (const [, fields] of events) {
        assert.deepEqual([fields[4], fields[5], fields[6], fields[7]], ['c', '0', 'u', 'admin:alice']);
      }
      const canvas = await pixels(canvasId);
      assert.deepEqual([canvas.colorAt(250, 20), canvas.colorAt(260, 21), canvas.colorAt(270, 40), canvas.colorAt(100, 100)], [0, 0, 0, 9]);
      // Clipped to the canvas: a rectangle reaching past the edge erases what is inside.
      assert.deepEqual((await api('POST', '/rollback/erase', { x: 590, y: 390, width: 100, height: 100 })).body, { changed: 0, pixels: 100 });
    });
  });

  describe('snapshots when no snapshotter is deployed', () => {
    it('answers 503 SNAPSHOTS_UNAVAILABLE', async () => {
      const { api } = await gatewayOn();
      for (const [method, path, body] of [
        ['GET', '/snapshots', undefined],
        ['POST', '/snapshots', undefined],
        ['POST', '/snapshots/restore', { key: 'snapshots/x.tsnap' }],
        ['POST', '/rollback/restore', { x: 0, y: 0, width: 2, height: 2, snapshot: 'snapshots/x.tsnap' }],
      ] as const) {
        const response = await api(method, path, body);
        assert.deepEqual([response.status, response.body.error], [503, 'SNAPSHOTS_UNAVAILABLE'], `${method} ${path}`);
      }
    });
  });

  describe('the audit log', () => {
    it('records every admin action with who did it, when and with what, newest first, in pages', async () => {
      const { api, gateway } = await gatewayOn();
      const who = await player(gateway);
      const started = Date.now();
      await api('PATCH', '/palette', { colors: [{ index: 2, color: '#222222' }] });
      await api('POST', '/palette/colors', { colors: ['#333333'] });
      await api('POST', '/palette/remove', { remove: [{ index: 32, mapTo: 0 }] });
      await api('PUT', '/size', { width: 500, height: 300 });
      await api('PUT', '/cooldown', { cooldownMs: 1000 });
      await api('PUT', '/paused', { paused: true });
      await api('PUT', '/paused', { paused: false });
      await api('PUT', `/bans/${who.welcome.userId}`, {});
      await api('DELETE', `/bans/${who.welcome.userId}`);
      await api('POST', '/rollback/erase', { x: 0, y: 0, width: 5, height: 5 });
      const all = await api<AuditPage>('GET', '/audit');
      assert.deepEqual(
        all.body.entries.map((entry) => entry.action),
        [
          'rollback.erase',
          'user.unban',
          'user.ban',
          'canvas.resume',
          'canvas.pause',
          'canvas.cooldown',
          'canvas.resize',
          'palette.remove',
          'palette.add',
          'palette.recolour',
        ],
      );
      for (const entry of all.body.entries) {
        assert.equal(entry.actor, 'alice');
        assert.ok(entry.at >= started - 1000 && entry.at <= Date.now() + 1000, `${entry.action} at ${entry.at}`);
      }
      assert.deepEqual(all.body.entries.find((entry) => entry.action === 'canvas.resize')?.details, {
        width: 500,
        height: 300,
        before: { width: 600, height: 400 },
      });
      assert.deepEqual(all.body.entries.find((entry) => entry.action === 'palette.recolour')?.details.colors, [{ index: 2, color: '#222222' }]);
      const first = await api<AuditPage>('GET', '/audit?limit=4');
      assert.equal(first.body.entries.length, 4);
      assert.ok(first.body.next);
      const second = await api<AuditPage>('GET', `/audit?limit=4&before=${first.body.next}`);
      assert.deepEqual(
        second.body.entries.map((entry) => entry.id),
        all.body.entries.slice(4, 8).map((entry) => entry.id),
      );
    });

    it('refuses a page cursor Redis cannot take with a 400 naming it, and still reads the oldest page', async () => {
      const { api } = await gatewayOn();
      await api('PUT', '/cooldown', { cooldownMs: 0 });
      for (const cursor of ['0-0', '00-000', '0', '-1-0', '1-0-0', 'x', '1-0%0a', '99999999999999999-0']) {
        const refused = await api('GET', `/audit?before=${cursor}`);
        assert.equal(refused.status, 400, `before=${cursor}`);
        assert.deepEqual([refused.body.error, refused.body.field], ['INVALID_PAYLOAD', 'before'], `before=${cursor}`);
      }
      // The smallest id Redis can store is 0-1: nothing is older, and that is an empty page, not an error.
      assert.deepEqual((await api('GET', '/audit?before=0-1')).body, { entries: [] });
      assert.equal((await api('GET', '/audit?before=9999999999999999-9999999999999999')).status, 200);
    });
  });

  it('waits for the other gateways to see a change: a player welcomed from a stale cache gets the new config after all', async () => {
    const first = await gatewayOn();
    const second = await gatewayOn({}, first.canvasId);
    await player(second.gateway); // warms the second gateway's config cache
    await first.api('PATCH', '/palette', { colors: [{ index: 3, color: '#0a0b0c' }] });
    const late = await player(second.gateway);
    if (late.welcome.config.palette[3] !== '#0a0b0c') {
      await waitFor(() => nextConfig(late, (config) => config.palette[3] === '#0a0b0c'), { timeoutMs: 3_000, message: 'the re-broadcast config' });
    }
  });
});
