import type { CanvasFrame } from './canvas-codec.js';
import { chunkChecksum } from './checksum.js';
import { chunkId } from './chunk-geometry.js';
import type { ChunkChanges, Delta } from './delta-codec.js';
import { CHUNK_BYTES, CHUNK_SIZE } from './limits.js';
import { comparePositions, type StreamPosition } from './stream-position.js';
import type { Sync } from './sync-codec.js';

/** What the owner of a replica must do next: nothing, or fetch canvas data over HTTP. */
export type ReplicaAction =
  | { readonly kind: 'none' }
  | { readonly kind: 'refetch-all'; readonly reason: string }
  | { readonly kind: 'refetch-chunks'; readonly chunks: readonly { readonly cx: number; readonly cy: number }[] };

/** What changed, for a renderer. */
export type ReplicaChange =
  | { readonly kind: 'pixels'; readonly chunks: readonly ChunkChanges[] }
  | { readonly kind: 'chunk'; readonly cx: number; readonly cy: number }
  | { readonly kind: 'all' };

export interface CanvasReplicaOptions {
  /** Deltas kept to replay over a canvas or chunk read that arrives late (default 240: two minutes of ticks). */
  readonly historyLimit?: number;
  readonly onChange?: (change: ReplicaChange) => void;
}

const NONE: ReplicaAction = Object.freeze({ kind: 'none' });

/**
 * A client's copy of the canvas, kept exactly equal to Redis by the rules of ARCHITECTURE.md:
 * a canvas read carries the stream position it was read at; a delta covers the window
 * (start, end] and is applied only in sequence order, only where it ends after the position of
 * the data it lands on; a gap means refetch; a sync's checksums find any drift. Pure logic
 * without I/O, shared by the browser and the tests.
 */
export class CanvasReplica {
  private chunks = new Map<string, Uint8Array>();
  /** Position each chunk's data reflects; a delta ending at or before it is already inside. */
  private chunkPositions = new Map<string, StreamPosition>();
  /** Recent deltas in sequence order, replayed over reads that land after they arrived. */
  private history: Delta[] = [];
  private canvasPosition: StreamPosition | undefined;
  /** Position the whole replica reflects: the read's, moved forward by every delta applied over it. */
  private dataPosition: StreamPosition | undefined;
  /** The connection's promise (invariant 6): no read older than this may be installed. */
  private minPosition: StreamPosition | undefined;
  /** The writer epoch that promise was made in: another epoch's positions do not compare with it. */
  private minEpoch: number | undefined;
  private lastSeqValue: number | undefined;
  private epoch: number | undefined;
  private widthValue = 0;
  private heightValue = 0;
  private readonly historyLimit: number;
  private readonly onChange: ((change: ReplicaChange) => void) | undefined;

  constructor(options: CanvasReplicaOptions = {}) {
    this.historyLimit = options.historyLimit ?? 240;
    this.onChange = options.onChange;
  }

  get width(): number {
    return this.widthValue;
  }
  get height(): number {
    return this.heightValue;
  }
  /** True once a canvas read is installed and no gap has been seen since. */
  get loaded(): boolean {
    return this.canvasPosition !== undefined;
  }
  get lastSeq(): number | undefined {
    return this.lastSeqValue;
  }

  /** The position a read must at least have to be installed (undefined: none was promised). */
  get requiredPosition(): StreamPosition | undefined {
    return this.minPosition;
  }

  /** The position the replica's data reflects, when it holds a complete read (else undefined). */
  get position(): StreamPosition | undefined {
    return this.canvasPosition === undefined ? undefined : this.dataPosition;
  }

  /** Deltas may have been missed (a gap, a new epoch): the next read starts afresh. */
  invalidate(): void {
    this.canvasPosition = undefined;
    this.dataPosition = undefined;
    this.lastSeqValue = undefined;
    this.epoch = undefined;
    this.history = [];
  }

  /**
   * A new connection: forget everything the previous one said (its deltas, its chain, its promise).
   * Deltas that reach the new connection before its welcome are buffered from here on.
   */
  reset(): void {
    this.invalidate();
    this.forgetPromise();
  }

  /**
   * The welcome's promise (invariant 6): every delta broadcast before this connection joined ends at
   * or before `position`, so a read older than it (a browser or CDN copy) would miss them for good.
   */
  requireAtLeast(position: StreamPosition | undefined, epoch?: number): void {
    this.minPosition = position;
    this.minEpoch = epoch;
  }

  /** Canvas size changed by config; chunk data is unaffected (chunks outside are simply not drawn). */
  resize(width: number, height: number): void {
    this.widthValue = width;
    this.heightValue = height;
    this.onChange?.({ kind: 'all' });
  }

