import zlib from 'node:zlib';

/** CRC-32 (the zlib/PNG polynomial), continued from `previous`: Node's native one (Node ≥ 20.15). */
export function crc32(data: Uint8Array, previous = 0): number {
  return zlib.crc32(data, previous);
}
