import { canvasKeys } from '@tessera/protocol';
import type { Logger } from '@tessera/runtime';
import { followDeltaAnnouncements, type RedisConnection } from '@tessera/store';

/**
 * Listens for the writer's delta notices and drops the cached canvas read on each one. A player
 * joins the broadcast room before reading the canvas, so it receives every delta after its read
 * only if the read is not older than the last delta broadcast before it joined: a read cached
 * across a delta would force it to read again.
 */
export async function followDeltaNotices(subscriber: RedisConnection, canvasId: string, onDelta: () => void, log: Logger): Promise<void> {
  // Re-subscribed by ioredis after a reconnection; a notice missed meanwhile only costs a refetch.
  await followDeltaAnnouncements(subscriber, canvasId, () => onDelta());
  log.debug({ channel: canvasKeys(canvasId).deltaNotices }, 'following delta notices');
}
