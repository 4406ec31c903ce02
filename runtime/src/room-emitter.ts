import { Emitter } from '@socket.io/redis-emitter';
import { canvasKeys, canvasRoom, type ServerToClientEvents } from '@tessera/protocol';
import type { RedisConnection } from '@tessera/store';

/** Emits to a Socket.IO room from outside any gateway; resolves once Redis accepted the PUBLISH. */
export type RoomEmit = <E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>) => Promise<void>;

/**
 * The Socket.IO Redis emitter bound to one canvas's room, for the writer and the snapshotter. Its
 * key is the canvas's own (`canvasKeys().socketIo`, the gateways' adapter key too), so another
 * release on the same Redis never receives it. The emitter
 * fires PUBLISH and drops its promise, so a failed publish would surface as an unhandled
 * rejection and the caller could not know; it is handed a client that keeps the promise instead.
 */
export function createRoomEmitter(redis: RedisConnection, canvasId: string): RoomEmit {
  let published: Promise<unknown> | undefined;
  const publisher = {
    publish(channel: string, message: Buffer | string): Promise<unknown> {
      const result = redis.publish(channel, message);
      result.catch(() => undefined);
      published = result;
      return result;
    },
  };
  const target = new Emitter<ServerToClientEvents>(publisher, { key: canvasKeys(canvasId).socketIo }).to(canvasRoom(canvasId));
  return async (event, ...args) => {
    published = undefined;
    target.emit(event, ...args);
    const result = published as Promise<unknown> | undefined;
    if (!result) throw new Error('the emitter did not publish');
    await result;
  };
}