  /** Installs a full canvas read and replays the buffered deltas that end after it. */
  loadCanvas(frame: CanvasFrame): ReplicaAction {
    if (this.isOlderThanPromised(frame.position)) {
      return { kind: 'refetch-all', reason: 'canvas read is older than the position this connection was promised' };
    }
    this.widthValue = frame.width;
    this.heightValue = frame.height;
    this.chunks = new Map();
    this.chunkPositions = new Map();
    for (const chunk of frame.chunks) this.chunks.set(chunkId(chunk.cx, chunk.cy), padChunk(chunk.bytes));
    this.canvasPosition = frame.position;
    // Replay what arrived while the read was in flight: the first delta that ends after the read
    // must start at or before it, or a delta between the read and the buffer was missed.
    const pending = this.history.filter((delta) => comparePositions(delta.end, frame.position) > 0);
    const first = pending[0];
    if (first && comparePositions(first.start, frame.position) > 0) {
      this.invalidate();
      return { kind: 'refetch-all', reason: 'canvas read is older than the oldest buffered delta' };
    }
    this.dataPosition = frame.position;
    for (const delta of pending) this.applyToChunks(delta, undefined);
    this.onChange?.({ kind: 'all' });
    return NONE;
  }

  /** Installs a re-read of one chunk (after a checksum mismatch) and replays deltas that end after it. */
  loadChunk(frame: CanvasFrame, cx: number, cy: number): ReplicaAction {
    if (this.isOlderThanPromised(frame.position)) return { kind: 'refetch-chunks', chunks: [{ cx, cy }] };
    const id = chunkId(cx, cy);
    const data = frame.chunks.find((chunk) => chunk.cx === cx && chunk.cy === cy);
    this.chunks.set(id, padChunk(data?.bytes ?? new Uint8Array(0)));
    this.chunkPositions.set(id, frame.position);
    const pending = this.history.filter((delta) => comparePositions(delta.end, frame.position) > 0);
    const first = pending[0];
    if (first && comparePositions(first.start, frame.position) > 0) {
      return { kind: 'refetch-chunks', chunks: [{ cx, cy }] };
    }
    for (const delta of pending) this.applyToChunks(delta, id);
    this.onChange?.({ kind: 'chunk', cx, cy });
    return NONE;
  }

  /** Applies a live delta in sequence order; a gap asks for a full refetch. */
  applyDelta(delta: Delta): ReplicaAction {
    this.forgetPromiseOutside(delta.epoch);
    if (this.epoch !== undefined && delta.epoch !== this.epoch) {
      return this.restartFrom(delta, 'the writer history restarted (new epoch)');
    }
    if (this.lastSeqValue === undefined) {
      // First delta after a read: it must cover the read's position, or one was missed in between.
      if (this.canvasPosition && comparePositions(delta.start, this.canvasPosition) > 0) {
        return this.restartFrom(delta, 'first delta starts after the canvas read');
      }
    } else {
      if (delta.seq <= this.lastSeqValue) {
        // A resend after a writer failover is harmless only if it is the very delta applied under that
        // number; other content under a used number means the writer's history was rolled back.
        if (this.isResendOf(delta)) return NONE;
        this.forgetPromise(); // made in the history that was lost
        return this.restartFrom(delta, `seq ${delta.seq} came again with a different window (the writer history was rolled back)`);
      }
      if (delta.seq !== this.lastSeqValue + 1) {
        return this.restartFrom(delta, `sequence gap: expected ${this.lastSeqValue + 1}, got ${delta.seq}`);
      }
    }
    this.epoch = delta.epoch;
    this.lastSeqValue = delta.seq;
    this.remember(delta);
    if (this.canvasPosition === undefined) return NONE; // buffered until the canvas read lands
    if (comparePositions(delta.end, this.canvasPosition) <= 0) return NONE; // already in the read
    this.applyToChunks(delta, undefined);
    return NONE;
  }

  /** Drops the read, keeps this delta as the start of a new chain, and asks for a fresh read. */
  private restartFrom(delta: Delta, reason: string): ReplicaAction {
    this.invalidate();
    this.epoch = delta.epoch;
    this.lastSeqValue = delta.seq;
    this.remember(delta);
    return { kind: 'refetch-all', reason };
  }

