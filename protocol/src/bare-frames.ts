import { Emitter } from '@socket.io/component-emitter';
import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';
import { Events } from './events.js';
import { FrameKind } from './frame-header.js';

/**
 * Bare frames: a delivery of deltas and syncs without Socket.IO's packet around them. Through
 * Socket.IO a binary event is two WebSocket messages (a text `451-["delta",{"_placeholder":true,
 * "num":0}]` header and the bytes), ~45 bytes before any pixel, and a small frame sent as base64
 * text grows by a third. A bare frame is one binary WebSocket message holding the frame itself: its
 * first byte (FrameKind) already says whether it is a delta or a sync.
 *
 * A client asks for them in its handshake (`auth.frames = BARE_FRAMES`) and decodes with
 * `bareFrameParser` (socket.io-client's `parser` option); a client that does not ask, such as an
 * older page or another implementation of the protocol, gets Socket.IO's framing as before.
 */
export const BARE_FRAMES = 'bare';

/** The event a bare frame stands for, by its first byte. */
const EVENT_OF_KIND: ReadonlyMap<number, string> = new Map([
  [FrameKind.Delta, Events.Delta],
  [FrameKind.Sync, Events.Sync],
]);

/**
 * Whether `frame` can go bare as `event`: its first byte is that event's kind, so the client
 * hands it to the right listener. Anything else keeps Socket.IO's framing.
 */
export function goesBare(event: string, frame: Uint8Array): boolean {
  return frame.length > 0 && EVENT_OF_KIND.get(frame[0]!) === event;
}

type BinaryChunk = ArrayBuffer | ArrayBufferView;
const BINARY_EVENT = String(PacketType.BINARY_EVENT);
const BINARY_ACK = String(PacketType.BINARY_ACK);

/**
 * Socket.IO's decoder, except that a binary message arriving while no binary packet awaits its
 * attachments is a bare frame: it is handed on as the event its kind names, with the bytes as the
 * event's one argument, exactly as Socket.IO's framing would have delivered them.
 */
export class BareFrameDecoder extends Emitter<Record<string, never>, Record<string, never>, { decoded: (packet: Packet) => void }> {
  private readonly inner = new Decoder();
  /** A BINARY_EVENT or BINARY_ACK header was read and its attachments are still to come. */
  private awaitingAttachments = false;

  constructor() {
    super();
    // The inner decoder emits synchronously from inside add(): a packet complete ends the wait.
    this.inner.on('decoded', (packet: Packet) => {
      this.awaitingAttachments = false;
      this.emitReserved('decoded', packet);
    });
  }

  /** Throws on a malformed message (socket.io-client then closes the connection), as Socket.IO's does. */
  add(chunk: unknown): void {
    if (typeof chunk === 'string') {
      // The packet type is its first digit.
      this.awaitingAttachments = chunk.startsWith(BINARY_EVENT) || chunk.startsWith(BINARY_ACK);
      this.inner.add(chunk);
      return;
    }
    if (this.awaitingAttachments || !isBinary(chunk)) {
      this.inner.add(chunk);
      return;
    }
    const bytes = chunk instanceof ArrayBuffer ? new Uint8Array(chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const event = bytes.length > 0 ? EVENT_OF_KIND.get(bytes[0]!) : undefined;
    if (event === undefined) throw new Error(`bare frame of unknown kind ${bytes.length > 0 ? bytes[0] : 'none'} (${bytes.length} bytes)`);
    this.emitReserved('decoded', { type: PacketType.EVENT, nsp: '/', data: [event, chunk] });
  }

  destroy(): void {
    this.inner.destroy();
  }
}

function isBinary(chunk: unknown): chunk is BinaryChunk {
  return chunk instanceof ArrayBuffer || ArrayBuffer.isView(chunk);
}

/** socket.io-client's `parser` option for a client that asks for bare frames; encoding is Socket.IO's own. */
export const bareFrameParser = { Encoder, Decoder: BareFrameDecoder };
