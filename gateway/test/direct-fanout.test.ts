import assert from 'node:assert/strict';
import { createRoomEmitter } from '@tessera/runtime';
import { Redis } from 'ioredis';
import { useRedis, waitFor } from '../../test-support/index.js';
import { connectPlayer, startGateway, type Player, type RunningGateway } from './support/gateway-harness.js';

/** What a player saw, in order: deltas and syncs by their payload, any other event by name. */
type Seen = string[];

function describeFrame(event: string, frame: unknown): string {
  if (typeof frame === 'string') return `${event}:text:${frame}`;
  if (frame instanceof ArrayBuffer || ArrayBuffer.isView(frame)) {
    const bytes = frame instanceof ArrayBuffer ? new Uint8Array(frame) : new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
    return `${event}:binary:${Buffer.from(bytes).toString('hex')}`;
  }
  return `${event}:unexpected:${typeof frame}`;
}

describe('broadcasting deltas and syncs to every socket', () => {
  const redisServer = useRedis();
  let redis: Redis;
  let gateway: RunningGateway;
  const players: (Player & { seen: Seen })[] = [];

  before(async () => {
    redis = new Redis(redisServer.url, { lazyConnect: false });
    redis.on('error', () => undefined);
    gateway = await startGateway(redisServer.url, { CANVAS_WIDTH: '300', CANVAS_HEIGHT: '200' });
    for (let i = 0; i < 20; i++) {
      const player = await connectPlayer(gateway.url);
      const seen: Seen = [];
      player.socket.on('delta', (frame: unknown) => seen.push(describeFrame('delta', frame)));
      player.socket.on('sync', (frame: unknown) => seen.push(describeFrame('sync', frame)));
      player.socket.on('resync', () => seen.push('resync'));
      players.push({ ...player, seen });
    }
  });
  after(async () => {
    for (const player of players) player.socket.close();
    await gateway.close();
    redis.disconnect();
  });

  it('delivers text and binary frames whole, to every socket, in the order they were published', async () => {
    const emit = createRoomEmitter(redis, 'main');
    const probe = async () => {
      await emit('resync');
      return players.every((player) => player.seen.includes('resync'));
    };
    await waitFor(probe, { timeoutMs: 10_000, intervalMs: 100, message: 'the adapter to subscribe' });
    // Published after every probe on the same connection: once it arrived, no probe is still coming.
    await emit('sync', 'bWFyaw==');
    const marker = describeFrame('sync', 'bWFyaw==');
    await waitFor(() => players.every((player) => player.seen.includes(marker)), { timeoutMs: 10_000, message: 'the marker' });
    for (const player of players) player.seen.splice(0, player.seen.indexOf(marker) + 1);

    const sent: string[] = [];
    const publishes: Promise<void>[] = [];
    for (let i = 0; i < 300; i++) {
      // Large frames too (past ws's 16-bit and 64 KB length forms), and other events in between that
      // take Socket.IO's own path: nothing may overtake or split what was published before it.
      const size = i % 50 === 7 ? 70_000 : i % 10 === 3 ? 300 : 12;
      const bytes = Buffer.alloc(size, i & 255);
      bytes.writeUInt32LE(i, 0);
      if (i % 3 === 0) {
        publishes.push(emit('delta', bytes));
        sent.push(describeFrame('delta', bytes));
      } else if (i % 3 === 1) {
        publishes.push(emit('delta', bytes.toString('base64')));
        sent.push(describeFrame('delta', bytes.toString('base64')));
      } else if (i % 30 === 2) {
        publishes.push(emit('resync'));
        sent.push('resync');
      } else {
        publishes.push(emit('sync', bytes.toString('base64')));
        sent.push(describeFrame('sync', bytes.toString('base64')));
      }
    }
    await Promise.all(publishes);
    await waitFor(() => players.every((player) => player.seen.length >= sent.length), { timeoutMs: 20_000, message: 'every frame to reach every player' });
    for (const [i, player] of players.entries()) assert.deepEqual(player.seen, sent, `player ${i} saw something else`);

    const writes = await gateway.gateway.metrics.fanoutWrites.get();
    const direct = writes.values.find((value) => value.labels.path === 'direct')?.value ?? 0;
    assert.ok(direct > 0, 'no frame took the direct path');
    const total = writes.values.reduce((sum, value) => sum + value.value, 0);
    assert.ok(total >= players.length * (sent.length - 10 - 1), `counted ${total} socket writes`);
  });
});
