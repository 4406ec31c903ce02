import { createHash } from 'node:crypto';
import { encodeCanvas, encodeHistoryEvents, formatPosition, type HistoryIndex, type HistoryKeyframe, type HistorySegmentRef } from '@tessera/protocol';
import type { ObjectStore } from '@tessera/snapshotter/archive';
import { decodeSegment, decodeSnapshot, HISTORY_DIR, SNAPSHOTS_DIR } from '@tessera/snapshotter/archive';
import { CompressedBody } from './compressed-body.js';
import { SingleFlightCache } from './single-flight-cache.js';

/** `<13-digit takenAt>_<13-digit ms>-<10-digit seq>`: a keyframe's name, as its snapshot key holds it. */
export const KEYFRAME_NAME = /^(\d{13})_(\d{13})-(\d{10})$/;
/** `<first ms-seq>_<last ms-seq>`, zero-padded: a segment's name. */
export const SEGMENT_NAME = /^(\d{13})-(\d{10})_(\d{13})-(\d{10})$/;
const KEYFRAME_KEY = /^snapshots\/(\d{13}_\d{13}-\d{10})\.tsnap$/;
const SEGMENT_KEY = /^history\/(\d{13}-\d{10}_\d{13}-\d{10})\.tseg$/;

/** One archived object made ready for players: its compressed forms, an ETag, and headers of its own. */
export interface ServedObject {
  readonly body: CompressedBody;
  /** Quoted, per content (not per encoding). */
  readonly etag: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface HistoryArchive {
  /** The index, listed from S3 at most once per `indexCacheMs` (incrementally: keys sort by time). */
  index(): Promise<{ index: HistoryIndex; etag: string }>;
  /** Undefined when no such keyframe is archived. */
  keyframe(name: string): Promise<ServedObject | undefined>;
  segment(name: string): Promise<ServedObject | undefined>;
}

/**
 * Reads the snapshotter's archive for the history viewer: lists keyframes (binary snapshots) and
 * segments, and turns each into what the browser decodes (a canvas frame; a history events frame
 * without user ids, which stay private). Objects never change once written, so each is decoded
 * once and kept, up to `cacheBytes`, least recently used first out.
 */
export function createHistoryArchive(deps: { objects: ObjectStore; canvasId: string; indexCacheMs: number; cacheBytes: number }): HistoryArchive {
  const keyframes: HistoryKeyframe[] = [];
  const segments: HistorySegmentRef[] = [];
  const keyframeNames = new Set<string>();
  const segmentNames = new Set<string>();
  let lastSnapshotKey: string | undefined;
  let lastSegmentKey: string | undefined;
  const objects = new ByteBoundedCache<ServedObject>(deps.cacheBytes);

  const listing = new SingleFlightCache(deps.indexCacheMs, async () => {
    const [newSnapshots, newSegments] = await Promise.all([deps.objects.list(SNAPSHOTS_DIR, lastSnapshotKey), deps.objects.list(HISTORY_DIR, lastSegmentKey)]);
    for (const { key } of newSnapshots) {
      lastSnapshotKey = key;
      const name = KEYFRAME_KEY.exec(key)?.[1];
      if (!name || keyframeNames.has(name)) continue;
      const [, takenAt, ms, seq] = KEYFRAME_NAME.exec(name)!;
      keyframeNames.add(name);
      keyframes.push({ name, takenAt: Number(takenAt), position: formatPosition({ ms: Number(ms), seq: Number(seq) }) });
    }
    for (const { key } of newSegments) {
      lastSegmentKey = key;
      const name = SEGMENT_KEY.exec(key)?.[1];
      if (!name || segmentNames.has(name)) continue;
      const [, firstMs, firstSeq, lastMs, lastSeq] = SEGMENT_NAME.exec(name)!;
      segmentNames.add(name);
      segments.push({ name, first: `${Number(firstMs)}-${Number(firstSeq)}`, last: `${Number(lastMs)}-${Number(lastSeq)}` });
    }
    return describe();
  });

  function describe(): { index: HistoryIndex; etag: string } {
    const firstKeyframe = keyframes[0];
    const lastKeyframe = keyframes[keyframes.length - 1];
    const times = [
      firstKeyframe && msOf(firstKeyframe.position),
      segments[0] && msOf(segments[0].first),
      lastKeyframe && msOf(lastKeyframe.position),
      segments[segments.length - 1] && msOf(segments[segments.length - 1]!.last),
    ].filter((time): time is number => time !== undefined);
    const index: HistoryIndex = {
      canvasId: deps.canvasId,
      start: times.length > 0 ? Math.min(...times) : undefined,
      end: times.length > 0 ? Math.max(...times) : undefined,
      keyframes: [...keyframes],
      segments: [...segments],
    };
    const etag = `"h${keyframes.length}-${segments.length}-${hash(`${lastSnapshotKey ?? ''}|${lastSegmentKey ?? ''}`)}"`;
    return { index, etag };
  }

  async function served(key: string, make: (bytes: Uint8Array) => Promise<ServedObject>): Promise<ServedObject | undefined> {
    return objects.getOrLoad(
      key,
      async () => {
        const bytes = await deps.objects.get(key);
        return bytes === undefined ? undefined : make(bytes);
      },
      (object) => object.body.raw.length,
    );
  }

  return {
    async index() {
      return (await listing.get()).data;
    },
    async keyframe(name) {
      if (!KEYFRAME_NAME.test(name) || !(await known(keyframeNames, name))) return undefined;
      return forgetIfGone(
        keyframeNames,
        keyframes,
        name,
        await served(`${SNAPSHOTS_DIR}${name}.tsnap`, async (bytes) => {
          const snapshot = await decodeSnapshot(bytes);
          const raw = Buffer.from(
            encodeCanvas({
              position: snapshot.position,
              configVersion: Number(snapshot.configHash.version),
              width: snapshot.width,
              height: snapshot.height,
              chunks: snapshot.chunks,
            }),
          );
          return {
            body: new CompressedBody(raw),
            etag: `"k${hash(raw)}"`,
            // The palette the keyframe was drawn with (it may change during an event); JSON of #rrggbb only.
            headers: { 'x-tessera-palette': snapshot.configHash.palette ?? '[]', 'x-tessera-position': formatPosition(snapshot.position) },
          };
        }),
      );
    },
    async segment(name) {
      if (!SEGMENT_NAME.test(name) || !(await known(segmentNames, name))) return undefined;
      return forgetIfGone(
        segmentNames,
        segments,
        name,
        await served(`${HISTORY_DIR}${name}.tseg`, async (bytes) => {
          const segment = await decodeSegment(bytes);
          const raw = Buffer.from(
            encodeHistoryEvents({
              after: segment.after,
              until: segment.until,
              gap: segment.gap,
              events: segment.events.map(({ position, x, y, color }) => ({ position, x, y, color })),
            }),
          );
          return { body: new CompressedBody(raw), etag: `"s${hash(raw)}"`, headers: {} };
        }),
      );
    },
  };

  /** An object listed once but gone now (a lifecycle rule expired it) leaves the index. */
  function forgetIfGone(names: Set<string>, entries: { readonly name: string }[], name: string, object: ServedObject | undefined): ServedObject | undefined {
    if (object !== undefined || !names.delete(name)) return object;
    const at = entries.findIndex((entry) => entry.name === name);
    if (at >= 0) entries.splice(at, 1);
    listing.invalidate();
    return undefined;
  }

  /** Only names the listing holds reach S3: a flood of made-up names costs nothing but a lookup. */
  async function known(names: Set<string>, name: string): Promise<boolean> {
    if (names.has(name)) return true;
    await listing.get();
    return names.has(name);
  }
}

function msOf(position: string): number {
  return Number(position.slice(0, position.indexOf('-')));
}

function hash(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('base64url').slice(0, 22);
}

/** A least-recently-used cache bounded by the bytes of what it holds; loads of one key are shared. */
class ByteBoundedCache<T> {
  private readonly entries = new Map<string, { value: T; size: number }>();
  private readonly loading = new Map<string, Promise<T | undefined>>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  async getOrLoad(key: string, load: () => Promise<T | undefined>, sizeOf: (value: T) => number): Promise<T | undefined> {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry); // most recently used last
      return entry.value;
    }
    let pending = this.loading.get(key);
    if (!pending) {
      pending = load().finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
      const value = await pending;
      if (value !== undefined) this.add(key, value, sizeOf(value));
      return value;
    }
    return pending;
  }

  private add(key: string, value: T, size: number): void {
    if (size > this.maxBytes) return;
    this.entries.set(key, { value, size });
    this.bytes += size;
    for (const [oldest, { size: oldSize }] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= oldSize;
    }
  }
}
