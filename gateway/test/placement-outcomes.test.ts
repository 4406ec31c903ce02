import assert from 'node:assert/strict';
import { canvasKeys, ErrorCode, type PlaceResult } from '@tessera/protocol';
import { Redis } from 'ioredis';
import { useRedis, waitFor } from '../../test-support/index.js';
import { connectPlayer, startGateway, type Player, type RunningGateway } from './support/gateway-harness.js';

const keys = canvasKeys('main');
const WIDTH = 1000;
const PLAYERS = 8;
/** Placements each player keeps waiting for their acknowledgement. */
const IN_FLIGHT = 20;
const KILLS = 3;
/** The most kills tried before concluding that none can catch a placement in flight. */
const MAX_KILLS = 30;

interface Sent {
  readonly userId: string;
  readonly x: number;
  readonly y: number;
  result?: PlaceResult | 'no-answer';
}

/** The Redis client id of the gateway's placement connection, once it is connected. */
async function placeClientId(redis: Redis): Promise<string | undefined> {
  const list = (await redis.call('CLIENT', 'LIST')) as string;
  return /(?:^|\n)id=(\d+) [^\n]*name=tessera-gateway-place\b/.exec(list)?.[1];
}

describe('placements whose Redis connection drops mid-flight', function () {
  this.timeout(60_000);
  const redisServer = useRedis();
  let redis: Redis;
  let gateway: RunningGateway;
  const players: Player[] = [];

  before(async () => {
    redis = new Redis(redisServer.url);
    redis.on('error', () => undefined);
    gateway = await startGateway(redisServer.url, {
      CANVAS_WIDTH: String(WIDTH),
      CANVAS_HEIGHT: '1000',
      CANVAS_COOLDOWN_MS: '0',
      STREAM_MAX_LEN: '1000000',
      PLACE_RATE_PER_SEC: '10000',
      PLACE_BURST: '100000',
      PLACE_RATE_PER_ADDRESS_PER_SEC: '100000',
      PLACE_BURST_PER_ADDRESS: '1000000',
      GUEST_SESSIONS_PER_ADDRESS: '10000',
    });
  });
  after(async () => {
    for (const player of players.splice(0)) player.socket.close();
    await gateway.close();
    redis.disconnect();
  });

  it('lands each at most once and answers accepted (landed once), refused (absent) or unknown, never a false refusal', async () => {
    for (let i = 0; i < PLAYERS; i++) players.push(await connectPlayer(gateway.url));
    const sent: Sent[] = [];
    let stopping = false;
    const settled = () => sent.filter((placement) => placement.result !== undefined);
    const accepted = () => sent.filter((placement) => typeof placement.result === 'object' && placement.result.ok).length;

    // Every placement of a player goes to a pixel of its own, so (user, x, y) names it in the stream.
    const lanes = players.map(async (player, lane) => {
      let next = 0;
      const one = async (): Promise<void> => {
        while (!stopping) {
          const k = next++;
          const placement: Sent = { userId: player.welcome.userId, x: k % WIDTH, y: lane * 100 + Math.floor(k / WIDTH) };
          sent.push(placement);
          placement.result = await player.socket
            .timeout(10_000)
            .emitWithAck('place', { x: placement.x, y: placement.y, color: 1 + (k % 7) })
            .then((answer) => answer as PlaceResult)
            .catch(() => 'no-answer' as const);
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, one));
    });

    const unknowns = () =>
      sent.filter((placement) => typeof placement.result === 'object' && !placement.result.ok && placement.result.error === ErrorCode.OutcomeUnknown).length;
    // At least KILLS kills, and more until one caught a script call in flight: with placements
    // batched per event-loop turn, a kill can fall between two calls.
    let kill = 0;
    for (; kill < KILLS || (unknowns() === 0 && kill < MAX_KILLS); kill++) {
      // Kill the connection while placements flow, then wait until they land again.
      const before = accepted();
      await waitFor(() => accepted() >= before + 300, { timeoutMs: 20_000, message: 'placements landing' });
      const id = await waitFor(() => placeClientId(redis), { timeoutMs: 10_000, message: 'the placement connection' });
      await redis.call('CLIENT', 'KILL', 'ID', id);
      await waitFor(async () => (await placeClientId(redis)) !== id && (await placeClientId(redis)) !== undefined, {
        timeoutMs: 10_000,
        message: 'the placement connection back',
      });
    }
    const beforeEnd = accepted();
    await waitFor(() => accepted() >= beforeEnd + 300, { timeoutMs: 20_000, message: 'placements landing after the last kill' });
    stopping = true;
    await Promise.all(lanes);

    // What Redis holds: every event by (user, x, y).
    const entries = (await redis.xrange(keys.events, '-', '+')) as [string, string[]][];
    const landed = new Map<string, string[]>();
    for (const [id, fields] of entries) {
      const values: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) values[fields[i]!] = fields[i + 1]!;
      const name = `${values.u} ${values.x} ${values.y}`;
      landed.set(name, [...(landed.get(name) ?? []), id]);
    }
    const counts = { accepted: 0, refused: 0, unknown: 0, unknownLanded: 0 };
    for (const placement of settled()) {
      const name = `${placement.userId} ${placement.x} ${placement.y}`;
      const ids = landed.get(name) ?? [];
      const result = placement.result!;
      assert.ok(result !== 'no-answer', `${name} was never answered`);
      assert.ok(ids.length <= 1, `${name} landed ${ids.length} times`);
      if (result.ok) {
        counts.accepted++;
        assert.deepEqual(ids, [result.eventId], `${name} was accepted: its event is in the stream once`);
      } else if (result.error === ErrorCode.CanvasUnavailable) {
        counts.refused++;
        assert.equal(ids.length, 0, `${name} was refused but landed`);
      } else {
        assert.equal(result.error, ErrorCode.OutcomeUnknown, `${name}: unexpected ${result.error}`);
        counts.unknown++;
        if (ids.length === 1) counts.unknownLanded++;
      }
    }
    assert.equal(settled().length, sent.length, 'every placement was answered');
    const total = [...landed.values()].reduce((sum, ids) => sum + ids.length, 0);
    assert.equal(total, entries.length);
    assert.equal(landed.size, entries.length, 'no event appears twice');
    console.log(`      ${sent.length} placements, ${kill} connection kills: ${JSON.stringify(counts)}`);
    assert.ok(counts.unknown > 0, 'the kills caught placements in flight');
  });
});
