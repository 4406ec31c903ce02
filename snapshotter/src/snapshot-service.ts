import { CHUNK_SIZE, comparePositions, formatPosition, parsePosition, SnapshotFailureCode, ZERO_POSITION, type StreamPosition } from '@tessera/protocol';
import type { Logger } from '@tessera/runtime';
import { canvasExists, parseConfigHash, readEventPage, readSnapshotState, restoreCanvas } from '@tessera/store';
import type { RedisConnection } from '@tessera/store';
import { chunksToPixels, encodeCanvasPng } from './canvas-image.js';
import { Compression } from './envelope.js';
import { SnapshotFormatError } from './format-error.js';
import { encodeSegment, MAX_SEGMENT_EVENTS, type HistoryEvent } from './history-format.js';
import type { SnapshotMetrics } from './metrics.js';
import type { ObjectStore } from './object-store.js';
import { contentCrc, decodeSnapshot, encodeSnapshot, type CanvasSnapshot } from './snapshot-format.js';
import { MAX_REGION_PIXELS, type RegionRect, type RestoreResult, type SnapshotInfo, type SnapshotResult } from './snapshot-jobs.js';
import { historyKey, LATEST_KEY, parseSnapshotKey, pngKeyOf, snapshotKey, SNAPSHOTS_DIR, type LatestPointer } from './snapshot-keys.js';

export const SNAPSHOT_CONTENT_TYPE = 'application/vnd.tessera.snapshot';
export const HISTORY_CONTENT_TYPE = 'application/vnd.tessera.history';

/** Stream entries per XRANGE while archiving: one read never holds Redis long. */
const HISTORY_PAGE = 10_000;
/** On start, how many snapshots (newest first) may be refused as corrupt before giving up. */
const MAX_BOOT_CANDIDATES = 10;
/** `list` looks this far back first, then eight times further each round, until it has enough. */
const LIST_FIRST_SPAN_MS = 3_600_000;

/**
 * A request that can never succeed (a key that is not a snapshot, a missing object): not retried.
 * `code` travels to the job's caller (see SnapshotFailureCode); the message is for people.
 */
export class SnapshotRequestError extends Error {
  override readonly name = 'SnapshotRequestError';

  constructor(
    message: string,
    readonly code: SnapshotFailureCode = SnapshotFailureCode.BadRequest,
  ) {
    super(message);
  }
}

export interface SnapshotServiceOptions {
  /** Commands: atomic reads, the stream, the restore swap. */
  readonly redis: RedisConnection;
  /** The canvas's folder in the bucket. */
  readonly objects: ObjectStore;
  readonly canvasId: string;
  readonly log: Logger;
  readonly metrics: SnapshotMetrics;
  /** Tells connected clients to read the canvas again. */
  readonly resync: () => Promise<void>;
  /** Clock (tests). */
  readonly now?: () => number;
  /** Default brotli. */
  readonly compression?: Compression;
  /**
   * How long after a restore's swap to broadcast the resync: the gateways' canvas cache lifetime
   * plus a margin, so a client that re-reads at once cannot be served the canvas from before.
   * Default 0.
   */
  readonly resyncDelayMs?: number;
}

export type BootRestoreOutcome =
  /** Redis already held a canvas: nothing was read from S3. */
  | { readonly status: 'exists' }
  /** S3 holds no snapshot of this canvas. */
  | { readonly status: 'empty' }
  | { readonly status: 'restored'; readonly result: RestoreResult };

export interface SnapshotService {
  /** Snapshots the canvas unless it is unchanged since the newest snapshot, archiving history first. */
  take(options?: { readonly restoredFrom?: string }): Promise<SnapshotResult>;
  /** Replaces the canvas with snapshot `key` (after snapshotting what it replaces), then resyncs clients. */
  restore(key: string): Promise<RestoreResult>;
  /** On start: if Redis holds no canvas, restore the newest snapshot that decodes. */
  restoreNewestIfMissing(): Promise<BootRestoreOutcome>;
  /** Snapshots, newest first. */
  list(limit?: number): Promise<SnapshotInfo[]>;
  /** The palette indices of `rect` in snapshot `key`, row by row (outside its canvas: 0). */
  readRegion(key: string, rect: RegionRect): Promise<Uint8Array>;
  /** The `latest.json` pointer; undefined when absent or unreadable. */
  latest(): Promise<LatestPointer | undefined>;
}

