import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  chunkChecksum,
  chunkGrid,
  chunkId,
  comparePositions,
  decodeDelta,
  encodeDelta,
  encodeSync,
  formatPosition,
  type ChunkChecksum,
  type Delta,
  type StreamPosition,
  ZERO_POSITION,
} from '@tessera/protocol';
import { createFailureLog, type FailureLog, type Logger } from '@tessera/runtime';
import {
  commitWriterState,
  fenceOf,
  readCanvas,
  readConfigVersion,
  readEventPage,
  readNewestEvent,
  readWriterFence,
  readWriterState,
  type CommitOutcome,
  type WriterFence,
  type PlacementEvent,
  type WriterState,
} from '@tessera/store';
import type { RedisConnection } from '@tessera/store';
import { createCoalescer, type Coalescer } from './coalescer.js';
import type { WriterLoopConfig } from './config.js';
import { createDeltaBroadcaster, type DeltaBroadcaster } from './delta-broadcaster.js';
import { createEventStatsRecorder, type EventStatsRecorder } from './event-stats.js';
import { createLeaderLease, type LeaderLease } from './leader-lease.js';
import { WriterStage, type WriterMetrics } from './metrics.js';

export interface WriterDependencies {
  /** Commands: lock, state, stream, canvas reads. */
  readonly redis: RedisConnection;
  /** PUBLISH only, for the Socket.IO emitter. */
  readonly emitterRedis: RedisConnection;
  readonly config: WriterLoopConfig;
  readonly log: Logger;
  readonly metrics: WriterMetrics;
}

/** A delta this writer broadcast (`resent`: a committed one sent again, e.g. after a takeover). */
export interface DeltaReport {
  readonly epoch: number;
  readonly seq: number;
  readonly start: StreamPosition;
  readonly end: StreamPosition;
  readonly pixels: number;
  readonly resent: boolean;
}

export interface SyncReport {
  readonly epoch: number;
  readonly afterSeq: number;
  readonly position: StreamPosition;
  readonly chunks: number;
}

export interface WriterEvents {
  /** This writer took the lead and loaded (or created) the state it continues from. */
  leader: [{ readonly epoch: number; readonly seq: number }];
  /** This writer stopped leading. */
  standby: [{ readonly reason: string }];
  /** A new epoch began: clients will refetch. */
  epoch: [{ readonly epoch: number; readonly reason: string }];
  delta: [DeltaReport];
  sync: [SyncReport];
  /** A failure the loop survived (it retries on the next tick); emitted only when someone listens. */
  error: [Error, WriterStage];
}

export interface Writer extends EventEmitter<WriterEvents> {
  /** Starts ticking: leader election, then deltas and syncs while leading. */
  start(): void;
  /** Stops after the current tick and releases the lock so a standby takes over at once. */
  stop(): Promise<void>;
  readonly isLeader: boolean;
  /** The state this writer leads from (undefined while standby or before it loaded). */
  readonly state: WriterState | undefined;
}

/**
 * XRANGE page size: a tick's batch is read in pages so one big backlog read never holds Redis
 * (and every placement behind it) for long.
 */
const PAGE_SIZE = 10_000;
const MAX_SEQ = 0xffff_ffff;
/** Failures of one stage are logged at most this often, with a count (a Redis outage fails every tick). */
const LOG_REPEAT_MS = 10_000;

interface Window {
  readonly lost: boolean;
  /** Entries read, parsed or not. */
  readonly entries: number;
  readonly malformed: number;
  readonly last: StreamPosition | undefined;
  /** Stream time of the first entry read. */
  readonly oldestMs: number | undefined;
  /** The read stopped at maxEventsPerTick: more may follow. */
  readonly full: boolean;
  readonly coalescer: Coalescer;
  /** The parsed events, for the event stats. */
  readonly events: PlacementEvent[];
}

interface Pending {
  readonly bytes: Uint8Array;
  readonly report: DeltaReport;
  /** Stream time of the oldest event in it (undefined for a resend). */
  readonly oldestMs: number | undefined;
}

/** Builds the writer: one leader at a time turns the event stream into deltas and syncs. */
export function createWriter(dependencies: WriterDependencies): Writer {
  return new WriterLoop(dependencies);
}

