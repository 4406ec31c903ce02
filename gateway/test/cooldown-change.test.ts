import assert from 'node:assert/strict';
import { canvasKeys, ErrorCode, type CanvasConfig, type PlaceResult } from '@tessera/protocol';
import { ADMIN_ENV, adminClient, OpenApiChecker } from './support/admin-harness.js';
import { useGateways, type Player, type RunningGateway } from './support/gateway-harness.js';

const FIVE_MINUTES = 300_000;
const ONE_MINUTE = 60_000;
/** Welcome times use the gateway's clock, placement times Redis's: the same machine here. */
const CLOCK_SLACK_MS = 250;

describe('changing the cooldown', function () {
  this.timeout(20_000);
  const suite = useGateways();
  let canvasCounter = 0;

  /** A gateway on a canvas of its own with a 5 min cooldown, and the admin API. */
  async function canvas() {
    const canvasId = `cool${++canvasCounter}`;
    const gateway = await suite.startGateway({
      ...ADMIN_ENV,
      CANVAS_ID: canvasId,
      CANVAS_WIDTH: '64',
      CANVAS_HEIGHT: '64',
      CANVAS_COOLDOWN_MS: String(FIVE_MINUTES),
    });
    const api = adminClient(gateway.url, await OpenApiChecker.fetch(gateway.url));
    const setCooldown = async (cooldownMs: number): Promise<void> => {
      const response = await api<{ config: CanvasConfig }>('PUT', '/cooldown', { cooldownMs });
      assert.equal(response.status, 200);
      assert.equal(response.body.config.cooldownMs, cooldownMs);
    };
    return { gateway, keys: canvasKeys(canvasId), setCooldown };
  }
  async function player(gateway: RunningGateway, auth: Record<string, unknown> = {}): Promise<Player> {
    return suite.connect(gateway, auth);
  }
  /** The same guest again, as after a page reload. */
  const reload = (gateway: RunningGateway, who: Player): Promise<Player> => player(gateway, { token: who.welcome.sessionToken });
  const place = (who: Player, x: number, y = 1): Promise<PlaceResult> => who.socket.timeout(3000).emitWithAck('place', { x, y, color: 2 });
  const near = (actual: number, expected: number, what: string): void =>
    assert.ok(Math.abs(actual - expected) <= CLOCK_SLACK_MS, `${what}: ${actual} is not ${expected} (off by ${actual - expected} ms)`);

  /** Places once under the 5 min cooldown and returns the placement's time (Redis clock). */
  async function placeAndWait(who: Player): Promise<number> {
    const placed = await place(who, 1);
    assert.ok(placed.ok, `first placement: ${JSON.stringify(placed)}`);
    const refused = await place(who, 2);
    assert.ok(!refused.ok && refused.error === ErrorCode.Cooldown, 'the player is waiting');
    return placed.nextAt - FIVE_MINUTES;
  }

  it('frees a waiting player at once when lowered to 0, and the welcome after a reload says so', async () => {
    const { gateway, setCooldown } = await canvas();
    const who = await player(gateway);
    await placeAndWait(who);
    const waiting = await reload(gateway, who);
    assert.ok(waiting.welcome.cooldownUntil > Date.now() + FIVE_MINUTES - 10_000, 'the welcome shows the 5 min wait');

    await setCooldown(0);
    const again = await reload(gateway, who);
    assert.equal(again.welcome.cooldownUntil, 0);
    const placed = await place(who, 3);
    assert.ok(placed.ok, `placement after lowering to 0: ${JSON.stringify(placed)}`);
  });

  it('ends a wait at the placement time plus a lowered cooldown', async () => {
    const { gateway, setCooldown } = await canvas();
    const who = await player(gateway);
    const placedAt = await placeAndWait(who);

    await setCooldown(ONE_MINUTE);
    const refused = await place(who, 3);
    assert.ok(!refused.ok && refused.error === ErrorCode.Cooldown && refused.retryAt !== undefined);
    near(refused.retryAt, placedAt + ONE_MINUTE, 'retryAt after 5 min -> 1 min');
    const again = await reload(gateway, who);
    near(again.welcome.cooldownUntil, placedAt + ONE_MINUTE, 'welcome after 5 min -> 1 min');
  });

  it('never ends a wait later than the end its placement was given: a raise applies from the next placement', async () => {
    const { gateway, keys, setCooldown } = await canvas();
    const who = await player(gateway);
    const placedAt = await placeAndWait(who);
    await setCooldown(ONE_MINUTE);

    // Raised, but still below the 5 min the placement was given: placement time + 2 min.
    await setCooldown(2 * ONE_MINUTE);
    const refused = await place(who, 3);
    assert.ok(!refused.ok && refused.retryAt !== undefined);
    near(refused.retryAt, placedAt + 2 * ONE_MINUTE, 'retryAt after 1 min -> 2 min');
    const again = await reload(gateway, who);
    near(again.welcome.cooldownUntil, placedAt + 2 * ONE_MINUTE, 'welcome after 1 min -> 2 min');

    // Raised past the 5 min end the placement was given: that end is the cap.
    await setCooldown(10 * ONE_MINUTE);
    const capped = await place(who, 4);
    assert.ok(!capped.ok && capped.retryAt !== undefined);
    near(capped.retryAt, placedAt + FIVE_MINUTES, 'retryAt after raising to 10 min');
    const reloaded = await reload(gateway, who);
    near(reloaded.welcome.cooldownUntil, placedAt + FIVE_MINUTES, 'welcome after raising to 10 min');

    // Once that wait is over (its keys expire), the next placement waits the new 10 min.
    // (Deleted behind the gateway's back: the socket that was told 5 min would be answered COOLDOWN
    // locally until then, so the same guest places from a new socket, as after a reload.)
    await suite.redis.del(keys.userCooldown(who.welcome.userId), keys.ipCooldown('127.0.0.1'));
    const next = await place(await reload(gateway, who), 5);
    assert.ok(next.ok);
    const nextPlacedAt = Number(await suite.redis.get(keys.userCooldown(who.welcome.userId)));
    assert.equal(next.nextAt, nextPlacedAt + 10 * ONE_MINUTE);
  });

  it('frees the other guests of a waiting address too', async () => {
    const { gateway, setCooldown } = await canvas();
    const first = await player(gateway);
    await placeAndWait(first);
    const neighbour = await player(gateway); // same address, never placed: held by the IP cooldown
    const refused = await place(neighbour, 9);
    assert.ok(!refused.ok && refused.error === ErrorCode.Cooldown);
    await setCooldown(0);
    assert.ok((await place(neighbour, 9)).ok);
  });

  it('keeps the wait of a cooldown key written before keys held the placement time', async () => {
    const { gateway, keys } = await canvas();
    const who = await player(gateway);
    await suite.redis.set(keys.userCooldown(who.welcome.userId), '1', 'PX', 200_000);
    const refused = await place(who, 1);
    assert.ok(!refused.ok && refused.error === ErrorCode.Cooldown && refused.retryAt !== undefined);
    near(refused.retryAt, Date.now() + 200_000, 'an old key keeps its TTL');
    const again = await reload(gateway, who);
    near(again.welcome.cooldownUntil, Date.now() + 200_000, 'welcome with an old key');
  });
});
