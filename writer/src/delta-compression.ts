import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { deflateDelta, inflateDeltaSync, type Decoded } from '@tessera/protocol';

/**
 * Compresses a delta frame's body once per tick (raw DEFLATE, which browsers inflate with
 * DecompressionStream('deflate-raw')); a frame compression would not shrink goes out as it is.
 * Level 9: a tick's delta is small and compressed once for every socket of every gateway.
 */
export function compressDelta(frame: Uint8Array): Uint8Array {
  return deflateDelta(frame, (body) => deflateRawSync(body, { level: constants.Z_BEST_COMPRESSION }));
}

/** The frame with its body inflated (Node readers of the broadcast: tests and the bench). */
export function inflateDeltaFrame(frame: Uint8Array): Decoded<Uint8Array> {
  return inflateDeltaSync(frame, (body, maxBytes) => inflateRawSync(body, { maxOutputLength: maxBytes }));
}
