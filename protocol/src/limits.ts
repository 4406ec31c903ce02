/**
 * Hard limits shared by every process and the browser. A value here is a protocol fact:
 * changing it changes what clients may send or must accept.
 */
export const CHUNK_SIZE = 256;
/** Bytes in one chunk: one byte (a palette index) per pixel. */
export const CHUNK_BYTES = CHUNK_SIZE * CHUNK_SIZE;

export const LIMITS = {
  /** Largest width or height; 64×64 chunks keeps chunk coordinates in a u16 with room to spare. */
  maxCanvasSide: 16_384,
  minCanvasSide: 1,
  /** Palette indices are stored as u8. */
  maxPaletteSize: 256,
  minPaletteSize: 2,
  /** Longest cooldown an admin may set (one day). */
  maxCooldownMs: 86_400_000,
  /** An event packet (`place`) larger than this, measured as received, is answered with PAYLOAD_TOO_LARGE. */
  maxPlacePacketBytes: 256,
  /** Any Socket.IO packet but CONNECT larger than this closes the connection. */
  maxSocketMessageBytes: 4_096,
  /**
   * The CONNECT packet carries the identity token (up to 8 KB, as some providers issue), the
   * session and a proof-of-work solution (up to maxChallengePayloadBytes).
   */
  maxConnectPacketBytes: 12_288,
  /** Pixels one delta may carry; a busier tick is split over several deltas. */
  maxDeltaPixels: 1_000_000,
  /** Longest proof-of-work solution (base64 ALTCHA payload) accepted in a handshake or a `proof`. */
  maxChallengePayloadBytes: 2_048,
  /** A `proof` packet larger than this is answered with PAYLOAD_TOO_LARGE (the payload and its framing). */
  maxProofPacketBytes: 2_304,
  /** Longest user id a session or token may carry. */
  maxUserIdLength: 128,
  /** Longest display name shown for a signed-in player (a longer one from a token is cut). */
  maxDisplayNameLength: 64,
  /** Longest identity token the gateway verifies (the CONNECT packet limit leaves room for it). */
  maxIdTokenLength: 8_192,
} as const;

/** Chunks along a side of the largest canvas (64). */
export const MAX_CHUNKS_PER_SIDE = LIMITS.maxCanvasSide / CHUNK_SIZE;