export function createSnapshotService(options: SnapshotServiceOptions): SnapshotService {
  const { redis, objects, canvasId, log, metrics, resync } = options;
  const now = options.now ?? Date.now;
  const compression = options.compression ?? Compression.Brotli;

  async function latest(): Promise<LatestPointer | undefined> {
    const bytes = await objects.get(LATEST_KEY);
    if (!bytes) return undefined;
    try {
      const value = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<LatestPointer>;
      if (typeof value.key === 'string' && parseSnapshotKey(value.key) && typeof value.position === 'string' && parsePosition(value.position)) {
        return value as LatestPointer;
      }
    } catch {
      // fall through
    }
    // A damaged pointer must not stop snapshots: the next one replaces it.
    log.warn({ key: LATEST_KEY }, 'the latest-snapshot pointer is unreadable: ignoring it');
    return undefined;
  }

  /** Archives (after, until] as segments of at most MAX_SEGMENT_EVENTS; returns the events archived. */
  async function archive(after: StreamPosition, until: StreamPosition): Promise<number> {
    if (comparePositions(until, after) <= 0) return 0;
    let cursor = after;
    let segmentAfter = after;
    let gap = false;
    let pending: HistoryEvent[] = [];
    let archived = 0;
    const flush = async (events: HistoryEvent[], end: StreamPosition): Promise<void> => {
      const first = events[0];
      const last = events[events.length - 1];
      if (!first || !last) return;
      const bytes = await encodeSegment({ after: segmentAfter, until: end, gap, events }, compression);
      await objects.put(historyKey(first.position, last.position), bytes, HISTORY_CONTENT_TYPE);
      archived += events.length;
      metrics.eventsArchived.inc(events.length);
      segmentAfter = end;
      gap = false;
    };
    for (;;) {
      const page = await readEventPage(redis, canvasId, cursor, HISTORY_PAGE, until);
      if (page.lost && !gap) {
        gap = true;
        metrics.historyGaps.inc();
        log.warn({ after: formatPosition(cursor) }, 'placements were trimmed from the stream before they were archived: history has a gap');
      }
      for (const event of page.events) pending.push({ position: event.position, x: event.x, y: event.y, color: event.color, userId: event.userId });
      while (pending.length >= MAX_SEGMENT_EVENTS) {
        const events = pending.slice(0, MAX_SEGMENT_EVENTS);
        pending = pending.slice(MAX_SEGMENT_EVENTS);
        await flush(events, events[events.length - 1]!.position);
      }
      if (page.entries === 0 || !page.last) break;
      cursor = page.last;
      if (page.entries < HISTORY_PAGE || comparePositions(cursor, until) >= 0) break;
    }
    await flush(pending, until);
    return archived;
  }

  async function take(takeOptions: { readonly restoredFrom?: string } = {}): Promise<SnapshotResult> {
    const started = performance.now();
    let mark = started;
    const lap = (): number => {
      const at = performance.now();
      const ms = at - mark;
      mark = at;
      return Math.round(ms * 10) / 10;
    };
    const state = await readSnapshotState(redis, canvasId);
    const readMs = lap();
    if (!state) {
      metrics.skipped.inc();
      return { taken: false, reason: 'no-canvas' };
    }
    const config = parseConfigHash({ ...state.configHash });
    if (!config) throw new Error('the canvas config in Redis is incomplete: not snapshotting it');
    const previous = await latest();
    const crc = contentCrc(state);
    const position = formatPosition(state.position);
    if (previous && !takeOptions.restoredFrom && previous.position === position && previous.contentCrc === crc) {
      metrics.skipped.inc();
      return { taken: false, reason: 'unchanged', key: previous.key };
    }
    const checkMs = lap();
    const eventsArchived = await archive(previous ? (parsePosition(previous.position) ?? ZERO_POSITION) : ZERO_POSITION, state.position);
    const archiveMs = lap();

    // Strictly after the previous one, so keys sort by time even if clocks step back.
    const takenAt = Math.max(now(), (previous?.takenAt ?? 0) + 1);
    const key = snapshotKey(takenAt, state.position);
    const pngKey = pngKeyOf(key);
    const snapshot: CanvasSnapshot = {
      canvasId,
      takenAt,
      position: state.position,
      width: state.width,
      height: state.height,
      configHash: state.configHash,
      chunks: state.chunks,
      restoredFrom: takeOptions.restoredFrom,
    };
    // Both compress on libuv's thread pool, so they overlap.
    const [{ bytes }, png] = await Promise.all([
      encodeSnapshot(snapshot, compression),
      encodeCanvasPng(chunksToPixels(state.width, state.height, state.chunks), config.palette),
    ]);
    const encodeMs = lap();
    // The objects first, the pointer last: `latest.json` never names an object that is not there.
    await Promise.all([objects.put(key, bytes, SNAPSHOT_CONTENT_TYPE), objects.put(pngKey, png, 'image/png')]);
    const pointer: LatestPointer = {
      key,
      pngKey,
      position,
      takenAt,
      width: state.width,
      height: state.height,
      configVersion: config.version,
      contentCrc: crc,
      bytes: bytes.length,
      pngBytes: png.length,
    };
    await objects.put(LATEST_KEY, new TextEncoder().encode(JSON.stringify(pointer)), 'application/json');
    const timings = { readMs, checkMs, archiveMs, encodeMs, uploadMs: lap() };
    const durationMs = performance.now() - started;
    metrics.snapshotDuration.observe(durationMs / 1000);
    metrics.snapshotBytes.set({ kind: 'binary' }, bytes.length);
    metrics.snapshotBytes.set({ kind: 'png' }, png.length);
    log.info({ key, position, bytes: bytes.length, pngBytes: png.length, eventsArchived, ms: Math.round(durationMs), ...timings }, 'snapshot written');
    return {
      taken: true,
      key,
      pngKey,
      position,
      configVersion: config.version,
      bytes: bytes.length,
      pngBytes: png.length,
      eventsArchived,
      durationMs,
      timings,
    };
  }

  /** Fetches and validates a snapshot; a refusal names the key and changes nothing. */
  async function fetchSnapshot(key: string): Promise<CanvasSnapshot> {
    if (!parseSnapshotKey(key))
      throw new SnapshotRequestError(`${JSON.stringify(key)} is not a snapshot key (snapshots/<time>_<position>.tsnap)`, SnapshotFailureCode.BadKey);
    const object = await objects.get(key);
    if (!object) throw new SnapshotRequestError(`snapshot ${key} does not exist`, SnapshotFailureCode.NotFound);
    try {
      return await decodeSnapshot(object);
    } catch (error) {
      throw error instanceof SnapshotFormatError ? error.withKey(key) : error;
    }
  }

  /** After a swap: clients refetch, and a snapshot records the restored canvas. */
  async function afterRestore(key: string, resyncDelayMs: number): Promise<string | undefined> {
    try {
      if (resyncDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, resyncDelayMs));
      await resync();
    } catch (error) {
      // Not fatal: the writer's new epoch makes every client refetch too, a moment later.
      log.warn({ err: error }, 'could not broadcast the resync after a restore');
    }
    try {
      const recorded = await take({ restoredFrom: key });
      return recorded.taken ? recorded.key : undefined;
    } catch (error) {
      log.warn({ err: error }, 'could not snapshot the restored canvas: the next scheduled snapshot will');
      return undefined;
    }
  }

  async function restore(key: string): Promise<RestoreResult> {
    const started = performance.now();
    const snapshot = await fetchSnapshot(key);
    // What is about to be replaced is kept, so a mistaken restore can be undone.
    const safety = await take();
    const before = safety.key;
    const outcome = await restoreCanvas(redis, canvasId, snapshot);
    const durationMs = performance.now() - started;
    metrics.restoreDuration.observe(durationMs / 1000);
    log.warn({ key, configVersion: outcome.version, before }, 'canvas restored from a snapshot');
    const after = await afterRestore(key, options.resyncDelayMs ?? 0);
    return { key, configVersion: outcome.version, width: snapshot.width, height: snapshot.height, chunks: snapshot.chunks.length, durationMs, before, after };
  }

  async function list(limit = 100): Promise<SnapshotInfo[]> {
    const bySize = (items: { key: string; size: number }[]): SnapshotInfo[] =>
      items
        .map(({ key, size }) => ({ key, size, parsed: parseSnapshotKey(key) }))
        .filter((item) => item.parsed !== undefined)
        .map(({ key, size, parsed }) => ({ key, pngKey: pngKeyOf(key), takenAt: parsed!.takenAt, position: formatPosition(parsed!.position), bytes: size }))
        .sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
    // S3 lists in ascending key order only: look back over a growing window rather than list everything.
    for (let span = LIST_FIRST_SPAN_MS; ; span *= 8) {
      const from = now() - span;
      const startAfter = from > 0 ? `${SNAPSHOTS_DIR}${String(from).padStart(13, '0')}` : undefined;
      const found = bySize(await objects.list(SNAPSHOTS_DIR, startAfter));
      if (found.length >= limit || !startAfter) return found.slice(0, limit);
    }
  }

  async function restoreNewestIfMissing(): Promise<BootRestoreOutcome> {
    if (await canvasExists(redis, canvasId)) return { status: 'exists' };
    const pointer = await latest();
    // Normally latest.json names the newest; a crash between writing a snapshot and the pointer leaves a newer one.
    const newer = pointer ? (await objects.list(SNAPSHOTS_DIR, pointer.key)).map((item) => item.key).filter((key) => parseSnapshotKey(key)) : [];
    const candidates = [...newer.reverse(), ...(pointer ? [pointer.key] : [])];
    const tried = new Set<string>();
    let listedAll = false;
    while (tried.size < MAX_BOOT_CANDIDATES) {
      const key = candidates.find((candidate) => !tried.has(candidate));
      if (key === undefined) {
        if (listedAll) break;
        listedAll = true;
        candidates.push(...(await list(MAX_BOOT_CANDIDATES)).map((info) => info.key));
        continue;
      }
      tried.add(key);
      const started = performance.now();
      let snapshot: CanvasSnapshot;
      try {
        snapshot = await fetchSnapshot(key);
      } catch (error) {
        if (!(error instanceof SnapshotFormatError) && !(error instanceof SnapshotRequestError)) throw error;
        log.error({ err: error.message, key }, 'refusing a snapshot at start-up: trying an older one');
        continue;
      }
      const outcome = await restoreCanvas(redis, canvasId, snapshot, { mode: 'if-missing' });
      if (!outcome.restored) return { status: 'exists' };
      const durationMs = performance.now() - started;
      metrics.restoreDuration.observe(durationMs / 1000);
      log.warn({ key, configVersion: outcome.version }, 'Redis held no canvas: restored the newest snapshot');
      // Nothing could have cached a canvas that did not exist: no need to wait before the resync.
      const after = await afterRestore(key, 0);
      return {
        status: 'restored',
        result: { key, configVersion: outcome.version, width: snapshot.width, height: snapshot.height, chunks: snapshot.chunks.length, durationMs, after },
      };
    }
    if (tried.size === 0) return { status: 'empty' };
    throw new Error(`none of the ${tried.size} newest snapshots could be restored (see the errors above): not creating an empty canvas over them`);
  }

  async function readRegion(key: string, rect: RegionRect): Promise<Uint8Array> {
    const { x, y, width, height } = rect;
    const valid = [x, y, width, height].every((value) => Number.isSafeInteger(value) && value >= 0) && width >= 1 && height >= 1;
    if (!valid) throw new SnapshotRequestError('a region needs whole, non-negative x, y and a width and height of at least 1');
    if (width * height > MAX_REGION_PIXELS) throw new SnapshotRequestError(`a region holds at most ${MAX_REGION_PIXELS} pixels`);
    const snapshot = await fetchSnapshot(key);
    const out = new Uint8Array(width * height);
    for (const { cx, cy, bytes } of snapshot.chunks) {
      // The part of this chunk inside both the rectangle and the canvas.
      const left = Math.max(x, cx * CHUNK_SIZE);
      const right = Math.min(x + width, (cx + 1) * CHUNK_SIZE, snapshot.width);
      const top = Math.max(y, cy * CHUNK_SIZE);
      const bottom = Math.min(y + height, (cy + 1) * CHUNK_SIZE, snapshot.height);
      for (let row = top; row < bottom; row++) {
        const start = (row - cy * CHUNK_SIZE) * CHUNK_SIZE + (left - cx * CHUNK_SIZE);
        const end = Math.min(start + (right - left), bytes.length);
        if (start < end) out.set(bytes.subarray(start, end), (row - y) * width + (left - x));
      }
    }
    return out;
  }

  return { take, restore, restoreNewestIfMissing, list, latest, readRegion };
}
