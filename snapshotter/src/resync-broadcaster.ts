import { canvasRoom, Events } from '@tessera/protocol';
import { createRoomEmitter } from '@tessera/runtime';
import type { Redis } from 'ioredis';

/**
 * Tells every connected client of the canvas, through the Socket.IO Redis emitter, to drop its
 * copy and read the canvas again (after a restore). Resolves once Redis accepted the PUBLISH.
 */
export function createResyncBroadcaster(redis: Redis, canvasId: string): () => Promise<void> {
  const emit = createRoomEmitter(redis, canvasRoom(canvasId));
  return () => emit(Events.Resync);
}
