/**
 * The outer layer shared by snapshot (`TSNP`) and history (`TSEG`) objects:
 *
 *   offset 0   magic, 4 ASCII bytes
 *          4   format version, u16
 *          6   compression, u8 (Compression)
 *          7   reserved, u8 (0)
 *          8   length of the uncompressed payload, u32
 *         12   the compressed payload, whose last 4 bytes (once inflated) are the CRC-32 of the rest
 *
 * The header stays uncompressed so a reader can say "not a snapshot" or "a newer format" before
 * inflating anything, and the declared length bounds the inflation (no decompression bomb).
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { crc32 } from './crc32.js';
import { SnapshotFormatError } from './format-error.js';

export const Compression = {
  Gzip: 1,
  Brotli: 2,
} as const;
export type Compression = (typeof Compression)[keyof typeof Compression];

export const ENVELOPE_HEADER_BYTES = 12;
const CRC_BYTES = 4;

/**
 * Brotli at quality 5. Measured on a 2000×2000 canvas of colour blocks and noise: 484 kB in 141 ms,
 * against gzip -6's 572 kB in 94 ms; on pure noise both give 2.5 MB. Storage wins at 8,640
 * snapshots a day.
 */
const BROTLI_QUALITY = 5;
const GZIP_LEVEL = 6;

const brotliCompress = promisify(zlib.brotliCompress);
const brotliDecompress = promisify(zlib.brotliDecompress);
const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

export interface EnvelopeSpec {
  /** Four ASCII characters. */
  readonly magic: string;
  readonly version: number;
  /** What the object is, for error messages ("snapshot", "history segment"). */
  readonly what: string;
  /** The largest payload a valid object can have. */
  readonly maxPayloadBytes: number;
}

/** Appends the CRC to `payload` (which must not hold one yet), compresses, and adds the header. */
export async function seal(spec: EnvelopeSpec, payload: Uint8Array, compression: Compression = Compression.Brotli): Promise<Uint8Array> {
  const withCrc = new Uint8Array(payload.length + CRC_BYTES);
  withCrc.set(payload);
  new DataView(withCrc.buffer).setUint32(payload.length, crc32(payload), true);
  const body =
    compression === Compression.Brotli
      ? await brotliCompress(withCrc, {
          params: {
            [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
            [zlib.constants.BROTLI_PARAM_SIZE_HINT]: withCrc.length,
          },
        })
      : await gzip(withCrc, { level: GZIP_LEVEL });
  const out = new Uint8Array(ENVELOPE_HEADER_BYTES + body.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = spec.magic.charCodeAt(i);
  view.setUint16(4, spec.version, true);
  view.setUint8(6, compression);
  view.setUint8(7, 0);
  view.setUint32(8, withCrc.length, true);
  out.set(body, ENVELOPE_HEADER_BYTES);
  return out;
}

/** Checks the header, inflates within the declared length, verifies the CRC; returns the payload without it. */
export async function open(spec: EnvelopeSpec, object: Uint8Array): Promise<Uint8Array> {
  const { what } = spec;
  if (object.length < ENVELOPE_HEADER_BYTES) {
    throw new SnapshotFormatError(`not a ${what}: ${object.length} bytes is shorter than the ${ENVELOPE_HEADER_BYTES}-byte header`);
  }
  const magic = String.fromCharCode(object[0]!, object[1]!, object[2]!, object[3]!);
  if (magic !== spec.magic) throw new SnapshotFormatError(`not a ${what}: magic ${JSON.stringify(magic)}, expected ${JSON.stringify(spec.magic)}`);
  const view = new DataView(object.buffer, object.byteOffset, object.byteLength);
  const version = view.getUint16(4, true);
  if (version !== spec.version) {
    throw new SnapshotFormatError(`${what} format version ${version} is not supported (this snapshotter reads version ${spec.version})`);
  }
  const compression = view.getUint8(6);
  const length = view.getUint32(8, true);
  if (length < CRC_BYTES || length > spec.maxPayloadBytes + CRC_BYTES) {
    throw new SnapshotFormatError(`${what} declares an impossible payload of ${length} bytes`);
  }
  const body = object.subarray(ENVELOPE_HEADER_BYTES);
  let inflated: Buffer;
  try {
    if (compression === Compression.Brotli) inflated = await brotliDecompress(body, { maxOutputLength: length });
    else if (compression === Compression.Gzip) inflated = await gunzip(body, { maxOutputLength: length });
    else throw new SnapshotFormatError(`${what} uses unknown compression ${compression}`);
  } catch (error) {
    if (error instanceof SnapshotFormatError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new SnapshotFormatError(`${what} is truncated or corrupt: it does not decompress (${reason})`);
  }
  if (inflated.length !== length) {
    throw new SnapshotFormatError(`${what} is truncated or corrupt: it inflates to ${inflated.length} bytes, its header says ${length}`);
  }
  const payload = new Uint8Array(inflated.buffer, inflated.byteOffset, length - CRC_BYTES);
  const stored = new DataView(inflated.buffer, inflated.byteOffset, inflated.length).getUint32(length - CRC_BYTES, true);
  const computed = crc32(payload);
  if (stored !== computed) {
    throw new SnapshotFormatError(`${what} is corrupt: checksum ${hex(computed)} does not match the stored ${hex(stored)}`);
  }
  return payload;
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
