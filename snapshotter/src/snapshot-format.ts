/**
 * The binary snapshot (`.tsnap`): everything needed to put a canvas back exactly.
 *
 * Inside the envelope (see envelope.ts: magic `TSNP`, format version, compression, length, CRC-32):
 *
 *   takenAt            u64   epoch ms
 *   position           u64 ms, u32 seq   newest stream entry when the chunks were read (0-0: empty stream)
 *   width, height      u32, u32
 *   meta length        u32, then that many bytes of UTF-8 JSON: { canvasId, config, restoredFrom? }
 *                            where config is the config hash exactly as stored (string → string)
 *   chunk count        u32
 *   chunks             u16 cx, u16 cy, u32 length, bytes (exactly as stored; only chunks that exist)
 *
 * Little-endian throughout, like every Tessera binary format.
 */
import { CHUNK_BYTES, chunkGrid, chunkId, LIMITS, paletteProblem, type ChunkData, type StreamPosition } from '@tessera/protocol';
import { ByteReader, ByteWriter } from './binary-io.js';
import { crc32 } from './crc32.js';
import { Compression, open, seal, type EnvelopeSpec } from './envelope.js';
import { SnapshotFormatError } from './format-error.js';

export const SNAPSHOT_FORMAT_VERSION = 1;

/** Largest meta JSON accepted: a 256-colour palette is ~2.5 kB; the rest is room for new fields. */
const MAX_META_BYTES = 1 << 20;
const MAX_GRID = chunkGrid(LIMITS.maxCanvasSide, LIMITS.maxCanvasSide);
const MAX_CHUNKS = MAX_GRID.columns * MAX_GRID.rows;

const SPEC: EnvelopeSpec = {
  magic: 'TSNP',
  version: SNAPSHOT_FORMAT_VERSION,
  what: 'snapshot',
  maxPayloadBytes: 8 + 12 + 8 + 4 + MAX_META_BYTES + 4 + MAX_CHUNKS * (8 + CHUNK_BYTES),
};

export interface CanvasSnapshot {
  readonly canvasId: string;
  readonly takenAt: number;
  readonly position: StreamPosition;
  readonly width: number;
  readonly height: number;
  /** The config hash exactly as it was in Redis (width, height, palette, version, …). */
  readonly configHash: Readonly<Record<string, string>>;
  /** Chunks that existed, bytes exactly as stored. */
  readonly chunks: readonly ChunkData[];
  /** Key of the snapshot this canvas was restored from, when this snapshot records a restore. */
  readonly restoredFrom?: string | undefined;
}

export interface EncodedSnapshot {
  readonly bytes: Uint8Array;
  /**
   * CRC-32 over what the canvas is (config hash and chunks), not when it was taken: equal for
   * two snapshots of an unchanged canvas.
   */
  readonly contentCrc: number;
}

/** Serialises, checksums and compresses a snapshot. */
export async function encodeSnapshot(snapshot: CanvasSnapshot, compression: Compression = Compression.Brotli): Promise<EncodedSnapshot> {
  const meta = new TextEncoder().encode(
    JSON.stringify({ canvasId: snapshot.canvasId, config: snapshot.configHash, ...(snapshot.restoredFrom ? { restoredFrom: snapshot.restoredFrom } : {}) }),
  );
  if (meta.length > MAX_META_BYTES) throw new Error(`snapshot metadata is ${meta.length} bytes, more than ${MAX_META_BYTES}`);
  let size = 8 + 12 + 8 + 4 + meta.length + 4;
  for (const chunk of snapshot.chunks) size += 8 + chunk.bytes.length;
  const writer = new ByteWriter(size);
  writer.u64(snapshot.takenAt);
  writer.u64(snapshot.position.ms);
  writer.u32(snapshot.position.seq);
  writer.u32(snapshot.width);
  writer.u32(snapshot.height);
  writer.u32(meta.length);
  writer.raw(meta);
  writer.u32(snapshot.chunks.length);
  for (const chunk of snapshot.chunks) {
    writer.u16(chunk.cx);
    writer.u16(chunk.cy);
    writer.u32(chunk.bytes.length);
    writer.raw(chunk.bytes);
  }
  return { bytes: await seal(SPEC, writer.bytes, compression), contentCrc: contentCrc(snapshot) };
}

