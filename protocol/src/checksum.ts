import { CHUNK_BYTES } from './limits.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * FNV-1a (32-bit) of a chunk, zero-padded to CHUNK_BYTES: Redis stores a chunk only as long
 * as its last written byte, and a client may hold it padded, so both must hash the same.
 * Cheap enough in a browser to check every chunk once a minute.
 */
export function chunkChecksum(bytes: Uint8Array | undefined): number {
  let hash = FNV_OFFSET;
  const length = bytes ? Math.min(bytes.length, CHUNK_BYTES) : 0;
  for (let i = 0; i < length; i++) {
    hash = Math.imul(hash ^ bytes![i]!, FNV_PRIME);
  }
  for (let i = length; i < CHUNK_BYTES; i++) {
    hash = Math.imul(hash, FNV_PRIME); // hash ^ 0 === hash
  }
  return hash >>> 0;
}