  /**
   * Compares the sync's checksums with this replica whenever its data is at or before the sync's
   * position (invariant 8): a missed delta, a stale cached read or a dropped broadcast is repaired
   * by the next sync even on a quiet or paused canvas. Returns the chunks that differ; afterwards
   * the replica continues the sync's chain, so the next delta applies without a gap.
   */
  checkSync(sync: Sync): ReplicaAction {
    this.forgetPromiseOutside(sync.epoch);
    if (this.canvasPosition === undefined) {
      // The stream ends before the promise: it was made in a history since rolled back (or this sync
      // was read just before the welcome). Reads in flight are accepted again; a delta or the next
      // sync catches a read that is still too old.
      if (this.minPosition && comparePositions(this.minPosition, sync.position) > 0) this.forgetPromise();
      return NONE;
    }
    if (this.epoch !== undefined && this.epoch !== sync.epoch) {
      // The writer history restarted and no delta has said so yet (an idle canvas after a restore).
      this.invalidate();
      return { kind: 'refetch-all', reason: 'sync from a new writer epoch' };
    }
    if (this.epoch === sync.epoch && this.lastSeqValue !== undefined && this.lastSeqValue > sync.afterSeq) {
      // The writer stands before deltas this replica applied: they are gone from Redis.
      const reason = `sync after seq ${sync.afterSeq}, but seq ${this.lastSeqValue} was applied (rolled back)`;
      this.forgetPromise(); // made in the history that was lost
      this.invalidate();
      return { kind: 'refetch-all', reason };
    }
    // From here on the replica continues the sync's chain: the deltas up to it are in its data or
    // (below) repaired by re-reading the chunks that differ, so the next delta applies without a gap.
    this.epoch = sync.epoch;
    this.lastSeqValue = sync.afterSeq;
    const position = this.dataPosition ?? this.canvasPosition;
    if (comparePositions(position, sync.position) > 0) return NONE; // data is newer than the sync
    const differing: { cx: number; cy: number }[] = [];
    for (const { cx, cy, checksum } of sync.checksums) {
      const id = chunkId(cx, cy);
      const chunkPosition = this.chunkPositions.get(id);
      if (chunkPosition && comparePositions(chunkPosition, sync.position) > 0) continue;
      if (chunkChecksum(this.chunks.get(id)) !== checksum) differing.push({ cx, cy });
    }
    this.dataPosition = sync.position;
    return differing.length > 0 ? { kind: 'refetch-chunks', chunks: differing } : NONE;
  }

  colorAt(x: number, y: number): number {
    const cx = Math.floor(x / CHUNK_SIZE);
    const cy = Math.floor(y / CHUNK_SIZE);
    const chunk = this.chunks.get(chunkId(cx, cy));
    return chunk ? chunk[(y - cy * CHUNK_SIZE) * CHUNK_SIZE + (x - cx * CHUNK_SIZE)]! : 0;
  }

  chunkBytes(cx: number, cy: number): Uint8Array | undefined {
    return this.chunks.get(chunkId(cx, cy));
  }

  /** The visible canvas as width×height palette indices, row by row. */
  toIndexArray(): Uint8Array {
    const out = new Uint8Array(this.widthValue * this.heightValue);
    for (const [id, bytes] of this.chunks) {
      const [cx, cy] = id.split(',').map(Number) as [number, number];
      for (let row = 0; row < CHUNK_SIZE; row++) {
        const y = cy * CHUNK_SIZE + row;
        if (y >= this.heightValue) break;
        const x0 = cx * CHUNK_SIZE;
        if (x0 >= this.widthValue) break;
        const length = Math.min(CHUNK_SIZE, this.widthValue - x0);
        out.set(bytes.subarray(row * CHUNK_SIZE, row * CHUNK_SIZE + length), y * this.widthValue + x0);
      }
    }
    return out;
  }

  /** Positions of another epoch's history do not compare with the promise (a rollback reuses them). */
  private forgetPromiseOutside(epoch: number): void {
    if (this.minEpoch !== undefined && epoch !== this.minEpoch) this.forgetPromise();
  }

  private forgetPromise(): void {
    this.minPosition = undefined;
    this.minEpoch = undefined;
  }

  private isOlderThanPromised(position: StreamPosition): boolean {
    return this.minPosition !== undefined && comparePositions(position, this.minPosition) < 0;
  }

  /** The delta applied under this number had the same window: this one is a copy of it. */
  private isResendOf(delta: Delta): boolean {
    const applied = this.history.find((entry) => entry.seq === delta.seq && entry.epoch === delta.epoch);
    return applied !== undefined && comparePositions(applied.start, delta.start) === 0 && comparePositions(applied.end, delta.end) === 0;
  }

  private remember(delta: Delta): void {
    this.history.push(delta);
    if (this.history.length > this.historyLimit) this.history.shift();
  }

  /** Writes a delta's final colours, skipping chunks whose data already reflects its end. */
  private applyToChunks(delta: Delta, onlyChunk: string | undefined): void {
    const applied: ChunkChanges[] = [];
    for (const changes of delta.chunks) {
      const id = chunkId(changes.cx, changes.cy);
      if (onlyChunk !== undefined && id !== onlyChunk) continue;
      const chunkPosition = this.chunkPositions.get(id);
      if (chunkPosition && comparePositions(delta.end, chunkPosition) <= 0) continue;
      let chunk = this.chunks.get(id);
      if (!chunk) {
        chunk = new Uint8Array(CHUNK_BYTES);
        this.chunks.set(id, chunk);
      }
      const { offsets, colors } = changes;
      for (let i = 0; i < offsets.length; i++) chunk[offsets[i]!] = colors[i]!;
      applied.push(changes);
    }
    if (onlyChunk === undefined && (!this.dataPosition || comparePositions(delta.end, this.dataPosition) > 0)) this.dataPosition = delta.end;
    if (applied.length > 0) this.onChange?.({ kind: 'pixels', chunks: applied });
  }
}

function padChunk(bytes: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(CHUNK_BYTES);
  chunk.set(bytes.subarray(0, CHUNK_BYTES));
  return chunk;
}
