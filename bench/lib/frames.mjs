// Reading just enough of a delta frame to match it with placements and with the writer's publish.
// Delta layout (protocol/src/delta-codec.ts, little-endian): kind u8, version u8, flags u16,
// epoch u32, seq u32, start (ms f64, seq u32), end (ms f64, seq u32), configVersion u32, …
import { decode as decodeMsgpack } from 'notepack.io';

/** Bytes of the delta header this file reads: through the end position. */
const HEAD_BYTES = 36;
/** Base64 characters that carry those bytes. */
const HEAD_CHARS = 48;

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
 * Epoch, seq and window of a delta frame.
 * @param {Buffer | Uint8Array | string} frame
 * @returns {DeltaHead}
 */
export function deltaHead(frame) {
  const bytes =
    typeof frame === 'string'
      ? Buffer.from(frame.slice(0, HEAD_CHARS), 'base64')
      : Buffer.from(frame.buffer, frame.byteOffset, Math.min(frame.byteLength, HEAD_BYTES));
  return {
    epoch: bytes.readUInt32LE(4),
    seq: bytes.readUInt32LE(8),
    start: { ms: bytes.readDoubleLE(12), seq: bytes.readUInt32LE(20) },
    end: { ms: bytes.readDoubleLE(24), seq: bytes.readUInt32LE(32) },
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
