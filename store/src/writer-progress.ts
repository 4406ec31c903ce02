import { canvasKeys, comparePositions, formatPosition, parsePosition, type StreamPosition } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';
import { readStreamPromise } from './event-stream.js';

/**
 * How far the writer has caught up, as the writer itself publishes it: each delta's end position
 * on the delta-notices channel, right after the delta is broadcast, and the cursor of the last
 * committed delta (the same promise every welcome carries: readStreamPromise). Others learn the
 * writer's progress here, never from the rest of its private state.
 */

/** Announces that every event up to `end` has been broadcast in a delta (the writer, after each one). */
export async function announceDelta(redis: RedisConnection, canvasId: string, end: StreamPosition): Promise<void> {
  await redis.publish(canvasKeys(canvasId).deltaNotices, formatPosition(end));
}

/**
 * Calls `onDelta` with the end position of every delta announced from now on. `subscriber` must be
 * a connection of its own (it enters subscriber mode); ioredis re-subscribes after a reconnection.
 */
export async function followDeltaAnnouncements(
  subscriber: RedisConnection,
  canvasId: string,
  onDelta: (end: StreamPosition | undefined) => void,
): Promise<void> {
  const channel = canvasKeys(canvasId).deltaNotices;
  subscriber.on('message', (from: string, message: string) => {
    if (from === channel) onDelta(parsePosition(message));
  });
  await subscriber.subscribe(channel);
}

/** True once the writer has folded every event up to `position` into committed deltas. */
export async function writerCaughtUpWith(redis: RedisConnection, canvasId: string, position: StreamPosition): Promise<boolean> {
  const promise = await readStreamPromise(redis, canvasId);
  return promise.epoch > 0 && comparePositions(promise.position, position) >= 0;
}
