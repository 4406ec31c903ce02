// Players online across every gateway: each gateway reports its count every PRESENCE_INTERVAL_MS,
// every player hears the sum, a gateway that stops reporting drops out, and nothing is written to
// Redis per socket.
import assert from 'node:assert/strict';
import { canvasKeys, type Presence } from '@tessera/protocol';
import { readEventStats, readPresence, reportPresence } from '@tessera/store';
import { waitFor } from '../../test-support/index.js';
import { useGateways, type Player, type RunningGateway } from './support/gateway-harness.js';

const INTERVAL_MS = 150;

describe('presence: players online across gateways', function () {
  this.timeout(30_000);
  const suite = useGateways();
  let canvasCounter = 0;

  async function twoGateways(): Promise<{ canvasId: string; a: RunningGateway; b: RunningGateway }> {
    const canvasId = `presence${++canvasCounter}`;
    const env = { CANVAS_ID: canvasId, PRESENCE_INTERVAL_MS: String(INTERVAL_MS) };
    const a = await suite.startGateway(env);
    const b = await suite.startGateway(env);
    return { canvasId, a, b };
  }

  /** A player that records every presence figure it hears. */
  async function join(gateway: RunningGateway): Promise<Player & { heard: number[] }> {
    const player = await suite.connect(gateway);
    const heard: number[] = [];
    player.socket.on('presence', (presence: Presence) => heard.push(presence.online));
    return Object.assign(player, { heard });
  }
  const latest = (player: { heard: number[] }) => player.heard[player.heard.length - 1];

  it('tells every player on every gateway the sum, and follows players leaving', async () => {
    const { canvasId, a, b } = await twoGateways();
    const onA = [await join(a), await join(a)];
    const onB = [await join(b)];
    for (const player of [...onA, ...onB]) await waitFor(() => latest(player) === 3, { message: 'every player to hear 3 online' });
    assert.equal(await readPresence(suite.redis, canvasId), 3);
    onA[0]!.socket.close();
    for (const player of [onA[1]!, ...onB]) await waitFor(() => latest(player) === 2, { message: 'every player to hear 2 online' });
    // A late arrival hears the figure on connection, without waiting for it to change.
    const late = await join(b);
    await waitFor(() => late.heard.length > 0, { message: 'the late player to hear a figure' });
    assert.ok(late.heard[0]! >= 2);
    await waitFor(async () => (await readEventStats(suite.redis, canvasId)).peakOnline.value === 3, { message: 'the peak to be 3' });
  });

  it('drops a gateway that stops reporting (it died) and withdraws one that shuts down', async () => {
    const { canvasId, a, b } = await twoGateways();
    const player = await join(a);
    await join(b);
    await waitFor(() => latest(player) === 2, { message: '2 online' });
    // A gateway that reported 5 players, then died without a word: its report lapses.
    await reportPresence(suite.redis, canvasId, 'dead-gateway', 5, INTERVAL_MS * 3);
    await waitFor(() => latest(player) === 7, { message: 'the dead gateway counted while its report lasts' });
    await waitFor(() => latest(player) === 2, { timeoutMs: 10_000, message: 'the dead gateway dropped' });
    assert.equal(await suite.redis.hexists(canvasKeys(canvasId).presence, 'dead-gateway'), 0, 'its report was removed');
    // A gateway shutting down takes its report with it at once.
    suite.gateways.splice(suite.gateways.indexOf(b), 1);
    await b.close();
    await waitFor(() => latest(player) === 1, { message: 'the closed gateway withdrawn' });
    assert.equal(await suite.redis.hlen(canvasKeys(canvasId).presence), 1);
  });

  it('reports the sum in metrics', async () => {
    const { a, b } = await twoGateways();
    await join(a);
    await join(b);
    await waitFor(async () => /^tessera_players_online\{[^}]*\} 2$/m.test(await (await fetch(`${a.url}/metrics`)).text()), {
      message: 'tessera_players_online 2',
    });
  });

  it('writes nothing to Redis per connection: a crowd arriving costs no presence write', async () => {
    const { canvasId, a } = await twoGateways();
    await join(a);
    await waitFor(async () => (await readPresence(suite.redis, canvasId)) === 1, { message: '1 online' });
    // monitor() opens its own connection (a duplicate() here would be left connected for good).
    const monitor = await suite.redis.monitor();
    const startedAt = Date.now();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => commands.push(args.join(' ')));
    const crowd = await Promise.all(Array.from({ length: 20 }, () => join(a)));
    await waitFor(() => crowd.every((player) => latest(player) === 21), { message: 'the crowd to hear 21' });
    monitor.disconnect();
    const intervals = Math.ceil((Date.now() - startedAt) / INTERVAL_MS) + 1;
    const reports = commands.filter((command) => /^evalsha? /i.test(command) && command.includes(canvasKeys(canvasId).presence));
    // One report per gateway per interval, however many arrived (MONITOR also lists the script's own commands).
    assert.ok(reports.length >= 1 && reports.length <= 2 * intervals, `${reports.length} presence reports in ${intervals} intervals for 20 connections`);
  });

  it('refuses a malformed report instead of storing it', async () => {
    const canvasId = `presence${++canvasCounter}`;
    await assert.rejects(reportPresence(suite.redis, canvasId, 'g', -1, 1000), /non-negative/);
    await assert.rejects(reportPresence(suite.redis, canvasId, 'g', 1.5, 1000), /non-negative/);
    await assert.rejects(reportPresence(suite.redis, canvasId, 'g', 1, 0), /positive/);
    // A value written by something other than Tessera is dropped, not summed.
    await suite.redis.hset(canvasKeys(canvasId).presence, 'junk', 'lots');
    assert.equal(await reportPresence(suite.redis, canvasId, 'g', 4, 1000), 4);
    assert.equal(await suite.redis.hexists(canvasKeys(canvasId).presence, 'junk'), 0);
  });
});