/** The CRC-32 of the config hash (fields sorted) and every chunk: what "unchanged" means. */
export function contentCrc(snapshot: Pick<CanvasSnapshot, 'configHash' | 'chunks'>): number {
  const fields = Object.keys(snapshot.configHash).sort();
  const config = JSON.stringify(fields.map((field) => [field, snapshot.configHash[field]]));
  let crc = crc32(new TextEncoder().encode(config));
  const header = new Uint8Array(8);
  const view = new DataView(header.buffer);
  const chunks = [...snapshot.chunks].sort((a, b) => a.cy - b.cy || a.cx - b.cx);
  for (const chunk of chunks) {
    view.setUint16(0, chunk.cx, true);
    view.setUint16(2, chunk.cy, true);
    view.setUint32(4, chunk.bytes.length, true);
    crc = crc32(chunk.bytes, crc32(header, crc));
  }
  return crc;
}

/**
 * Decodes and validates a snapshot: envelope (magic, version, length, checksum), then every
 * field against the protocol limits. Throws SnapshotFormatError naming the first problem.
 */
export async function decodeSnapshot(object: Uint8Array): Promise<CanvasSnapshot> {
  const payload = await open(SPEC, object);
  const reader = new ByteReader(payload, 'snapshot');
  const takenAt = reader.u64('taken-at time');
  const position = { ms: reader.u64('position'), seq: reader.u32('position sequence') };
  const width = reader.u32('width');
  const height = reader.u32('height');
  if (width < LIMITS.minCanvasSide || height < LIMITS.minCanvasSide || width > LIMITS.maxCanvasSide || height > LIMITS.maxCanvasSide) {
    throw new SnapshotFormatError(`snapshot canvas size ${width}×${height} is outside the limits`);
  }
  const metaLength = reader.u32('metadata length');
  if (metaLength > MAX_META_BYTES) throw new SnapshotFormatError(`snapshot metadata of ${metaLength} bytes is over the limit`);
  const meta = parseMeta(reader.slice(metaLength, 'metadata'));
  checkConfig(meta.config, width, height);
  const { columns, rows } = chunkGrid(width, height);
  const count = reader.u32('chunk count');
  if (count > columns * rows) throw new SnapshotFormatError(`snapshot claims ${count} chunks for a ${columns}×${rows} grid`);
  const chunks: ChunkData[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const cx = reader.u16('chunk x');
    const cy = reader.u16('chunk y');
    const length = reader.u32('chunk length');
    if (cx >= columns || cy >= rows) throw new SnapshotFormatError(`snapshot chunk ${cx},${cy} lies outside the ${columns}×${rows} grid`);
    if (length > CHUNK_BYTES) throw new SnapshotFormatError(`snapshot chunk ${cx},${cy} is ${length} bytes, more than ${CHUNK_BYTES}`);
    const id = chunkId(cx, cy);
    if (seen.has(id)) throw new SnapshotFormatError(`snapshot holds chunk ${id} twice`);
    seen.add(id);
    chunks.push({ cx, cy, bytes: reader.slice(length, 'chunk bytes') });
  }
  reader.end();
  return { canvasId: meta.canvasId, takenAt, position, width, height, configHash: meta.config, chunks, restoredFrom: meta.restoredFrom };
}

interface Meta {
  canvasId: string;
  config: Record<string, string>;
  restoredFrom: string | undefined;
}

function parseMeta(bytes: Uint8Array): Meta {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new SnapshotFormatError('snapshot metadata is not valid UTF-8 JSON');
  }
  if (!isRecord(value)) throw new SnapshotFormatError('snapshot metadata is not a JSON object');
  const { canvasId, config, restoredFrom } = value;
  if (typeof canvasId !== 'string') throw new SnapshotFormatError('snapshot metadata has no canvas id');
  if (!isRecord(config) || !Object.values(config).every((field) => typeof field === 'string')) {
    throw new SnapshotFormatError('snapshot config is not a map of strings');
  }
  if (restoredFrom !== undefined && typeof restoredFrom !== 'string') throw new SnapshotFormatError('snapshot restoredFrom is not a string');
  return { canvasId, config: config as Record<string, string>, restoredFrom };
}

/** The config must be one a canvas can run with, and agree with the header. */
function checkConfig(config: Record<string, string>, width: number, height: number): void {
  if (config.width !== String(width) || config.height !== String(height)) {
    throw new SnapshotFormatError(`snapshot config says ${config.width}×${config.height}, its header ${width}×${height}`);
  }
  let palette: unknown;
  try {
    palette = JSON.parse(config.palette ?? '');
  } catch {
    throw new SnapshotFormatError('snapshot config has no palette');
  }
  const problem = paletteProblem(palette);
  if (problem) throw new SnapshotFormatError(`snapshot palette ${problem}`);
  const version = Number(config.version);
  if (!/^\d+$/.test(config.version ?? '') || !Number.isSafeInteger(version)) throw new SnapshotFormatError('snapshot config has no valid version');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
