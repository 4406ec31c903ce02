/**
 * The players' history viewer: what the gateway serves from the snapshot archive and the browser
 * replays. A keyframe is a canvas frame (canvas-codec.ts: the same body as `GET /api/canvas/data`);
 * a segment is a history events frame (below): the placements between two snapshots, without who
 * placed them (the archive's user ids stay private).
 */
import { BinaryReader, BinaryWriter } from './binary.js';
import type { CanvasConfig } from './canvas-config.js';
import { asDecodeError } from './delta-codec.js';
import { type Decoded, DecodeError } from './errors.js';
import { FrameKind, FRAME_HEADER_BYTES, POSITION_BYTES, readHeader, readPosition, writeHeader, writePosition } from './frame-header.js';
import { LIMITS } from './limits.js';
import { comparePositions, type StreamPosition } from './stream-position.js';

/**
 * Who may open the history viewer (CanvasConfig.historyViewer): `off` nobody, `on` everyone,
 * `while-paused` everyone while the canvas is paused, which is how an event ends (so the viewer
 * opens when the admin pauses the canvas at the end, and closes again if placing resumes).
 */
export const HistoryViewerMode = {
  Off: 'off',
  On: 'on',
  WhilePaused: 'while-paused',
} as const;
export type HistoryViewerMode = (typeof HistoryViewerMode)[keyof typeof HistoryViewerMode];
export const HISTORY_VIEWER_MODES: readonly HistoryViewerMode[] = Object.freeze(Object.values(HistoryViewerMode));

export function isHistoryViewerMode(value: unknown): value is HistoryViewerMode {
  return typeof value === 'string' && (HISTORY_VIEWER_MODES as readonly string[]).includes(value);
}

/** Whether players may see the history of a canvas with this config now. */
export function historyViewerOpen(config: Pick<CanvasConfig, 'paused' | 'historyViewer'>): boolean {
  const mode = config.historyViewer ?? HistoryViewerMode.Off;
  return mode === HistoryViewerMode.On || (mode === HistoryViewerMode.WhilePaused && config.paused);
}

/** The body of `GET /api/canvas/history`: every keyframe and segment the archive holds, in time order. */
export interface HistoryIndex {
  readonly canvasId: string;
  /** Time of the first archived placement or keyframe (epoch ms); undefined while the archive is empty. */
  readonly start: number | undefined;
  /** Time of the newest archived placement or keyframe. */
  readonly end: number | undefined;
  readonly keyframes: readonly HistoryKeyframe[];
  readonly segments: readonly HistorySegmentRef[];
}

export interface HistoryKeyframe {
  /** Name to fetch it by: `/api/canvas/history/keyframes/<name>`. */
  readonly name: string;
  readonly takenAt: number;
  /** Every placement up to this position is in the keyframe. */
  readonly position: string;
}

export interface HistorySegmentRef {
  /** Name to fetch it by: `/api/canvas/history/segments/<name>`. */
  readonly name: string;
  /** Stream id of its first and last placement. */
  readonly first: string;
  readonly last: string;
}

export const HISTORY_EVENTS_CONTENT_TYPE = 'application/vnd.tessera.history-events';

/** One placement as the viewer replays it. */
export interface HistoryPlacement {
  readonly position: StreamPosition;
  readonly x: number;
  readonly y: number;
  readonly color: number;
}

export interface HistoryEventsFrame {
  /** Exclusive: the position the segment continues from. */
  readonly after: StreamPosition;
  /** Inclusive. */
  readonly until: StreamPosition;
  /** Entries were trimmed from the stream before they were archived: the replay may differ. */
  readonly gap: boolean;
  /** In stream order, all in (after, until]. */
  readonly events: readonly HistoryPlacement[];
}

/** A segment holds at most this many placements (the snapshotter's MAX_SEGMENT_EVENTS). */
export const MAX_HISTORY_FRAME_EVENTS = 100_000;
/** The widest event: an 8-byte time step (from a 0-0 `after`), a 5-byte sequence, x, y, colour. */
const MAX_EVENT_BYTES = 8 + 5 + 2 + 2 + 1;
const FLAG_GAP = 1;

/**
 *   header          kind u8 (HistoryEvents), version u8, flags u16 (bit 0: gap)
 *   after, until    position (f64 ms, u32 seq) each
 *   event count     u32, then per event (the archive's layout without the user):
 *                     varint  ms − previous ms (the first counts from `after`)
 *                     varint  seq
 *                     u16 x, u16 y, u8 colour
 */
export function encodeHistoryEvents(frame: HistoryEventsFrame): Uint8Array {
  if (frame.events.length > MAX_HISTORY_FRAME_EVENTS) throw new Error(`a history frame holds at most ${MAX_HISTORY_FRAME_EVENTS} events`);
  const writer = new BinaryWriter(FRAME_HEADER_BYTES + 2 * POSITION_BYTES + 4 + frame.events.length * MAX_EVENT_BYTES);
  writeHeader(writer, FrameKind.HistoryEvents, frame.gap ? FLAG_GAP : 0);
  writePosition(writer, frame.after);
  writePosition(writer, frame.until);
  writer.u32(frame.events.length);
  let previous = frame.after;
  for (const event of frame.events) {
    if (comparePositions(event.position, previous) <= 0 || comparePositions(event.position, frame.until) > 0) {
      throw new Error('history events must be in stream order, after `after` and up to `until`');
    }
    writer.varint(event.position.ms - previous.ms);
    writer.varint(event.position.seq);
    previous = event.position;
    writer.u16(event.x);
    writer.u16(event.y);
    writer.u8(event.color);
  }
  return writer.bytes.subarray(0, writer.written);
}

export function decodeHistoryEvents(bytes: Uint8Array): Decoded<HistoryEventsFrame> {
  try {
    const reader = new BinaryReader(bytes);
    const flags = readHeader(reader, FrameKind.HistoryEvents);
    const after = readPosition(reader, 'after');
    const until = readPosition(reader, 'until');
    if (comparePositions(until, after) < 0) throw new DecodeError('history frame ends before it starts');
    const count = reader.u32('event count');
    if (count > MAX_HISTORY_FRAME_EVENTS) throw new DecodeError(`history frame claims ${count} events`);
    const events: HistoryPlacement[] = [];
    let previous = after;
    for (let i = 0; i < count; i++) {
      const position = { ms: previous.ms + reader.varint('event time'), seq: reader.varint('event sequence') };
      if (
        !Number.isSafeInteger(position.ms) ||
        position.seq > 0xffff_ffff ||
        comparePositions(position, previous) <= 0 ||
        comparePositions(position, until) > 0
      ) {
        throw new DecodeError(`history event ${i} is out of order or outside the frame`);
      }
      const x = reader.u16('x');
      const y = reader.u16('y');
      const color = reader.u8('colour');
      if (x >= LIMITS.maxCanvasSide || y >= LIMITS.maxCanvasSide) throw new DecodeError(`history event ${i} lies outside any canvas`);
      events.push({ position, x, y, color });
      previous = position;
    }
    reader.end();
    return { ok: true, value: { after, until, gap: (flags & FLAG_GAP) !== 0, events } };
  } catch (error) {
    return { ok: false, error: asDecodeError(error) };
  }
}
