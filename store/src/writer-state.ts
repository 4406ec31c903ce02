import { canvasKeys, formatPosition, parsePosition, type StreamPosition } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';
import { callScript } from './lua-scripts.js';

/** Where the writer leader stands: enough for a standby to resume exactly and re-send the last delta. */
export interface WriterState {
  /** Random, nonzero: changes whenever the sequence restarts. */
  readonly epoch: number;
  /** Sequence number of the last committed delta (0: none yet in this epoch). */
  readonly seq: number;
  /** Stream id up to which events are folded into committed deltas. */
  readonly cursor: StreamPosition;
  /** The encoded last delta (absent at the start of an epoch). */
  readonly lastDelta: Uint8Array | undefined;
}

/**
 * The stored epoch and seq exactly as text (`''` when absent): what a commit must find in Redis
 * to succeed. Kept apart from the parsed state so a damaged hash can still be replaced.
 */
export interface WriterFence {
  readonly epoch: string;
  readonly seq: string;
}

export interface StoredWriterState {
  /** Undefined when there is no state, or it is damaged (then `fence` still says what is there). */
  readonly state: WriterState | undefined;
  readonly fence: WriterFence;
  /** True when a hash exists but could not be parsed. */
  readonly damaged: boolean;
}

export type CommitOutcome = 'committed' | 'not-leader' | 'conflict';

/** The fence a commit of `state` leaves behind. */
export function fenceOf(state: Pick<WriterState, 'epoch' | 'seq'>): WriterFence {
  return { epoch: String(state.epoch), seq: String(state.seq) };
}

export async function readWriterState(redis: RedisConnection, canvasId: string): Promise<StoredWriterState> {
  const hash = await redis.hgetallBuffer(canvasKeys(canvasId).writerState);
  const text = (field: string): string => hash[field]?.toString('utf8') ?? '';
  const fence = { epoch: text('epoch'), seq: text('seq') };
  if (Object.keys(hash).length === 0) return { state: undefined, fence, damaged: false };
  const epoch = Number(fence.epoch);
  const seq = Number(fence.seq);
  const cursor = parsePosition(text('cursor'));
  const valid = /^\d+$/.test(fence.epoch) && /^\d+$/.test(fence.seq) && epoch >= 1 && epoch <= 0xffff_ffff && seq <= 0xffff_ffff;
  if (!valid || !cursor) return { state: undefined, fence, damaged: true };
  const raw = hash.lastDelta;
  const lastDelta = raw && raw.length > 0 ? new Uint8Array(raw.buffer, raw.byteOffset, raw.length) : undefined;
  return { state: { epoch, seq, cursor, lastDelta }, fence, damaged: false };
}

/** Just the stored epoch and seq (one HMGET): has someone else changed or deleted the state? */
export async function readWriterFence(redis: RedisConnection, canvasId: string): Promise<WriterFence> {
  const [epoch, seq] = await redis.hmget(canvasKeys(canvasId).writerState, 'epoch', 'seq');
  return { epoch: epoch ?? '', seq: seq ?? '' };
}

/**
 * Writes `next` only if `writerId` still holds the leadership lock and the stored state still
 * matches `expected` (see commit-writer-state-2.lua).
 */
export async function commitWriterState(
  redis: RedisConnection,
  canvasId: string,
  writerId: string,
  expected: WriterFence,
  next: WriterState,
): Promise<CommitOutcome> {
  const keys = canvasKeys(canvasId);
  const delta = next.lastDelta ? Buffer.from(next.lastDelta.buffer, next.lastDelta.byteOffset, next.lastDelta.byteLength) : '';
  const code = await callScript<number>(redis, 'tesseraCommitWriterState', [
    keys.writerLock,
    keys.writerState,
    writerId,
    expected.epoch,
    expected.seq,
    next.epoch,
    next.seq,
    formatPosition(next.cursor),
    delta,
  ]);
  return commitOutcome(code);
}

/** The one place the commit script's result codes get their meaning. */
export function commitOutcome(code: number): CommitOutcome {
  switch (code) {
    case 0:
      return 'committed';
    case 1:
      return 'not-leader';
    case 2:
      return 'conflict';
    default:
      throw new Error(`commit-writer-state returned unknown code ${String(code)}`);
  }
}
