import type { Namespace } from 'socket.io';
import type { Counter, Histogram } from 'prom-client';
import WebSocket from 'ws';
import { decodeWireFrame, goesBare } from '@tessera/protocol';

/** A Socket.IO adapter factory (`createAdapter(...)` returns one; socket.io calls it with `new`). */
type AdapterFactory<A> = (nsp: Namespace) => A;

/** The in-memory adapter's members the broadcast goes through (socket.io-adapter 2.5). */
interface BroadcastInternals {
  _encode(packet: { data?: unknown[] }, packetOpts: object): unknown[];
  apply(opts: object, callback: (socket: FanoutSocket) => void): void;
}

/** The parts of a Socket.IO socket, its Engine.IO connection and its ws socket written to here. */
interface FanoutSocket {
  /** `bareFrames`: the client asked for bare frames (protocol/src/bare-frames.ts). */
  readonly data?: { readonly bareFrames?: boolean };
  readonly conn: {
    readonly readyState: string;
    readonly writeBuffer: readonly unknown[];
    /** Engine.IO's queued send of one message (a binary one is one binary WebSocket message). */
    write(data: Buffer, options: { compress: boolean }): void;
    readonly transport: {
      readonly name: string;
      readonly writable: boolean;
      readonly socket?: {
        readonly _sender?: { readonly _queue?: readonly unknown[] };
        readonly _socket?: { readonly writable: boolean; write(data: Buffer): boolean };
      };
    };
  };
}

export interface DirectFanoutOptions {
  /** Events broadcast this way (the ones every player of the canvas gets: delta, sync). */
  readonly events: ReadonlySet<string>;
  /** Counts sockets written directly and sockets left to Engine.IO, once per broadcast. */
  readonly writes?: Counter<'path'>;
  /** Observes each broadcast's time from reaching the adapter to its last socket write. */
  readonly duration?: Histogram;
  /**
   * What a bare-frame socket gets for an event's frame (a delta in its smallest format, say);
   * the frame itself by default. Called at most once per broadcast.
   */
  readonly bareFrame?: (event: string, frame: Uint8Array) => Uint8Array;
}

/**
 * A broadcast of a delta or sync costs every socket only a TCP write of WebSocket frames built once
 * per broadcast. Socket.IO already encodes the packet once, but then hands it to every socket's
 * Engine.IO queue (a packet object, events, a flush, a ws send with a callback): about two thirds of
 * the gateway's per-socket cost at 10,000 sockets (BENCHMARKS.md, fan-out). A socket whose Engine.IO
 * queue is idle (nothing buffered, no send in flight, an open WebSocket) gets the frames written
 * straight to its TCP socket, whole, so they cannot interleave with anything; any other socket
 * (a send in flight, closing, another transport) takes the usual path, which keeps its order.
 * A binary packet (a text header and an attachment) becomes two frames in one write. A socket whose
 * client asked for bare frames (protocol/src/bare-frames.ts) gets the frame alone, as one binary
 * message, on either path.
 */
