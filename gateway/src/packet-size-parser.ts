import { EventEmitter } from 'node:events';
import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';

/**
 * What an event's handler receives instead of its arguments when the packet that carried it was
 * larger than the event limit: the event still arrives (with its acknowledgement), so the client
 * is answered PAYLOAD_TOO_LARGE, but none of the oversized data reaches the handler.
 */
export class OversizedPayload {
  constructor(readonly bytes: number) {}
}

export interface PacketSizeLimits {
  /** An EVENT packet larger than this (its frame plus any binary attachments) reaches handlers as one OversizedPayload. */
  readonly maxEventBytes: number;
  /** Events allowed more than maxEventBytes (a `proof` carries a solution), by name. */
  readonly eventLimits?: Readonly<Record<string, number>>;
  /** Any packet but CONNECT larger than this closes the connection. */
  readonly maxPacketBytes: number;
  /** A CONNECT larger than this closes the connection; engine.io's maxHttpBufferSize should equal it. */
  readonly maxConnectBytes: number;
}

const CONNECT_TYPE = 48; // '0': a CONNECT packet's first character

function byteLength(chunk: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk);
  if (chunk instanceof ArrayBuffer || ArrayBuffer.isView(chunk)) return chunk.byteLength;
  return 0;
}

/**
 * A Socket.IO parser (the `parser` server option) that measures each packet where it is decoded.
 * Measuring elsewhere, e.g. engine.io's `packet` event, judges the wrong packet: several frames
 * arriving in one read are all seen before the first event's handler runs (a tick later).
 * Here the size travels with the decoded packet itself. Encoding is Socket.IO's own.
 */
export function createPacketSizeParser(limits: PacketSizeLimits): { Encoder: typeof Encoder; Decoder: new () => SizedDecoder } {
  return {
    Encoder,
    Decoder: class extends SizedDecoder {
      constructor() {
        super(limits);
      }
    },
  };
}

/** Socket.IO's decoder, with every packet's size judged before its handlers see it. */
export class SizedDecoder extends EventEmitter {
  private readonly inner = new Decoder();
  /** Bytes of the packet being decoded: a binary event spans its frame and its attachments. */
  private bytes = 0;

  constructor(private readonly limits: PacketSizeLimits) {
    super();
    // The inner decoder emits synchronously from inside add(), so `bytes` is this packet's.
    this.inner.on('decoded', (packet: Packet) => {
      const bytes = this.bytes;
      this.bytes = 0;
      this.emit('decoded', this.judge(packet, bytes));
    });
  }

  /** Throws (Socket.IO then closes the connection) on a packet over the hard limits or a malformed one. */
  add(chunk: unknown): void {
    this.bytes += byteLength(chunk);
    const limit = typeof chunk === 'string' && chunk.charCodeAt(0) === CONNECT_TYPE ? this.limits.maxConnectBytes : this.limits.maxPacketBytes;
    if (this.bytes > limit) {
      const bytes = this.bytes;
      this.bytes = 0;
      throw new Error(`packet of ${bytes} bytes is over the limit of ${limit}`);
    }
    try {
      this.inner.add(chunk);
    } catch (error) {
      this.bytes = 0;
      throw error;
    }
  }

  destroy(): void {
    this.inner.destroy();
    this.bytes = 0;
  }

  private judge(packet: Packet, bytes: number): Packet {
    // A binary event has been turned into an EVENT by now; an ack id, if any, is kept.
    if (packet.type !== PacketType.EVENT || bytes <= this.limits.maxEventBytes || !Array.isArray(packet.data)) return packet;
    const name = String(packet.data[0]);
    const own = this.limits.eventLimits && Object.hasOwn(this.limits.eventLimits, name) ? this.limits.eventLimits[name] : undefined;
    if (own !== undefined && bytes <= own) return packet;
    return { ...packet, data: [packet.data[0], new OversizedPayload(bytes)] };
  }
}
