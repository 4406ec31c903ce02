import assert from 'node:assert/strict';
import { constants, deflateRawSync } from 'node:zlib';
import { BARE_FRAMES, decodeDelta, deflateDelta, encodeDelta, FrameKind, PACKED_DELTA_FORMAT_VERSION, type ChunkChanges } from '@tessera/protocol';
import { createRoomEmitter } from '@tessera/runtime';
import { Redis } from 'ioredis';
import { seeded, useRedis, waitFor } from '../../test-support/index.js';
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
  /** Half of them ask for bare frames, as the browser does. */
  const players: (Player & { seen: Seen; bare: boolean })[] = [];

  before(async () => {
    redis = new Redis(redisServer.url, { lazyConnect: false });
    redis.on('error', () => undefined);
    gateway = await startGateway(redisServer.url, { CANVAS_WIDTH: '300', CANVAS_HEIGHT: '200' });
    for (let i = 0; i < 20; i++) {
      const bare = i % 2 === 1;
      const player = await connectPlayer(gateway.url, bare ? { frames: BARE_FRAMES } : {});
      const seen: Seen = [];
      player.socket.on('delta', (frame: unknown) => seen.push(describeFrame('delta', frame)));
      player.socket.on('sync', (frame: unknown) => seen.push(describeFrame('sync', frame)));
      player.socket.on('resync', () => seen.push('resync'));
      players.push({ ...player, seen, bare });
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

    /** What a player that did not ask for bare frames sees, and what one that did sees. */
    const sent: string[] = [];
    const sentBare: string[] = [];
    const publishes: Promise<void>[] = [];
    const publish = (event: 'delta' | 'sync', bytes: Buffer, asText: boolean): void => {
      publishes.push(emit(event, asText ? bytes.toString('base64') : bytes));
      sent.push(describeFrame(event, asText ? bytes.toString('base64') : bytes));
      // A frame whose first byte is its event's kind goes bare, as one binary message; any other keeps Socket.IO's form.
      const kind = event === 'delta' ? FrameKind.Delta : FrameKind.Sync;
      sentBare.push(bytes[0] === kind ? describeFrame(event, bytes) : sent[sent.length - 1]!);
    };
    for (let i = 0; i < 300; i++) {
      // Large frames too (past ws's 16-bit and 64 KB length forms), and other events in between that
      // take Socket.IO's own path: nothing may overtake or split what was published before it.
      const size = i % 50 === 7 ? 70_000 : i % 10 === 3 ? 300 : 12;
      const bytes = Buffer.alloc(size, i & 255);
      bytes.writeUInt32LE(i, 4);
      const event = i % 3 === 2 ? 'sync' : 'delta';
      // Now and then a payload that is not its event's frame.
      bytes[0] = i % 11 === 5 ? 0x7f : event === 'delta' ? FrameKind.Delta : FrameKind.Sync;
      if (i % 30 === 2) {
        publishes.push(emit('resync'));
        sent.push('resync');
        sentBare.push('resync');
      } else publish(event, bytes, i % 3 !== 0);
    }
    await Promise.all(publishes);
    await waitFor(() => players.every((player) => player.seen.length >= sent.length), { timeoutMs: 20_000, message: 'every frame to reach every player' });
    for (const [i, player] of players.entries()) assert.deepEqual(player.seen, player.bare ? sentBare : sent, `player ${i} saw something else`);
    assert.ok(sentBare.filter((seen) => seen.includes(':binary:')).length > sent.filter((seen) => seen.includes(':binary:')).length, 'no text frame went bare');

    const writes = await gateway.gateway.metrics.fanoutWrites.get();
    const direct = writes.values.find((value) => value.labels.path === 'direct')?.value ?? 0;
    const engine = writes.values.find((value) => value.labels.path === 'engine')?.value ?? 0;
    assert.ok(direct > 0, 'no frame took the direct path');
    // Right after a resync (Socket.IO's path) a socket's transport is busy: the next frames queue behind it.
    assert.ok(engine > 0, 'no frame took the queued path');
    const total = writes.values.reduce((sum, value) => sum + value.value, 0);
    assert.ok(total >= players.length * (sent.length - 10 - 1), `counted ${total} socket writes`);
    // Every delta and sync broadcast (the marker and the 290 above, at least) was timed once.
    const timed = (await gateway.gateway.metrics.fanoutSeconds.get()).values.find((value) => value.metricName?.endsWith('_count'))?.value ?? 0;
    assert.ok(timed >= sent.length - 10 + 1, `timed ${timed} broadcasts`);
  });

  it('sends a sparse delta bare in the packed format, and as published to the others', async () => {
    const emit = createRoomEmitter(redis, 'main');
    // 40 pixels spread over a 300 × 200 canvas, as the writer publishes them (format 2, deflated when smaller).
    const next = seeded(12_345);
    const chunks: ChunkChanges[] = [0, 1].map((cx) => {
      const offsets = Uint16Array.from(new Set(Array.from({ length: 20 }, () => Math.floor(next() * 200) * 256 + Math.floor(next() * 150)))).sort();
      return { cx, cy: 0, offsets, colors: Uint8Array.from(offsets, () => Math.floor(next() * 32)) };
    });
    const delta = { epoch: 77, seq: 9_001, start: { ms: 1_800_000_000_000, seq: 0 }, end: { ms: 1_800_000_000_500, seq: 3 }, configVersion: 2, chunks };
    const published = Buffer.from(deflateDelta(encodeDelta(delta), (body) => deflateRawSync(body, { level: constants.Z_BEST_COMPRESSION })));
    for (const player of players) player.seen.length = 0;
    await emit('delta', published);
    await waitFor(() => players.every((player) => player.seen.length > 0), { timeoutMs: 10_000, message: 'the delta to reach every player' });
    for (const [i, player] of players.entries()) {
      assert.equal(player.seen.length, 1, `player ${i} saw ${player.seen.length} frames`);
      const bytes = Buffer.from(player.seen[0]!.split(':')[2]!, 'hex');
      if (!player.bare) {
        assert.deepEqual(bytes, published, `player ${i} did not get the frame as published`);
        continue;
      }
      assert.equal(bytes[1], PACKED_DELTA_FORMAT_VERSION, `player ${i} got format ${bytes[1]}`);
      assert.ok(bytes.length < published.length, `format 3 took ${bytes.length} bytes, the published frame ${published.length}`);
      assert.deepEqual(decodeDelta(bytes), { ok: true, value: delta }, `player ${i} decoded another delta`);
    }
  });
});
