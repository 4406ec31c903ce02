/**
 * A history segment (`.tseg`): the placements between two snapshots, so the full history outlives
 * the event stream's trimming.
 *
 * Inside the envelope (see envelope.ts: magic `TSEG`, format version, compression, length, CRC-32):
 *
 *   after              u64 ms, u32 seq   the position the segment continues from (exclusive): the
 *                                        previous snapshot's, or the previous segment's end
 *   until              u64 ms, u32 seq   the position it ends at (inclusive)
 *   flags              u32   bit 0: entries after `after` had been trimmed from the stream before
 *                                   they could be archived (a gap in the history)
 *   user count         u32, then per user: u16 length, UTF-8 bytes
 *   event count        u32, then per event:
 *                        varint  ms − previous ms (the first counts from `after`)
 *                        varint  seq
 *                        u16 x, u16 y, u8 colour
 *                        varint  user index into the table above
 *
 * Events are in stream order, strictly increasing, all in (after, until].
 */
import { comparePositions, LIMITS, type StreamPosition } from '@tessera/protocol';
import { ByteReader, ByteWriter } from './binary-io.js';
import { Compression, open, seal, type EnvelopeSpec } from './envelope.js';
import { SnapshotFormatError } from './format-error.js';

export const HISTORY_FORMAT_VERSION = 1;

/** Events in one segment: bounds the memory of archiving a long backlog. */
export const MAX_SEGMENT_EVENTS = 100_000;
/** Longest user id stored (longer ones are cut: the stream only ever holds ids the gateway made). */
const MAX_USER_BYTES = 1_024;

const SPEC: EnvelopeSpec = {
  magic: 'TSEG',
  version: HISTORY_FORMAT_VERSION,
  what: 'history segment',
  // Header, a user per event at worst, and the widest event encoding.
  maxPayloadBytes: 32 + MAX_SEGMENT_EVENTS * (2 + MAX_USER_BYTES) + MAX_SEGMENT_EVENTS * 30,
};

const FLAG_GAP = 1;

export interface HistoryEvent {
  readonly position: StreamPosition;
  readonly x: number;
  readonly y: number;
  readonly color: number;
  readonly userId: string;
}

export interface HistorySegment {
  readonly after: StreamPosition;
  readonly until: StreamPosition;
  /** Entries after `after` were trimmed before they were archived. */
  readonly gap: boolean;
  readonly events: readonly HistoryEvent[];
}

export async function encodeSegment(segment: HistorySegment, compression: Compression = Compression.Brotli): Promise<Uint8Array> {
  if (segment.events.length > MAX_SEGMENT_EVENTS) throw new Error(`a segment holds at most ${MAX_SEGMENT_EVENTS} events`);
  const users = new Map<string, number>();
  const encoder = new TextEncoder();
  const userTable: Uint8Array[] = [];
  for (const event of segment.events) {
    if (users.has(event.userId)) continue;
    users.set(event.userId, users.size);
    userTable.push(cutUtf8(encoder.encode(event.userId), MAX_USER_BYTES));
  }
  const writer = new ByteWriter(64 + segment.events.length * 10 + userTable.reduce((sum, user) => sum + 2 + user.length, 0));
  writer.u64(segment.after.ms);
  writer.u32(segment.after.seq);
  writer.u64(segment.until.ms);
  writer.u32(segment.until.seq);
  writer.u32(segment.gap ? FLAG_GAP : 0);
  writer.u32(userTable.length);
  for (const user of userTable) {
    writer.u16(user.length);
    writer.raw(user);
  }
  writer.u32(segment.events.length);
  let previous = segment.after;
  for (const event of segment.events) {
    if (comparePositions(event.position, previous) <= 0 || comparePositions(event.position, segment.until) > 0) {
      throw new Error('segment events must be in stream order, after `after` and up to `until`');
    }
    writer.varint(event.position.ms - previous.ms);
    writer.varint(event.position.seq);
    writer.u16(event.x);
    writer.u16(event.y);
    writer.u8(event.color);
    writer.varint(users.get(event.userId)!);
    previous = event.position;
  }
  return seal(SPEC, writer.bytes, compression);
}

export async function decodeSegment(object: Uint8Array): Promise<HistorySegment> {
  const payload = await open(SPEC, object);
  const reader = new ByteReader(payload, 'history segment');
  const after = { ms: reader.u64('after'), seq: reader.u32('after sequence') };
  const until = { ms: reader.u64('until'), seq: reader.u32('until sequence') };
  if (comparePositions(until, after) < 0) throw new SnapshotFormatError('history segment ends before it starts');
  const flags = reader.u32('flags');
  const userCount = reader.u32('user count');
  if (userCount > MAX_SEGMENT_EVENTS) throw new SnapshotFormatError(`history segment claims ${userCount} users`);
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const users: string[] = [];
  for (let i = 0; i < userCount; i++) {
    const length = reader.u16('user length');
    if (length > MAX_USER_BYTES) throw new SnapshotFormatError(`history segment user ${i} is ${length} bytes long`);
    users.push(decoder.decode(reader.slice(length, 'user id')));
  }
  const count = reader.u32('event count');
  if (count > MAX_SEGMENT_EVENTS) throw new SnapshotFormatError(`history segment claims ${count} events`);
  const events: HistoryEvent[] = [];
  let previous = after;
  for (let i = 0; i < count; i++) {
    const ms = previous.ms + reader.varint('event time');
    const seq = reader.varint('event sequence');
    const position = { ms, seq };
    if (!Number.isSafeInteger(ms) || seq > 0xffff_ffff || comparePositions(position, previous) <= 0 || comparePositions(position, until) > 0) {
      throw new SnapshotFormatError(`history segment event ${i} is out of order or outside the segment`);
    }
    const x = reader.u16('x');
    const y = reader.u16('y');
    const color = reader.u8('colour');
    const userIndex = reader.varint('user index');
    const userId = users[userIndex];
    if (userId === undefined) throw new SnapshotFormatError(`history segment event ${i} names user ${userIndex} of ${users.length}`);
    if (x >= LIMITS.maxCanvasSide || y >= LIMITS.maxCanvasSide) throw new SnapshotFormatError(`history segment event ${i} lies outside any canvas`);
    events.push({ position, x, y, color, userId });
    previous = position;
  }
  reader.end();
  return { after, until, gap: (flags & FLAG_GAP) !== 0, events };
}

/** Cuts UTF-8 at a character boundary. */
function cutUtf8(bytes: Uint8Array, max: number): Uint8Array {
  if (bytes.length <= max) return bytes;
  let end = max;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}
