import { chooseWireFormat, encodeWireFrame, Events, WireFormat, type StreamPosition } from '@tessera/protocol';
import { createRoomEmitter } from '@tessera/runtime';
import { announceDelta, type RedisConnection } from '@tessera/store';
import { compressDelta } from './delta-compression.js';

export interface DeltaBroadcaster {
  /**
   * Publishes an encoded delta to every gateway, then its end position on the delta-notices
   * channel (same connection, so gateways see the notice after the delta); resolves once Redis
   * accepted both.
   */
  delta(bytes: Uint8Array, end: StreamPosition): Promise<void>;
  /** Publishes an encoded sync the same way. */
  sync(bytes: Uint8Array): Promise<void>;
}

export interface DeltaBroadcasterOptions {
  /** A client used for PUBLISH only. */
  readonly redis: RedisConnection;
  readonly canvasId: string;
  readonly wireFormat: WireFormat;
}

/**
 * Broadcasts frames to the canvas room through the Socket.IO Redis emitter: one encoding and one
 * PUBLISH per frame, whatever the number of gateways and sockets.
 */
export function createDeltaBroadcaster({ redis, canvasId, wireFormat }: DeltaBroadcasterOptions): DeltaBroadcaster {
  const emit = createRoomEmitter(redis, canvasId);
  const send = (event: typeof Events.Delta | typeof Events.Sync, bytes: Uint8Array): Promise<void> =>
    // Binary travels as a Buffer, which msgpack (the emitter's parser) keeps as binary.
    emit(
      event,
      chooseWireFormat(wireFormat, bytes.length) === WireFormat.Binary
        ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
        : encodeWireFrame(bytes, WireFormat.Base64),
    );

  return {
    delta: async (bytes, end) => {
      // Stored uncompressed (the writer state), compressed on the way out: once per tick.
      await send(Events.Delta, compressDelta(bytes));
      await announceDelta(redis, canvasId, end);
    },
    sync: (bytes) => send(Events.Sync, bytes),
  };
}
