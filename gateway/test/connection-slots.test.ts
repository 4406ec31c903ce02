import assert from 'node:assert/strict';
import { ErrorCode } from '@tessera/protocol';
import { useRedis, waitFor } from '../../test-support/index.js';
import { connectPlayer, startGateway, type Player, type RunningGateway } from './support/gateway-harness.js';
import { RawEngineClient } from './support/raw-engine-client.js';

const LIMIT = 50;

describe('per-address socket slots', () => {
  const redisServer = useRedis();
  let gateway: RunningGateway;
  const players: Player[] = [];
  const raw: RawEngineClient[] = [];

  before(async () => {
    gateway = await startGateway(redisServer.url, { MAX_SOCKETS_PER_IP: String(LIMIT) });
    // One handshake first, alone: the handshake's Lua scripts are then loaded in Redis before the
    // concurrent ones below (a first EVALSHA under auto-pipelining is a separate, reported issue).
    (await connectPlayer(gateway.url)).socket.close();
  });
  afterEach(async () => {
    for (const player of players.splice(0)) player.socket.close();
    for (const client of raw.splice(0)) client.terminate();
    await waitFor(() => gateway.gateway.io.engine.clientsCount === 0, { message: 'every connection closed' });
  });
  after(() => gateway.close());

  const fillWithPlayers = async (count: number): Promise<void> => {
    players.push(...(await Promise.all(Array.from({ length: count }, () => connectPlayer(gateway.url)))));
  };

  it('frees the slot of a client that drops during the asynchronous handshake', async () => {
    // Each sends CONNECT (the identity and ban checks start, and await Redis) and vanishes at once.
    for (let batch = 0; batch < 6; batch++) {
      const clients = await Promise.all(Array.from({ length: 10 }, () => RawEngineClient.open(gateway.url)));
      for (const client of clients) client.sendAndVanish('40');
      await Promise.all(clients.map((client) => client.closed));
    }
    await waitFor(() => gateway.gateway.io.engine.clientsCount === 0, { message: 'the 60 dropped connections closed' });
    // Every one of the 50 slots is free again: 50 players get in, the 51st is told why it does not.
    await fillWithPlayers(LIMIT);
    await assert.rejects(connectPlayer(gateway.url), { message: ErrorCode.TooManyConnections });
  });

  it('counts engine.io connections that never join the namespace', async () => {
    raw.push(...(await Promise.all(Array.from({ length: LIMIT }, () => RawEngineClient.open(gateway.url)))));
    await assert.rejects(connectPlayer(gateway.url), { message: ErrorCode.TooManyConnections });
    // A raw connection over the limit is told the code and closed, without having sent anything.
    const extra = await RawEngineClient.open(gateway.url);
    raw.push(extra);
    assert.equal(await extra.next((frame) => frame.startsWith('44')), `44{"message":"${ErrorCode.TooManyConnections}"}`);
    await extra.closed;
    // The transport's close releases the slot.
    raw.shift()!.terminate();
    await waitFor(async () => connectPlayer(gateway.url).then((player) => players.push(player)), { message: 'a freed slot' });
  });

  it("keeps a player's slot for as long as its socket lives, and frees it on disconnect", async () => {
    await fillWithPlayers(LIMIT);
    await assert.rejects(connectPlayer(gateway.url), { message: ErrorCode.TooManyConnections });
    const leaving = players.shift()!;
    leaving.socket.close();
    await waitFor(async () => connectPlayer(gateway.url).then((player) => players.push(player)), { message: 'a freed slot' });
    assert.equal(gateway.gateway.io.engine.clientsCount, LIMIT);
  });
});
