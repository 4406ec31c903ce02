import { Emitter } from '@socket.io/redis-emitter';
import { canvasRoom, Events, type ServerToClientEvents } from '@tessera/protocol';
import type { Redis } from 'ioredis';

/**
 * Tells every connected client of the canvas, through the Socket.IO Redis emitter, to drop its
 * copy and read the canvas again (after a restore). Resolves once Redis accepted the PUBLISH.
 */
export function createResyncBroadcaster(redis: Redis, canvasId: string): () => Promise<void> {
  // As in the writer: the emitter drops PUBLISH's promise, so hand it a client that keeps it.
  let published: Promise<unknown> | undefined;
  const publisher = {
    publish(channel: string, message: Buffer | string): Promise<unknown> {
      const result = redis.publish(channel, message);
      result.catch(() => undefined);
      published = result;
      return result;
    },
  };
  const room = new Emitter<ServerToClientEvents>(publisher).to(canvasRoom(canvasId));
  return async () => {
    published = undefined;
    room.emit(Events.Resync);
    const result = published as Promise<unknown> | undefined;
    if (!result) throw new Error('the emitter did not publish');
    await result;
  };
}
