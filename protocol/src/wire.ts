import { DecodeError, type Decoded } from './errors.js';

/**
 * Deltas and syncs travel either as raw binary or as base64 text, and receivers accept both.
 * Through Socket.IO's own path a binary attachment is re-framed for every socket, so base64 cost
 * less CPU; the gateway's direct fan-out now writes either as one pre-built buffer per socket,
 * and `auto` (the writer's default) sends each frame in its smaller form (see BENCHMARKS.md).
 */
export const WireFormat = {
  Base64: 'base64',
  Binary: 'binary',
  /** Each frame in whichever form is fewer bytes on a player's WebSocket (see chooseWireFormat). */
  Auto: 'auto',
} as const;
export type WireFormat = (typeof WireFormat)[keyof typeof WireFormat];

/** What a delta or sync event carries on the wire. */
export type WireFrame = string | ArrayBuffer | Uint8Array;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

export function toBase64(bytes: Uint8Array): string {
  let out = '';
  const parts: string[] = [];
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
    if (out.length >= 8192) {
      parts.push(out);
      out = '';
    }
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + '=';
  }
  parts.push(out);
  return parts.join('');
}

export function fromBase64(text: string): Decoded<Uint8Array> {
  if (text.length % 4 !== 0) return { ok: false, error: new DecodeError('base64 length is not a multiple of 4') };
  let padding = 0;
  if (text.endsWith('==')) padding = 2;
  else if (text.endsWith('=')) padding = 1;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const last = i + 4 === text.length;
    const c = last && padding === 2 ? 0 : sextet(text, i + 2);
    const d = last && padding >= 1 ? 0 : sextet(text, i + 3);
    if ((a | b | c | d) < 0) return { ok: false, error: new DecodeError(`invalid base64 near offset ${i}`) };
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return { ok: true, value: out };
}

function sextet(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code < 128 ? LOOKUP[code]! : -1;
}

// Socket.IO's own bytes around a frame, WebSocket headers included: a text event is
// `42["delta","…"]` in one message; a binary one is `451-["delta",{"_placeholder":true,"num":0}]`
// and then the bytes in a second message.
const TEXT_FRAMING_BYTES = 16;
const BINARY_FRAMING_BYTES = 51;

/**
 * The form of a frame of `byteLength` bytes under `format`: Auto picks base64 for small frames
 * (binary's second message costs more than base64's third) and binary for the rest. Once the
 * gateway writes every socket one pre-built buffer (gateway/src/direct-fanout.ts) both forms
 * cost it the same per socket, so bytes decide.
 */
export function chooseWireFormat(format: WireFormat, byteLength: number): typeof WireFormat.Base64 | typeof WireFormat.Binary {
  if (format !== WireFormat.Auto) return format;
  const text = 4 * Math.ceil(byteLength / 3) + TEXT_FRAMING_BYTES;
  return text <= byteLength + BINARY_FRAMING_BYTES ? WireFormat.Base64 : WireFormat.Binary;
}

export function encodeWireFrame(bytes: Uint8Array, format: WireFormat): WireFrame {
  return chooseWireFormat(format, bytes.length) === WireFormat.Base64 ? toBase64(bytes) : bytes;
}

/** Accepts whatever a Socket.IO client hands a listener: text, ArrayBuffer, Buffer/Uint8Array. */
export function decodeWireFrame(frame: unknown): Decoded<Uint8Array> {
  if (typeof frame === 'string') return fromBase64(frame);
  if (frame instanceof Uint8Array) return { ok: true, value: frame };
  if (frame instanceof ArrayBuffer) return { ok: true, value: new Uint8Array(frame) };
  return { ok: false, error: new DecodeError(`unexpected frame type ${typeof frame}`) };
}
