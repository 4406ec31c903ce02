import { hostname } from 'node:os';
import { LIMITS, WireFormat } from '@tessera/protocol';
import { EnvReader, readCommonConfig, type CommonConfig, type Env } from '@tessera/runtime';

export const WRITER_DEFAULTS = {
  /** `/healthz`, `/readyz`, `/metrics`. */
  httpPort: 9091,
  /** Delta interval: every pixel changed in this window travels in one delta. */
  tickMs: 500,
  /** Interval between checksum syncs (each reads the whole canvas once). */
  syncIntervalMs: 60_000,
  /**
   * Leadership lock lifetime: a standby takes over at most this long after a leader dies (it
   * retries the moment the lock expires). The leader renews every quarter of it, so it rides out
   * a stall of up to ~1.9 s (GC pause, slow Redis) without losing the lead.
   */
  lockTtlMs: 2_500,
  /** auto: each frame as base64 text or binary, whichever is fewer bytes (both cost a gateway one write per socket; see BENCHMARKS.md). */
  deltaWireFormat: WireFormat.Auto,
  /** Events folded into one delta; a larger backlog is sent over several ticks. */
  maxEventsPerTick: 200_000,
} as const;

/** Bounds that keep the loop sane; outside them the service refuses to start. */
export const WRITER_LIMITS = {
  minTickMs: 50,
  maxTickMs: 60_000,
  minSyncIntervalMs: 100,
  maxSyncIntervalMs: 86_400_000,
  minLockTtlMs: 1_000,
  maxLockTtlMs: 600_000,
  /** A delta can carry no more pixels than clients accept. */
  maxEventsPerTick: LIMITS.maxDeltaPixels,
  maxWriterIdLength: 128,
} as const;

/** What the writer loop needs; the rest of WriterConfig is wiring. */
export interface WriterLoopConfig {
  readonly canvasId: string;
  /** Identity written into the leadership lock; unique per process. */
  readonly writerId: string;
  readonly tickMs: number;
  readonly syncIntervalMs: number;
  readonly lockTtlMs: number;
  readonly wireFormat: WireFormat;
  readonly maxEventsPerTick: number;
}

export interface WriterConfig extends CommonConfig, WriterLoopConfig {
  readonly httpPort: number;
}

const WRITER_ID = /^[\x21-\x7e]+$/;

/** Reads and validates the writer's environment; throws one ConfigError naming every bad variable. */
export function loadWriterConfig(env: Env): WriterConfig {
  const reader = new EnvReader(env);
  const common = readCommonConfig(reader);
  const writerId = reader.string('WRITER_ID', `${hostname()}-${process.pid}`);
  if (writerId.length > WRITER_LIMITS.maxWriterIdLength || !WRITER_ID.test(writerId)) {
    reader.problem(`WRITER_ID must be 1 to ${WRITER_LIMITS.maxWriterIdLength} printable characters without spaces, got ${JSON.stringify(writerId)}`);
  }
  const tickMs = reader.integer('TICK_MS', WRITER_DEFAULTS.tickMs, { min: WRITER_LIMITS.minTickMs, max: WRITER_LIMITS.maxTickMs });
  const syncIntervalMs = reader.integer('SYNC_INTERVAL_MS', WRITER_DEFAULTS.syncIntervalMs, {
    min: WRITER_LIMITS.minSyncIntervalMs,
    max: WRITER_LIMITS.maxSyncIntervalMs,
  });
  if (syncIntervalMs < tickMs) reader.problem(`SYNC_INTERVAL_MS (${syncIntervalMs}) must not be shorter than TICK_MS (${tickMs})`);
  const config: WriterConfig = {
    ...common,
    httpPort: reader.port('HTTP_PORT', WRITER_DEFAULTS.httpPort),
    writerId,
    tickMs,
    syncIntervalMs,
    lockTtlMs: reader.integer('LOCK_TTL_MS', WRITER_DEFAULTS.lockTtlMs, { min: WRITER_LIMITS.minLockTtlMs, max: WRITER_LIMITS.maxLockTtlMs }),
    wireFormat: reader.oneOf('DELTA_WIRE_FORMAT', Object.values(WireFormat), WRITER_DEFAULTS.deltaWireFormat),
    maxEventsPerTick: reader.integer('MAX_EVENTS_PER_TICK', WRITER_DEFAULTS.maxEventsPerTick, { min: 1, max: WRITER_LIMITS.maxEventsPerTick }),
  };
  reader.finish();
  return Object.freeze(config);
}