class WriterLoop extends EventEmitter<WriterEvents> implements Writer {
  private readonly redis: RedisConnection;
  private readonly config: WriterLoopConfig;
  private readonly log: Logger;
  private readonly metrics: WriterMetrics;
  private readonly lease: LeaderLease;
  private readonly broadcaster: DeltaBroadcaster;
  private readonly eventStats: EventStatsRecorder;

  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  /** What the current tick is doing, for error reports. */
  private stage: WriterStage = WriterStage.Acquire;
  /** Loaded state and the fence the next commit must present; undefined: load before acting. */
  private current: { state: WriterState; fence: WriterFence } | undefined;
  /** A committed delta whose broadcast failed (or a takeover's resend): sent before anything else. */
  private unsent: Pending | undefined;
  private nextSyncAt = 0;
  /** A standby's last failed attempt: the holder's lock expires this many ms later (if it said). */
  private leaseFreeInMs: number | undefined;
  /** The epoch this writer last led in, so a new one differs and is logged as a restart. */
  private lastEpoch: number | undefined;
  /** The newest state this writer committed: a stored state behind it means Redis was rolled back. */
  private lastCommitted: { readonly epoch: number; readonly seq: number } | undefined;
  private readonly failures: FailureLog;

  constructor({ redis, emitterRedis, config, log, metrics }: WriterDependencies) {
    super();
    this.redis = redis;
    this.config = config;
    this.log = log;
    this.metrics = metrics;
    this.failures = createFailureLog({ log, message: 'writer step failed: retrying next tick', intervalMs: LOG_REPEAT_MS, keyField: 'stage' });
    this.eventStats = createEventStatsRecorder({
      redis,
      canvasId: config.canvasId,
      log,
      gaps: metrics.statsGaps,
      onError: (error) => this.report(WriterStage.Stats, error),
    });
    this.broadcaster = createDeltaBroadcaster({ redis: emitterRedis, canvasId: config.canvasId, wireFormat: config.wireFormat });
    this.lease = createLeaderLease({
      redis,
      canvasId: config.canvasId,
      writerId: config.writerId,
      ttlMs: config.lockTtlMs,
      onLost: (reason) => this.steppedDown(reason),
      onRenewError: (error) => this.report(WriterStage.Renew, error),
    });
  }

  get isLeader(): boolean {
    return this.lease.held;
  }