export function withDirectFanout<A extends object>(factory: AdapterFactory<A>, options: DirectFanoutOptions): AdapterFactory<A> {
  // A plain function: socket.io constructs the adapter with `new`, and a returned object wins.
  return function directFanoutAdapter(nsp: Namespace): A {
    const created = factory(nsp);
    const adapter = created as unknown as BroadcastInternals;
    const encode = adapter._encode.bind(adapter);
    const apply = adapter.apply.bind(adapter);
    /** The packet being broadcast: _encode runs right before apply in the same broadcast. */
    let pending: Broadcast | undefined;
    adapter._encode = (packet, packetOpts) => {
      const startedAt = performance.now();
      const encoded = encode(packet, packetOpts);
      const [event, payload] = packet.data ?? [];
      pending = undefined;
      if (typeof event === 'string' && options.events.has(event)) {
        const frames = frameOnce(encoded);
        if (frames) pending = new Broadcast(event, payload, frames, options.bareFrame, startedAt);
      }
      return encoded;
    };
    adapter.apply = (opts, callback) => {
      const broadcast = pending;
      pending = undefined;
      if (!broadcast) return void apply(opts, callback);
      let direct = 0;
      let queued = 0;
      apply(opts, (socket) => {
        const { conn } = socket;
        const { transport } = conn;
        const raw = transport.socket?._socket;
        const bare = socket.data?.bareFrames === true ? broadcast.bare() : undefined;
        if (
          conn.readyState === 'open' &&
          transport.name === 'websocket' &&
          transport.writable &&
          conn.writeBuffer.length === 0 &&
          (transport.socket?._sender?._queue?.length ?? 0) === 0 &&
          raw?.writable
        ) {
          raw.write(bare ? bare.framed : broadcast.frames);
          direct++;
        } else {
          // Behind whatever the socket has queued, in order: a bare frame as one Engine.IO message.
          if (bare) conn.write(bare.bytes, { compress: false });
          else callback(socket);
          queued++;
        }
      });
      options.writes?.inc({ path: 'direct' }, direct);
      options.writes?.inc({ path: 'engine' }, queued);
      options.duration?.observe((performance.now() - broadcast.startedAt) / 1000);
    };
    return created;
  };
}

interface BareForm {
  readonly bytes: Buffer;
  /** `bytes` as one binary WebSocket message. */
  readonly framed: Buffer;
}

/** One broadcast's frames: Socket.IO's, built at once, and the bare form, built for the first socket that takes it. */
class Broadcast {
  /** null: the payload is not this event's frame (not what a writer sends; Socket.IO's form goes instead). */
  private bareForm: BareForm | null | undefined;

  constructor(
    private readonly event: string,
    private readonly payload: unknown,
    readonly frames: Buffer,
    private readonly transform: ((event: string, frame: Uint8Array) => Uint8Array) | undefined,
    /** performance.now() when the broadcast reached the adapter. */
    readonly startedAt: number,
  ) {}

  /** The bare frame's bytes and its WebSocket frame; undefined (Socket.IO's form then) for a payload that is not this event's frame. */
  bare(): BareForm | undefined {
    if (this.bareForm === undefined) {
      const frame = decodeWireFrame(this.payload);
      const bare = frame.ok && goesBare(this.event, frame.value) ? frame.value : undefined;
      const chosen = bare && this.transformed(bare);
      const bytes = chosen && Buffer.from(chosen.buffer, chosen.byteOffset, chosen.byteLength);
      this.bareForm = bytes ? { bytes, framed: Buffer.concat(wsFrame(bytes, 2)) } : null;
    }
    return this.bareForm ?? undefined;
  }

  private transformed(frame: Uint8Array): Uint8Array {
    if (!this.transform) return frame;
    try {
      return this.transform(this.event, frame);
    } catch {
      // A transform is an optimisation: the frame as published is always right to send.
      return frame;
    }
  }
}

/** The Engine.IO message frames of an encoded Socket.IO packet, or undefined for shapes not handled. */
function frameOnce(encoded: readonly unknown[]): Buffer | undefined {
  const parts: Buffer[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const packet = encoded[i];
    // "4" is Engine.IO's message type; a binary attachment travels as a bare binary frame.
    if (typeof packet === 'string') parts.push(...wsFrame(Buffer.from(`4${packet}`), 1));
    else if (i > 0 && Buffer.isBuffer(packet)) parts.push(...wsFrame(packet, 2));
    else if (i > 0 && packet instanceof ArrayBuffer) parts.push(...wsFrame(Buffer.from(packet), 2));
    else return undefined;
  }
  return Buffer.concat(parts);
}

function wsFrame(data: Buffer, opcode: 1 | 2): Buffer[] {
  // @ts-expect-error Sender.frame is ws's own (untyped) frame builder, as socket.io-adapter uses it
  return WebSocket.Sender.frame(data, { readOnly: false, mask: false, rsv1: false, opcode, fin: true }) as Buffer[]; // eslint-disable-line @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access -- untyped, see above
}
