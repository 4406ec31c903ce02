/**
 * Reads the exact placement history of a time range back from the archive: a keyframe (the newest
 * snapshot at or before the range) and then every placement after it, segment by segment from S3,
 * and finally from the Redis stream for what no snapshot has archived yet. One segment at a time
 * is in memory, so an hour of a million placements costs about one segment's worth (≤100k events).
 */
import { comparePositions, ZERO_POSITION, type StreamPosition } from '@tessera/protocol';
import { readEventPage, type RedisConnection } from '@tessera/store';
import { chunksToPixels, type CanvasPixels } from './canvas-image.js';
import { SnapshotFormatError } from './format-error.js';
import { decodeSegment, type HistoryEvent } from './history-format.js';
import type { ObjectStore } from './object-store.js';
import { decodeSnapshot } from './snapshot-format.js';
import { HISTORY_DIR, parseSnapshotKey, SNAPSHOTS_DIR } from './snapshot-keys.js';

const HISTORY_KEY = /^history\/(\d{13})-(\d{10})_(\d{13})-(\d{10})\.tseg$/;
/** Stream entries per read of the unarchived tail. */
const TAIL_PAGE = 10_000;
/** The largest sequence number a Tessera stream id carries. */
const MAX_SEQ = 0xffff_ffff;

export interface Keyframe {
  readonly position: StreamPosition;
  readonly image: CanvasPixels;
  readonly palette: readonly string[];
}

export interface HistorySource {
  /**
   * The canvas at the newest snapshot whose position is at or before `atMs` (its time), or an
   * empty canvas of the oldest snapshot's size at position 0 when none is that old; undefined
   * when the bucket holds no snapshot at all.
   */
  keyframe(atMs: number): Promise<Keyframe | undefined>;
  /** The palette of the newest snapshot at or before `atMs` (or the oldest one). */
  palette(atMs: number): Promise<readonly string[] | undefined>;
  /**
   * Every placement after `after` with a time up to `untilMs`, in stream order, in batches (one
   * per segment or stream page). `onGap` is called when part of the history was lost.
   */
  events(after: StreamPosition, untilMs: number, onGap?: () => void): AsyncGenerator<readonly HistoryEvent[]>;
}

export function createHistorySource(options: { objects: ObjectStore; redis: RedisConnection; canvasId: string }): HistorySource {
  const { objects, redis, canvasId } = options;

  async function snapshotsByPosition(): Promise<{ key: string; position: StreamPosition }[]> {
    const listed = await objects.list(SNAPSHOTS_DIR);
    return listed
      .map(({ key }) => ({ key, parsed: parseSnapshotKey(key) }))
      .filter((item) => item.parsed !== undefined)
      .map(({ key, parsed }) => ({ key, position: parsed!.position }))
      .sort((a, b) => comparePositions(a.position, b.position));
  }

  async function pick(atMs: number): Promise<{ key: string; position: StreamPosition; before: boolean } | undefined> {
    const all = await snapshotsByPosition();
    const at = all.filter((item) => item.position.ms <= atMs).pop();
    if (at) return { ...at, before: true };
    const oldest = all[0];
    return oldest ? { ...oldest, before: false } : undefined;
  }

  async function load(key: string) {
    const object = await objects.get(key);
    if (!object) throw new SnapshotFormatError(`snapshot ${key} vanished while it was read`);
    return decodeSnapshot(object);
  }

  async function* events(after: StreamPosition, untilMs: number, onGap?: () => void): AsyncGenerator<readonly HistoryEvent[]> {
    let cursor = after;
    const segments = (await objects.list(HISTORY_DIR))
      .map(({ key }) => ({ key, match: HISTORY_KEY.exec(key) }))
      .filter((item) => item.match !== null)
      .map(({ key, match }) => ({
        key,
        first: { ms: Number(match![1]), seq: Number(match![2]) },
        last: { ms: Number(match![3]), seq: Number(match![4]) },
      }))
      .filter((segment) => comparePositions(segment.last, after) > 0 && segment.first.ms <= untilMs)
      .sort((a, b) => comparePositions(a.first, b.first));
    for (const segment of segments) {
      const object = await objects.get(segment.key);
      if (!object) continue;
      const decoded = await decodeSegment(object);
      // A gap segment lost entries between its `after` and its first event: that loss reaches into
      // the range unless the segment's first event is itself at or before the range's start.
      const firstKept = decoded.events[0]?.position;
      if (decoded.gap && (firstKept === undefined || comparePositions(firstKept, after) > 0)) onGap?.();
      const batch = decoded.events.filter((event) => comparePositions(event.position, cursor) > 0 && event.position.ms <= untilMs);
      if (batch.length === 0) continue;
      cursor = batch[batch.length - 1]!.position;
      yield batch;
    }
    // What no snapshot has archived yet is still in the stream.
    for (;;) {
      const page = await readEventPage(redis, canvasId, cursor, TAIL_PAGE, { ms: untilMs, seq: MAX_SEQ });
      // No gap check here: entries already archived are trimmed from the stream by design.
      const batch: HistoryEvent[] = [];
      for (const event of page.events) {
        if (event.position.ms > untilMs) break;
        batch.push({ position: event.position, x: event.x, y: event.y, color: event.color, userId: event.userId });
      }
      if (batch.length > 0) yield batch;
      if (!page.last || page.entries < TAIL_PAGE) return;
      cursor = page.last;
    }
  }

  return {
    async keyframe(atMs) {
      const chosen = await pick(atMs);
      if (!chosen) return undefined;
      const snapshot = await load(chosen.key);
      const palette = paletteOf(snapshot.configHash, chosen.key);
      if (!chosen.before) {
        // Nothing archived is that old: the canvas began empty.
        return {
          position: ZERO_POSITION,
          image: { width: snapshot.width, height: snapshot.height, pixels: new Uint8Array(snapshot.width * snapshot.height) },
          palette,
        };
      }
      return { position: snapshot.position, image: chunksToPixels(snapshot.width, snapshot.height, snapshot.chunks), palette };
    },
    async palette(atMs) {
      const chosen = await pick(atMs);
      return chosen ? paletteOf((await load(chosen.key)).configHash, chosen.key) : undefined;
    },
    events,
  };
}

function paletteOf(configHash: Readonly<Record<string, string>>, key: string): readonly string[] {
  try {
    const palette = JSON.parse(configHash.palette ?? '') as unknown;
    if (Array.isArray(palette) && palette.every((color) => typeof color === 'string')) return palette;
  } catch {
    // fall through
  }
  throw new SnapshotFormatError(`snapshot ${key} carries no readable palette`);
}

/** The position just before any event at `ms`: events after it are those at or after `ms`. */
export function positionBefore(ms: number): StreamPosition {
  return ms <= 0 ? ZERO_POSITION : { ms: ms - 1, seq: MAX_SEQ };
}
