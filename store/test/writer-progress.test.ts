import assert from 'node:assert/strict';
import { canvasKeys, type StreamPosition } from '@tessera/protocol';
import {
  announceDelta,
  canvasExists,
  followDeltaAnnouncements,
  readConfigVersion,
  readSnapshotConfirmed,
  recordSnapshotConfirmed,
  writerCaughtUpWith,
} from '@tessera/store';
import { Redis } from 'ioredis';
import { useRedis, waitFor } from '../../test-support/index.js';

describe('what services publish to each other through Redis', () => {
  let redis: Redis;
  let subscriber: Redis;
  let counter = 0;
  // Before useRedis, whose own `after` stops the server: these disconnect while it still runs.
  after(() => {
    redis.disconnect();
    subscriber.disconnect();
  });
  const server = useRedis();
  before(async () => {
    redis = new Redis(server.url);
    subscriber = new Redis(server.url);
    // Ready before it subscribes: ioredis's ready check (INFO) fails on a connection already in subscriber mode.
    await subscriber.ping();
  });
  const canvas = () => `published-${++counter}`;
  const at = (ms: number, seq = 0): StreamPosition => ({ ms, seq });

  it('delivers each announced delta end to a follower, and an unreadable notice as undefined', async () => {
    const canvasId = canvas();
    const heard: (StreamPosition | undefined)[] = [];
    await followDeltaAnnouncements(subscriber, canvasId, (end) => heard.push(end));
    await announceDelta(redis, canvasId, at(1_700_000_000_000, 3));
    await redis.publish(canvasKeys(canvasId).deltaNotices, 'not a position');
    // Another canvas's notices are not this follower's.
    await announceDelta(redis, canvas(), at(5));
    await waitFor(() => heard.length >= 2, { message: 'two notices heard' });
    assert.deepEqual(heard, [at(1_700_000_000_000, 3), undefined]);
  });

  it('says the writer caught up only once its committed cursor reaches the position', async () => {
    const canvasId = canvas();
    const state = canvasKeys(canvasId).writerState;
    assert.equal(await writerCaughtUpWith(redis, canvasId, at(0)), false, 'no writer has run');
    await redis.hset(state, { epoch: '7', seq: '1', cursor: '100-2' });
    assert.equal(await writerCaughtUpWith(redis, canvasId, at(100, 2)), true);
    assert.equal(await writerCaughtUpWith(redis, canvasId, at(100, 3)), false);
    await redis.hset(state, { epoch: 'garbage' });
    assert.equal(await writerCaughtUpWith(redis, canvasId, at(1)), false, 'a damaged state promises nothing');
  });

  it('reads whether a canvas exists and its config version, 0 for a missing or malformed one', async () => {
    const canvasId = canvas();
    const config = canvasKeys(canvasId).config;
    assert.equal(await canvasExists(redis, canvasId), false);
    assert.equal(await readConfigVersion(redis, canvasId), 0);
    await redis.hset(config, { version: '42' });
    assert.equal(await canvasExists(redis, canvasId), true);
    assert.equal(await readConfigVersion(redis, canvasId), 42);
    for (const bad of ['-1', '1.5', 'x', String(2 ** 32)]) {
      await redis.hset(config, { version: bad });
      assert.equal(await readConfigVersion(redis, canvasId), 0, bad);
    }
  });

  it('keeps the newest snapshot confirmation, and ignores an unreadable one', async () => {
    const canvasId = canvas();
    assert.equal(await readSnapshotConfirmed(redis, canvasId), undefined);
    await recordSnapshotConfirmed(redis, canvasId, 1_700_000_000_123);
    assert.equal(await readSnapshotConfirmed(redis, canvasId), 1_700_000_000_123);
    await redis.set(canvasKeys(canvasId).snapshotConfirmedAt, 'soon');
    assert.equal(await readSnapshotConfirmed(redis, canvasId), undefined);
  });
});
