import { BinaryReader, BinaryWriter, varintBytes } from './binary.js';
import { DELTA_HEAD_BYTES, deltaPreambleBytes, readDeltaPreamble, writeDeltaPreamble } from './delta-preamble.js';
import { type Decoded, DecodeError } from './errors.js';
import { DELTA_FORMAT_VERSION, FrameKind, FRAME_FORMAT_VERSION, PACKED_DELTA_FORMAT_VERSION, readPosition, readVersionedHeader } from './frame-header.js';
import { CHUNK_BYTES, LIMITS, MAX_CHUNKS_PER_SIDE } from './limits.js';
import { encodePackedDelta, fitsPackedDelta, readPackedDelta } from './packed-delta.js';
import { comparePositions, type StreamPosition } from './stream-position.js';

/** The pixels of one chunk that changed in a delta's window, with their final colours. */
export interface ChunkChanges {
  readonly cx: number;
  readonly cy: number;
  /** Byte offsets inside the chunk (y * 256 + x). */
  readonly offsets: Uint16Array;
  readonly colors: Uint8Array;
}

/**
 * Every pixel that changed in the stream window (start, end], holding its colour at `end`.
 * Applying it to a canvas read at any position inside the window yields the canvas at `end`,
 * and applying it twice is harmless.
 */
export interface Delta {
  /** Random per writer history: a new epoch (Redis restored or wiped) means sequence numbers restarted. */
  readonly epoch: number;
  /** Contiguous per epoch; a gap tells the client it missed one. */
  readonly seq: number;
  /** Exclusive: the end of the previous delta. */
  readonly start: StreamPosition;
  /** Inclusive: the id of the last event folded in. */
  readonly end: StreamPosition;
  readonly configVersion: number;
  readonly chunks: readonly ChunkChanges[];
}

/** Flags of a format-2 delta frame. */
export const DeltaFlag = {
  /** The body (everything after epoch and seq) is raw DEFLATE (RFC 1951, `deflate-raw`). */
  Deflated: 1,
} as const;

// Defined with the preamble that formats 2 and 3 share (delta-preamble.ts).
export { DELTA_HEAD_BYTES };
/**
 * The largest body a format-2 frame may inflate to: LIMITS.maxDeltaPixels at their widest (a
 * 3-byte offset gap and a colour each) plus chunk headers. Inflating stops past it (a bomb).
 */
export const MAX_DELTA_BODY_BYTES = LIMITS.maxDeltaPixels * 4 + MAX_CHUNKS_PER_SIDE * MAX_CHUNKS_PER_SIDE * 9 + 64;

/**
 * Format 2 (little-endian, LEB128 varints):
 *   head  kind u8, version u8 (2), flags u16, epoch u32, seq u32
 *   body  end.ms, end.seq, end.ms - start.ms, start.seq, configVersion, chunk count,
 *         per chunk (cx, cy, pixel count), then every chunk's offset gaps (offset - previous - 1,
 *         offsets ascending), then every pixel's colour, in the same order.
 * Gaps are small where pixels cluster and colours repeat across a drawing; grouping like with like
 * lets DEFLATE find both. The frame is built once per tick; see deflateDelta for compression.
 */
export function encodeDelta(delta: Delta): Uint8Array {
  const chunks = delta.chunks.map(ascending);
  let size = deltaPreambleBytes(delta) + varintBytes(chunks.length);
  for (const chunk of chunks) {
    size += varintBytes(chunk.cx) + varintBytes(chunk.cy) + varintBytes(chunk.offsets.length) + chunk.colors.length;
    let previous = -1;
    for (const offset of chunk.offsets) {
      size += varintBytes(offset - previous - 1);
      previous = offset;
    }
  }
  const writer = new BinaryWriter(size);
  writeDeltaPreamble(writer, delta, DELTA_FORMAT_VERSION);
  writer.varint(chunks.length);
  for (const chunk of chunks) {
    writer.varint(chunk.cx);
    writer.varint(chunk.cy);
    writer.varint(chunk.offsets.length);
  }
  for (const chunk of chunks) {
    let previous = -1;
    for (const offset of chunk.offsets) {
      writer.varint(offset - previous - 1);
      previous = offset;
    }
  }
  for (const chunk of chunks) writer.raw(chunk.colors);
  return writer.bytes;
}

/**
 * The frame with its body compressed by `deflateRaw`, when that is smaller (a delta of a few
 * pixels is not); else the frame itself. Compress once per tick, never per socket.
 */
export function deflateDelta(frame: Uint8Array, deflateRaw: (body: Uint8Array) => Uint8Array): Uint8Array {
  if (!isDeltaV2(frame) || isDeflatedDelta(frame)) return frame;
  const body = deflateRaw(frame.subarray(DELTA_HEAD_BYTES));
  if (DELTA_HEAD_BYTES + body.length >= frame.length) return frame;
  const out = new Uint8Array(DELTA_HEAD_BYTES + body.length);
  out.set(frame.subarray(0, DELTA_HEAD_BYTES));
  out.set(body, DELTA_HEAD_BYTES);
  new DataView(out.buffer).setUint16(2, readFlags(frame) | DeltaFlag.Deflated, true);
  return out;
}

