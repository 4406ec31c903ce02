import { comparePositions, encodeCanvas, formatPosition, type CanvasFrame, type StreamPosition } from '@tessera/protocol';
import { readCanvas, readChunk } from '@tessera/store';
import type { RedisConnection } from '@tessera/store';
import { CompressedBody } from './compressed-body.js';
import { SingleFlightCache } from './single-flight-cache.js';

/** An encoded canvas read ready to serve: its body and what identifies it. */
export interface CachedCanvas {
  readonly frame: CanvasFrame;
  readonly body: CompressedBody;
  /** Strong validator: the same position and config version always encode to the same bytes. */
  readonly etag: string;
}

export interface CanvasCache {
  /**
   * The whole canvas; undefined when the canvas does not exist. With `atLeast`, a cached read older
   * than that position is read again (a client was promised it, invariant 6).
   */
  full(atLeast?: StreamPosition): Promise<{ canvas: CachedCanvas | undefined; hit: boolean }>;
  /** One chunk; undefined when the canvas does not exist. `atLeast` as for full. */
  chunk(cx: number, cy: number, atLeast?: StreamPosition): Promise<{ canvas: CachedCanvas | undefined; hit: boolean }>;
  invalidate(): void;
}

/** At most this many chunk caches are kept (a sync mismatch refetches a few, a restore all). */
const MAX_CHUNK_ENTRIES = 4_096;

export function createCanvasCache(redis: RedisConnection, canvasId: string, ttlMs: number): CanvasCache {
  let previous: CachedCanvas | undefined;
  const full = new SingleFlightCache<CachedCanvas | undefined>(ttlMs, async () => {
    const frame = await readCanvas(redis, canvasId);
    if (!frame) return undefined;
    const etag = etagOf('canvas', frame);
    // Same position and version as last time: keep the already-compressed bodies.
    if (previous?.etag === etag) return previous;
    previous = { frame, etag, body: new CompressedBody(Buffer.from(encodeCanvas(frame))) };
    return previous;
  });
  const chunks = new Map<string, SingleFlightCache<CachedCanvas | undefined>>();

  return {
    async full(atLeast) {
      const { data, hit } = await readAtLeast(full, atLeast);
      return { canvas: data, hit };
    },
    async chunk(cx, cy, atLeast) {
      const id = `${cx},${cy}`;
      let cache = chunks.get(id);
      if (!cache) {
        if (chunks.size >= MAX_CHUNK_ENTRIES) chunks.clear();
        cache = new SingleFlightCache(ttlMs, async () => {
          const frame = await readChunk(redis, canvasId, cx, cy);
          return frame && { frame, etag: etagOf(`chunk-${cx}-${cy}`, frame), body: new CompressedBody(Buffer.from(encodeCanvas(frame))) };
        });
        chunks.set(id, cache);
      }
      const { data, hit } = await readAtLeast(cache, atLeast);
      return { canvas: data, hit };
    },
    invalidate() {
      full.invalidate();
      chunks.clear();
    },
  };
}

/** A missing canvas is not refreshed: there is nothing newer to wait for. */
function readAtLeast(cache: SingleFlightCache<CachedCanvas | undefined>, atLeast: StreamPosition | undefined) {
  if (!atLeast) return cache.get();
  return cache.getAccepted((canvas) => !canvas || comparePositions(canvas.frame.position, atLeast) >= 0);
}

function etagOf(kind: string, frame: CanvasFrame): string {
  return `"${kind}-${formatPosition(frame.position)}-v${frame.configVersion}-${frame.width}x${frame.height}"`;
}
