// The event's numbers end to end: players connecting (canvas loads), signing in, placing through
// a gateway, a writer counting, and GET /api/admin/stats answering with exactly the scripted load.
import assert from 'node:assert/strict';
import type { PlaceResult } from '@tessera/protocol';
import { useRedis, waitFor } from '../../test-support/index.js';
import { startWriter, type TestWriter } from '../../writer/test/support/harness.js';
import { ADMIN_ENV, adminClient, OpenApiChecker, startJwks } from './support/admin-harness.js';
import { connectPlayer, startGateway, type Player, type RunningGateway } from './support/gateway-harness.js';

interface StatsBody {
  online: number;
  uniqueUsers: number;
  signedInUsers: number;
  canvasLoads: number;
  placements: number;
  peakOnline: { value: number; at: number };
  peakPlacementsPerSecond: { value: number; at: number };
  perMinute: { minute: number; placements: number; canvasLoads: number; peakOnline: number }[];
}

describe('the event stats over the admin API', function () {
  this.timeout(40_000);
  const server = useRedis();
  let canvasCounter = 0;
  let jwks: Awaited<ReturnType<typeof startJwks>>;
  const gateways: RunningGateway[] = [];
  const writers: TestWriter[] = [];
  const players: Player[] = [];

  before(async () => {
    jwks = await startJwks();
  });
  afterEach(async () => {
    for (const player of players.splice(0)) player.socket.close();
    await Promise.all(writers.splice(0).map((writer) => writer.close()));
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
  });
  after(() => jwks.close());

  async function gatewayOn(canvasId: string): Promise<RunningGateway> {
    const gateway = await startGateway(server.url, {
      ...ADMIN_ENV,
      CANVAS_ID: canvasId,
      PRESENCE_INTERVAL_MS: '150',
      AUTH_JWKS_URL: jwks.url,
      AUTH_JWT_ISSUER: 'https://issuer.test',
      AUTH_JWT_AUDIENCE: 'tessera',
    });
    gateways.push(gateway);
    return gateway;
  }
  async function join(gateway: RunningGateway, auth: Record<string, unknown>): Promise<Player> {
    const player = await connectPlayer(gateway.url, auth);
    players.push(player);
    return player;
  }
  const place = async (player: Player, x: number, y: number): Promise<void> => {
    const result = (await player.socket.timeout(3000).emitWithAck('place', { x, y, color: 1 })) as PlaceResult;
    assert.ok(result.ok, `placement refused: ${JSON.stringify(result)}`);
  };

  it('match a scripted load: loads, users, signed-in users, placements, peaks', async () => {
    const canvasId = `stats${++canvasCounter}`;
    const gateway = await gatewayOn(canvasId);
    writers.push(await startWriter(server.url, { canvasId }));
    const api = adminClient(gateway.url, await OpenApiChecker.fetch(gateway.url));

    // Canvas loads: a page's first connection says `visit: true`; reconnections and anything else do not count.
    const guests = [await join(gateway, { visit: true }), await join(gateway, { visit: true })];
    const alice = await join(gateway, { visit: true, idToken: await jwks.sign({ sub: 'alice' }) });
    const bob = await join(gateway, { idToken: await jwks.sign({ sub: 'bob' }) }); // a reconnection
    for (const visit of ['true', 1, {}, [true], null]) await join(gateway, { visit });
    const reconnect = await join(gateway, { token: guests[0]!.welcome.sessionToken });

    await place(guests[0]!, 0, 0);
    await place(guests[0]!, 1, 0);
    await place(guests[1]!, 2, 0);
    await place(alice, 3, 0);
    await place(bob, 4, 0);
    await place(reconnect, 5, 0); // the same user as guests[0]

    const stats = await waitFor(
      async () => {
        const { status, body } = await api<StatsBody>('GET', '/stats');
        assert.equal(status, 200);
        return body.placements === 6 && body.canvasLoads === 3 && body.online === 10 ? body : undefined;
      },
      { timeoutMs: 15_000, message: '6 placements, 3 loads and 10 online' },
    );
    assert.equal(stats.uniqueUsers, 4);
    assert.equal(stats.signedInUsers, 2);
    assert.equal(stats.peakOnline.value, 10);
    assert.ok(stats.peakPlacementsPerSecond.value >= 1 && stats.peakPlacementsPerSecond.value <= 6);
    assert.equal(
      stats.perMinute.reduce((sum, minute) => sum + minute.placements, 0),
      6,
    );
    assert.equal(
      stats.perMinute.reduce((sum, minute) => sum + minute.canvasLoads, 0),
      3,
    );
  });

  it('keeps the loads a gateway counted when it shuts down before its next flush', async () => {
    const canvasId = `stats${++canvasCounter}`;
    const counting = await startGateway(server.url, { ...ADMIN_ENV, CANVAS_ID: canvasId, PRESENCE_INTERVAL_MS: '60000' });
    const reading = await gatewayOn(canvasId);
    const api = adminClient(reading.url, await OpenApiChecker.fetch(reading.url));
    for (let i = 0; i < 4; i++) (await connectPlayer(counting.url, { visit: true })).socket.close();
    await counting.close();
    const { body } = await api<StatsBody>('GET', '/stats');
    assert.equal(body.canvasLoads, 4);
  });

  it('answers 401 without a credential', async () => {
    const canvasId = `stats${++canvasCounter}`;
    const gateway = await gatewayOn(canvasId);
    const api = adminClient(gateway.url, await OpenApiChecker.fetch(gateway.url));
    assert.equal((await api('GET', '/stats', undefined, { token: undefined })).status, 401);
    assert.equal((await api('GET', '/stats', undefined, { token: 'wrong' })).status, 401);
  });
});