  get state(): WriterState | undefined {
    return this.lease.held ? this.current?.state : undefined;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.log.info({ writerId: this.config.writerId, canvasId: this.config.canvasId }, 'writer started: waiting for leadership');
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
    await this.eventStats.settled();
    const wasLeader = this.lease.held;
    try {
      await this.lease.release();
    } catch (error) {
      // The lock expires by itself; the standby just waits for the TTL.
      this.report(WriterStage.Release, error);
    }
    if (wasLeader) this.steppedDown('stopped', true);
    this.failures.flush();
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const startedAt = Date.now();
      this.ticking = this.tick()
        .catch((error: unknown) => this.report(this.stage, error))
        .finally(() => {
          this.ticking = undefined;
          if (this.running) this.schedule(this.nextTickDelay(startedAt));
        });
    }, delayMs);
  }

  /**
   * The tick interval, except that a standby which learnt when the leader's lock expires tries
   * again right then: a dead leader is replaced after the lock's TTL, not after TTL + a tick.
   */
  private nextTickDelay(startedAt: number): number {
    const delay = Math.max(0, this.config.tickMs - (Date.now() - startedAt));
    const freeIn = this.leaseFreeInMs;
    this.leaseFreeInMs = undefined;
    if (freeIn === undefined || this.lease.held) return delay;
    // +1: Redis treats a key as expired only once its expiry time has passed.
    return Math.min(delay, freeIn + 1);
  }

  private async tick(): Promise<void> {
    // Disconnected: every command would fail at once. The lease expires by itself if this lasts.
    if (this.redis.status !== 'ready') return;
    if (!this.lease.held) {
      this.stage = WriterStage.Acquire;
      const attempt = await this.lease.tryAcquire();
      if (!attempt.held) {
        this.leaseFreeInMs = attempt.freeInMs;
        return;
      }
      this.metrics.isLeader.set(1);
      this.metrics.leadershipChanges.inc({ to: 'leader' });
      this.current = undefined;
      this.unsent = undefined;
    }
    const startedAt = performance.now();
    try {
      await this.leaderTick();
    } finally {
      this.metrics.tickDuration.observe((performance.now() - startedAt) / 1000);
    }
  }

  private async leaderTick(): Promise<void> {
    if (!this.current && !(await this.load())) return;
    if (this.unsent && !(await this.send(this.unsent))) return;
    // Leadership can be lost during any await; `current` is cleared then.
    if (!this.current) return;
    if (Date.now() >= this.nextSyncAt && (await this.syncTick(this.current))) return;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- cleared by a lease loss during the await
    if (!this.current) return;
    await this.deltaTick(this.current);
  }

  /** Takeover: continue from the persisted state (re-sending its last delta), or begin an epoch. */
  private async load(): Promise<boolean> {
    this.stage = WriterStage.Takeover;
    const stored = await readWriterState(this.redis, this.config.canvasId);
    const committed = this.lastCommitted;
    // eslint-disable-next-line @typescript-eslint/prefer-optional-chain -- both must exist; `?.` would let two missing epochs compare equal
    if (stored.state && committed && stored.state.epoch === committed.epoch && stored.state.seq < committed.seq) {
      // Redis came back without deltas this writer committed and broadcast (a failover to a lagging
      // replica, an older AOF): their numbers would be reused for other content, so begin anew
      // (invariant 7). Clients refetch once and are right again at once, not at the next sync.
      const reason = `Redis lost deltas ${stored.state.seq + 1}..${committed.seq} (rolled back)`;
      if (!(await this.startEpoch(stored.fence, reason))) return false;
    } else if (stored.state) {
      const { state } = stored;
      this.current = { state, fence: stored.fence };
      this.lastEpoch = state.epoch;
      this.metrics.sequence.set(state.seq);
      this.nextSyncAt = Date.now(); // let clients check themselves right after a takeover
      if (state.lastDelta) {
        // The previous leader may have died between committing it and broadcasting it; clients that
        // already applied it ignore the copy.
        const decoded = decodeDelta(state.lastDelta);
        if (decoded.ok) {
          const { epoch, seq, start, end, chunks } = decoded.value;
          const pixels = chunks.reduce((sum, chunk) => sum + chunk.offsets.length, 0);
          this.unsent = { bytes: state.lastDelta, report: { epoch, seq, start, end, pixels, resent: true }, oldestMs: undefined };
        } else {
          this.log.warn({ err: decoded.error.message }, 'the stored last delta cannot be decoded: not re-sending it');
        }
      }
      this.log.info({ epoch: state.epoch, seq: state.seq, cursor: formatPosition(state.cursor) }, 'leading: resuming from the stored state');
    } else {
      // No state: a new canvas, or a snapshot restore deleted it (or it is damaged).
      const reason = stored.damaged ? 'the stored writer state is damaged' : 'no writer state';
      if (!(await this.startEpoch(stored.fence, reason))) return false;
    }
    const { epoch, seq } = this.current!.state;
    this.eventStats.catchUp(this.current!.state.cursor); // a leader that died between its delta and its stats
    this.emit('leader', { epoch, seq });
    return true;
  }

  /**
   * Begins a new epoch (clients refetch their canvas when they see it). Its first delta re-sends
   * the newest event, so every client hears of the epoch at once rather than at the next placement,
   * and the cursor is always the id of an entry that was read (see readEventPage). That delta goes
   * out as `unsent`, first thing in the tick.
   */
  private async startEpoch(expected: WriterFence, reason: string): Promise<boolean> {
    this.stage = WriterStage.Takeover;
    const newest = await readNewestEvent(this.redis, this.config.canvasId);
    let epoch = randomInt(1, 0x1_0000_0000);
    while (epoch === this.lastEpoch) epoch = randomInt(1, 0x1_0000_0000);
    let next: WriterState = { epoch, seq: 0, cursor: ZERO_POSITION, lastDelta: undefined };
    let first: Pending | undefined;
    if (newest.last) {
      const coalescer = createCoalescer();
      coalescer.add(newest.events);
      const delta: Delta = {
        epoch,
        seq: 1,
        start: positionBefore(newest.last),
        end: newest.last,
        configVersion: await this.configVersion(),
        chunks: coalescer.build(),
      };
      const bytes = encodeDelta(delta);
      next = { epoch, seq: 1, cursor: newest.last, lastDelta: bytes };
      first = { bytes, report: { epoch, seq: 1, start: delta.start, end: delta.end, pixels: coalescer.pixels, resent: false }, oldestMs: undefined };
    }
    this.stage = WriterStage.Commit;
    if (!(await this.commit(expected, next))) return false;
    this.unsent = first;
    this.eventStats.catchUp(next.cursor); // the events the new epoch's cursor jumped over
    if (first) {
      this.metrics.deltas.inc();
      this.metrics.deltaPixels.observe(first.report.pixels);
    }
    this.nextSyncAt = Date.now();
    const details = { epoch, previousEpoch: this.lastEpoch, cursor: formatPosition(next.cursor), reason };
    // Only a canvas no writer ever served starts quietly; anything else makes clients refetch.
    if (!expected.epoch && this.lastEpoch === undefined) this.log.info(details, 'leading: new epoch');
    else this.log.warn(details, 'new epoch: clients will refetch the canvas');
    this.lastEpoch = epoch;
    this.emit('epoch', { epoch, reason });
    return true;
  }

  /** One ordinary tick: everything after the cursor (up to the batch limit) in one delta; nothing when idle. */
  private async deltaTick({ state, fence }: { state: WriterState; fence: WriterFence }): Promise<void> {
    if (state.seq >= MAX_SEQ) {
      await this.startEpoch(fence, 'the sequence number is exhausted');
      return;
    }
    this.stage = WriterStage.Read;
    // The fence check rides in the same round trip (auto-pipelining): a snapshot restore deletes
    // the state, and clients should hear of the new epoch without waiting for a placement.
    const [stored, window] = await Promise.all([readWriterFence(this.redis, this.config.canvasId), this.readWindow(state.cursor, undefined)]);
    if (stored.epoch !== fence.epoch || stored.seq !== fence.seq) {
      this.log.warn({ stored, expected: fence }, 'writer state changed under this leader: reloading it');
      this.current = undefined;
      return;
    }
    if (window.lost) {
      await this.startEpoch(fence, 'events were trimmed from the stream before they were broadcast');
      return;
    }
    if (window.entries === 0 || !window.last) {
      this.metrics.lag.set(0);
      return;
    }
    await this.emitDelta(state, fence, window, window.last);
  }

  /**
   * A sync describes the canvas exactly at the end of delta `afterSeq`: read the canvas and its
   * position P atomically, first send a delta that ends exactly at P, then the checksums at P.
   * Returns false when the tick should go on as an ordinary delta tick.
   */
  private async syncTick({ state, fence }: { state: WriterState; fence: WriterFence }): Promise<boolean> {
    this.stage = WriterStage.Sync;
    const frame = await readCanvas(this.redis, this.config.canvasId);
    if (!frame) {
      this.nextSyncAt = Date.now() + this.config.syncIntervalMs;
      return false;
    }
    const order = comparePositions(frame.position, state.cursor);
    if (order < 0) {
      await this.startEpoch(fence, 'the stream ends before the writer cursor (stream replaced?)');
      return true;
    }
    if (order > 0) {
      if (state.seq >= MAX_SEQ) return false;
      this.stage = WriterStage.Read;
      const window = await this.readWindow(state.cursor, frame.position);
      if (window.lost) {
        await this.startEpoch(fence, 'events were trimmed from the stream before they were broadcast');
        return true;
      }
      if (window.entries === 0 || !window.last) return false; // the newest entry was deleted meanwhile: sync next tick
      const complete = !window.full || comparePositions(window.last, frame.position) === 0;
      if (!(await this.emitDelta(state, fence, window, complete ? frame.position : window.last))) return true;
      // A backlog or an unsent delta: the sync waits until clients can be at P.
      if (!complete || this.unsent) return true;
    }
    this.stage = WriterStage.Sync;
    const { columns, rows } = chunkGrid(frame.width, frame.height);
    const data = new Map(frame.chunks.map((chunk) => [chunkId(chunk.cx, chunk.cy), chunk.bytes]));
    const checksums: ChunkChecksum[] = [];
    for (let cy = 0; cy < rows; cy++) {
      for (let cx = 0; cx < columns; cx++) checksums.push({ cx, cy, checksum: chunkChecksum(data.get(chunkId(cx, cy))) });
    }
    const after = this.current;
    if (!after) return true; // leadership lost meanwhile
    const { epoch, seq } = after.state;
    const bytes = encodeSync({ epoch, afterSeq: seq, position: frame.position, configVersion: frame.configVersion, checksums });
    this.stage = WriterStage.Broadcast;
    await this.broadcaster.sync(bytes);
    this.metrics.syncs.inc();
    this.nextSyncAt = Date.now() + this.config.syncIntervalMs;
    this.emit('sync', { epoch, afterSeq: seq, position: frame.position, chunks: checksums.length });
    return true;
  }

  /** Reads (after, until] in pages, folding as it goes, up to maxEventsPerTick entries. */
  private async readWindow(after: StreamPosition, until: StreamPosition | undefined): Promise<Window> {
    const coalescer = createCoalescer();
    const events: PlacementEvent[] = [];
    const max = this.config.maxEventsPerTick;
    let position = after;
    let entries = 0;
    let malformed = 0;
    let last: StreamPosition | undefined;
    let oldestMs: number | undefined;
    while (entries < max) {
      const want = Math.min(PAGE_SIZE, max - entries);
      const page = await readEventPage(this.redis, this.config.canvasId, position, want, until);
      if (page.lost) return { lost: true, entries, malformed, last, oldestMs, full: false, coalescer, events };
      if (page.entries === 0) break;
      if (!page.last) throw new Error('the event stream returned an id that is not a stream position');
      malformed += page.malformed + coalescer.add(page.events);
      for (const event of page.events) events.push(event);
      oldestMs ??= page.events[0]?.position.ms ?? page.last.ms;
      entries += page.entries;
      last = position = page.last;
      if (page.entries < want) break;
    }
    return { lost: false, entries, malformed, last, oldestMs, full: entries >= max, coalescer, events };
  }

  /** Commit first (fenced), then broadcast. False when the commit was refused. */
  private async emitDelta(state: WriterState, fence: WriterFence, window: Window, end: StreamPosition): Promise<boolean> {
    if (window.oldestMs !== undefined) this.metrics.lag.set(Math.max(0, Date.now() - window.oldestMs) / 1000);
    this.stage = WriterStage.Read;
    const configVersion = await this.configVersion();
    const delta: Delta = {
      epoch: state.epoch,
      seq: state.seq + 1,
      start: state.cursor,
      end,
      configVersion,
      chunks: window.coalescer.build(),
    };
    const bytes = encodeDelta(delta);
    this.stage = WriterStage.Commit;
    if (!(await this.commit(fence, { epoch: delta.epoch, seq: delta.seq, cursor: end, lastDelta: bytes }))) return false;
    const pixels = window.coalescer.pixels;
    this.metrics.events.inc(window.entries - window.malformed);
    this.metrics.malformedEvents.inc(window.malformed);
    this.metrics.deltaPixels.observe(pixels);
    this.metrics.deltas.inc();
    const report: DeltaReport = { epoch: delta.epoch, seq: delta.seq, start: delta.start, end, pixels, resent: false };
    await this.send({ bytes, report, oldestMs: window.oldestMs });
    this.eventStats.record(window.events, delta.start, end);
    return true;
  }

  /** The fenced commit; on success `current` becomes `next`. */
  private async commit(expected: WriterFence, next: WriterState): Promise<boolean> {
    let outcome: CommitOutcome;
    try {
      outcome = await commitWriterState(this.redis, this.config.canvasId, this.config.writerId, expected, next);
    } catch (error) {
      // It may or may not have landed: reload the state before doing anything else.
      this.current = undefined;
      throw error;
    }
    switch (outcome) {
      case 'committed':
        this.current = { state: next, fence: fenceOf(next) };
        this.lastCommitted = { epoch: next.epoch, seq: next.seq };
        this.metrics.sequence.set(next.seq);
        return true;
      case 'not-leader':
        this.lease.drop('a fenced commit found the lock held by another writer');
        return false;
      case 'conflict':
        this.log.warn({ seq: next.seq }, 'writer state changed under this leader: reloading it');
        this.current = undefined;
        return false;
    }
  }

  private async send(pending: Pending): Promise<boolean> {
    this.stage = WriterStage.Broadcast;
    try {
      await this.broadcaster.delta(pending.bytes, pending.report.end);
    } catch (error) {
      // Committed but not sent: sent again first thing next tick (clients ignore a seq they have).
      this.unsent = pending;
      this.report(WriterStage.Broadcast, error);
      return false;
    }
    if (this.unsent === pending) this.unsent = undefined;
    if (pending.oldestMs !== undefined) this.metrics.deltaAge.observe(Math.max(0, Date.now() - pending.oldestMs) / 1000);
    this.emit('delta', pending.report);
    return true;
  }

  private async configVersion(): Promise<number> {
    return readConfigVersion(this.redis, this.config.canvasId);
  }

  private steppedDown(reason: string, quietly = false): void {
    this.current = undefined;
    this.unsent = undefined;
    this.metrics.isLeader.set(0);
    this.metrics.lag.set(0);
    this.metrics.leadershipChanges.inc({ to: 'standby' });
    if (quietly) this.log.info({ reason }, 'no longer leading');
    else this.log.warn({ reason }, 'lost leadership');
    this.emit('standby', { reason });
  }

  private report(stage: WriterStage, error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    this.metrics.errors.inc({ stage });
    this.failures.failed(stage, err);
    if (this.listenerCount('error') > 0) this.emit('error', err, stage);
  }
}

/** The stream position just before `position` (0-0 stays 0-0). */
export function positionBefore(position: StreamPosition): StreamPosition {
  if (position.seq > 0) return { ms: position.ms, seq: position.seq - 1 };
  if (position.ms > 0) return { ms: position.ms - 1, seq: MAX_SEQ };
  return position;
}