/** A format-2 delta whose body must be inflated before decodeDelta reads it. */
export function isDeflatedDelta(frame: Uint8Array): boolean {
  return isDeltaV2(frame) && (readFlags(frame) & DeltaFlag.Deflated) !== 0;
}

/**
 * The frame with its body inflated (flag cleared), or the frame itself when it is not deflated.
 * `inflateRaw` must refuse output beyond `maxBytes` (MAX_DELTA_BODY_BYTES); the browser's is
 * DecompressionStream('deflate-raw') (web/src/inflate.ts).
 */
export async function inflateDelta(frame: Uint8Array, inflateRaw: (body: Uint8Array, maxBytes: number) => Promise<Uint8Array>): Promise<Decoded<Uint8Array>> {
  if (!isDeflatedDelta(frame)) return { ok: true, value: frame };
  try {
    return { ok: true, value: withBody(frame, await inflateRaw(frame.subarray(DELTA_HEAD_BYTES), MAX_DELTA_BODY_BYTES)) };
  } catch (error) {
    return { ok: false, error: inflateError(error) };
  }
}

/** inflateDelta with a synchronous inflater (Node's zlib.inflateRawSync with maxOutputLength). */
export function inflateDeltaSync(frame: Uint8Array, inflateRaw: (body: Uint8Array, maxBytes: number) => Uint8Array): Decoded<Uint8Array> {
  if (!isDeflatedDelta(frame)) return { ok: true, value: frame };
  try {
    return { ok: true, value: withBody(frame, inflateRaw(frame.subarray(DELTA_HEAD_BYTES), MAX_DELTA_BODY_BYTES)) };
  } catch (error) {
    return { ok: false, error: inflateError(error) };
  }
}

/**
 * Whichever is fewer bytes: a format-2 frame as the writer publishes it (deflated or not), or the
 * format-3 encoding of its delta (ties keep format 2). Any other frame, or one that does not
 * decode, comes back as it is. Run it once per tick, never per socket.
 */
export function smallestDeltaFrame(frame: Uint8Array, inflateRawSync: (body: Uint8Array, maxBytes: number) => Uint8Array): Uint8Array {
  if (!isDeltaV2(frame)) return frame;
  const inflated = inflateDeltaSync(frame, inflateRawSync);
  const decoded = inflated.ok ? decodeDelta(inflated.value) : inflated;
  if (!decoded.ok || !fitsPackedDelta(decoded.value)) return frame;
  const packed = encodePackedDelta(decoded.value);
  return packed.length < frame.length ? packed : frame;
}

function withBody(frame: Uint8Array, body: Uint8Array): Uint8Array {
  if (body.length > MAX_DELTA_BODY_BYTES) throw new DecodeError(`delta body inflates past ${MAX_DELTA_BODY_BYTES} bytes`);
  const out = new Uint8Array(DELTA_HEAD_BYTES + body.length);
  out.set(frame.subarray(0, DELTA_HEAD_BYTES));
  out.set(body, DELTA_HEAD_BYTES);
  new DataView(out.buffer).setUint16(2, readFlags(frame) & ~DeltaFlag.Deflated, true);
  return out;
}

