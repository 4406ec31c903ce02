import { Events } from '@tessera/protocol';
import { createRoomEmitter } from '@tessera/runtime';
import type { RedisConnection } from '@tessera/store';

/**
 * Tells every connected client of the canvas, through the Socket.IO Redis emitter, to drop its
 * copy and read the canvas again (after a restore). Resolves once Redis accepted the PUBLISH.
 */
export function createResyncBroadcaster(redis: RedisConnection, canvasId: string): () => Promise<void> {
  const emit = createRoomEmitter(redis, canvasId);
  return () => emit(Events.Resync);
}
