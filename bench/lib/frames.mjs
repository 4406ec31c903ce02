// Reading just enough of a delta frame to match it with placements and with the writer's publish.
// Every delta format (protocol/src/delta-codec.ts, little-endian) starts kind u8, version u8,
// flags u16, epoch u32, seq u32; format 1 follows with start and end as (ms f64, seq u32), format 2
// with varints in a body that may be deflated, format 3 (what bare-frame clients may get) with the
// same varints and a bit-packed body.
import { inflateRawSync } from 'node:zlib';
import { decodeDelta, inflateDeltaSync } from '@tessera/protocol';
import { decode as decodeMsgpack } from 'notepack.io';

/** Bytes of the delta header this file reads: through the end position. */
const HEAD_BYTES = 36;

/**
 * @typedef {object} DeltaHead
 * @property {number} epoch
 * @property {number} seq
 * @property {{ ms: number, seq: number }} start exclusive
 * @property {{ ms: number, seq: number }} end inclusive
 */

/**
 * Seq of a delta frame without decoding the rest.
 * @param {Buffer} frame base64 text bytes or raw bytes
 * @param {boolean} base64
 */
export function frameSeq(frame, base64) {
  if (!base64) return frame.readUInt32LE(8);
  return Buffer.from(frame.toString('latin1', 0, 16), 'base64').readUInt32LE(8);
}

/**
 * Epoch, seq, window and pixel count of a delta frame (any format; once per delta, not per client).
 * @param {Buffer | Uint8Array | string} frame
 * @returns {DeltaHead & { pixels: number, version: number, deflated: boolean, wireBytes: number }}
 */
export function deltaHead(frame) {
  const wire = typeof frame === 'string' ? Buffer.from(frame, 'base64') : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  const version = wire[1];
  if (version === 1) {
    const bytes = wire.subarray(0, HEAD_BYTES);
    let pixels = 0;
    const chunks = wire.readUInt32LE(40);
    for (let c = 0, at = 44; c < chunks && at + 8 <= wire.length; c++) {
      const count = wire.readUInt32LE(at + 4);
      pixels += count;
      at += 8 + 3 * count;
    }
    return {
      epoch: bytes.readUInt32LE(4),
      seq: bytes.readUInt32LE(8),
      start: { ms: bytes.readDoubleLE(12), seq: bytes.readUInt32LE(20) },
      end: { ms: bytes.readDoubleLE(24), seq: bytes.readUInt32LE(32) },
      pixels,
      version,
      deflated: false,
      wireBytes: typeof frame === 'string' ? frame.length : wire.length,
    };
  }
  const inflated = inflateDeltaSync(wire, (body, maxBytes) => inflateRawSync(body, { maxOutputLength: maxBytes }));
  const decoded = inflated.ok ? decodeDelta(inflated.value) : inflated;
  if (!decoded.ok) throw decoded.error;
  const { epoch, seq, start, end, chunks } = decoded.value;
  return {
    epoch,
    seq,
    start,
    end,
    pixels: chunks.reduce((sum, chunk) => sum + chunk.offsets.length, 0),
    version,
    deflated: (wire.readUInt16LE(2) & 1) === 1,
    wireBytes: typeof frame === 'string' ? frame.length : wire.length,
  };
}

/**
 * Decodes a Socket.IO Redis emitter message (msgpack `[uid, packet, opts]`) into the event name
 * and its frame, or undefined for anything else.
 * @param {Buffer} message
 * @returns {{ event: string, frame: Buffer | string } | undefined}
 */
export function emitterFrame(message) {
  try {
    const [, packet] = decodeMsgpack(message);
    const [event, frame] = packet?.data ?? [];
    return typeof event === 'string' && (typeof frame === 'string' || Buffer.isBuffer(frame)) ? { event, frame } : undefined;
  } catch {
    return undefined;
  }
}

/** @param {string} id `ms-seq` */
export function parseStreamId(id) {
  const dash = id.indexOf('-');
  return { ms: Number(id.slice(0, dash)), seq: Number(id.slice(dash + 1)) };
}

/** @param {{ ms: number, seq: number }} a @param {{ ms: number, seq: number }} b */
export function comparePositions(a, b) {
  return a.ms !== b.ms ? a.ms - b.ms : a.seq - b.seq;
}