function inflateError(error: unknown): DecodeError {
  return error instanceof DecodeError ? error : new DecodeError(`delta body does not inflate: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * A delta frame's format version when it is newer than this build decodes (the sender is a newer
 * release: reload), else undefined.
 */
export function newerDeltaFormat(frame: Uint8Array): number | undefined {
  return frame.length >= 2 && frame[0] === FrameKind.Delta && frame[1]! > PACKED_DELTA_FORMAT_VERSION ? frame[1] : undefined;
}

/**
 * Decodes format 3 (packed-delta.ts), format 2 (inflated) and format 1 (what writers before
 * format 2 stored and may re-send).
 */
export function decodeDelta(bytes: Uint8Array): Decoded<Delta> {
  try {
    const reader = new BinaryReader(bytes);
    const { version, flags } = readVersionedHeader(reader, FrameKind.Delta, [PACKED_DELTA_FORMAT_VERSION, DELTA_FORMAT_VERSION, FRAME_FORMAT_VERSION]);
    const delta =
      version === PACKED_DELTA_FORMAT_VERSION ? readPackedDelta(reader, flags) : version === DELTA_FORMAT_VERSION ? readV2(reader, flags) : readV1(reader);
    reader.end();
    return { ok: true, value: delta };
  } catch (error) {
    return { ok: false, error: asDecodeError(error) };
  }
}

function readV2(reader: BinaryReader, flags: number): Delta {
  if (flags & DeltaFlag.Deflated) throw new DecodeError('delta body is deflated: inflate it first (inflateDelta)');
  const preamble = readDeltaPreamble(reader);
  const chunkCount = reader.varint('chunk count');
  // Each chunk header takes at least 3 bytes: refuse counts the frame cannot hold before allocating.
  if (chunkCount * 3 > reader.remaining) throw new DecodeError(`chunk count ${chunkCount} exceeds the frame`);
  const heads: { cx: number; cy: number; count: number }[] = [];
  let total = 0;
  for (let c = 0; c < chunkCount; c++) {
    const cx = reader.varint('chunk x');
    const cy = reader.varint('chunk y');
    const count = reader.varint('pixel count');
    if (cx > 0xffff || cy > 0xffff) throw new DecodeError(`chunk ${cx},${cy} is out of range`);
    if (count > CHUNK_BYTES) throw new DecodeError(`chunk ${cx},${cy} claims ${count} pixels`);
    total += count;
    if (total > LIMITS.maxDeltaPixels) throw new DecodeError(`delta exceeds ${LIMITS.maxDeltaPixels} pixels`);
    heads.push({ cx, cy, count });
  }
  // Every pixel takes at least a 1-byte gap and a colour.
  if (total * 2 > reader.remaining) throw new DecodeError(`delta of ${total} pixels is truncated`);
  const offsetsOf: Uint16Array[] = [];
  for (const { cx, cy, count } of heads) {
    const offsets = new Uint16Array(count);
    let previous = -1;
    for (let i = 0; i < count; i++) {
      const offset = previous + 1 + reader.varint('pixel offset');
      if (offset >= CHUNK_BYTES) throw new DecodeError(`chunk ${cx},${cy} has an offset past its end`);
      offsets[i] = offset;
      previous = offset;
    }
    offsetsOf.push(offsets);
  }
  const chunks: ChunkChanges[] = heads.map(({ cx, cy, count }, c) => ({
    cx,
    cy,
    offsets: offsetsOf[c]!,
    colors: Uint8Array.from(reader.slice(count, 'pixel colours')),
  }));
  return { ...preamble, chunks };
}

// Format 1: epoch u32, seq u32, start, end, configVersion u32, chunk count u32; per chunk
// cx u16, cy u16, count u32, then (offset u16, colour u8) per pixel.
const V1_CHUNK_HEADER_BYTES = 8;
const V1_PIXEL_BYTES = 3;

function readV1(reader: BinaryReader): Delta {
  const epoch = reader.u32('epoch');
  const seq = reader.u32('seq');
  const start = readPosition(reader, 'start position');
  const end = readPosition(reader, 'end position');
  if (comparePositions(end, start) <= 0) throw new DecodeError('delta ends before it starts');
  const configVersion = reader.u32('config version');
  const chunkCount = reader.u32('chunk count');
  if (chunkCount * V1_CHUNK_HEADER_BYTES > reader.remaining) throw new DecodeError(`chunk count ${chunkCount} exceeds the frame`);
  const chunks: ChunkChanges[] = [];
  let total = 0;
  for (let c = 0; c < chunkCount; c++) {
    const cx = reader.u16('chunk x');
    const cy = reader.u16('chunk y');
    const count = reader.u32('pixel count');
    if (count > CHUNK_BYTES) throw new DecodeError(`chunk ${cx},${cy} claims ${count} pixels`);
    total += count;
    if (total > LIMITS.maxDeltaPixels) throw new DecodeError(`delta exceeds ${LIMITS.maxDeltaPixels} pixels`);
    if (count * V1_PIXEL_BYTES > reader.remaining) throw new DecodeError(`chunk ${cx},${cy} is truncated`);
    const offsets = new Uint16Array(count);
    const colors = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      offsets[i] = reader.u16('pixel offset');
      colors[i] = reader.u8('pixel colour');
    }
    chunks.push({ cx, cy, offsets, colors });
  }
  return { epoch, seq, start, end, configVersion, chunks };
}

/** Offsets strictly ascending (what the writer's coalescer builds); otherwise sorted, last write per offset kept. */
function ascending(chunk: ChunkChanges): ChunkChanges {
  let sorted = true;
  for (let i = 1; i < chunk.offsets.length && sorted; i++) sorted = chunk.offsets[i]! > chunk.offsets[i - 1]!;
  if (sorted) return chunk;
  const last = new Map<number, number>();
  for (let i = 0; i < chunk.offsets.length; i++) last.set(chunk.offsets[i]!, chunk.colors[i]!);
  const offsets = Uint16Array.from(last.keys()).sort();
  return { cx: chunk.cx, cy: chunk.cy, offsets, colors: Uint8Array.from(offsets, (offset) => last.get(offset)!) };
}

function isDeltaV2(frame: Uint8Array): boolean {
  return frame.length >= DELTA_HEAD_BYTES && frame[0] === FrameKind.Delta && frame[1] === DELTA_FORMAT_VERSION;
}

function readFlags(frame: Uint8Array): number {
  return frame[2]! | (frame[3]! << 8);
}

export function asDecodeError(error: unknown): DecodeError {
  return error instanceof DecodeError ? error : new DecodeError(`malformed frame: ${String(error)}`);
}
