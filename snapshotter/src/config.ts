import { DEFAULT_PALETTE, LIMITS, paletteProblem } from '@tessera/protocol';
import { EnvReader, readCommonConfig, type CommonConfig, type Env } from '@tessera/runtime';
import type { CanvasDefaults } from '@tessera/store';
import type { S3Settings } from './object-store.js';

export const SNAPSHOTTER_DEFAULTS = {
  /** `/healthz`, `/readyz`, `/metrics`. */
  httpPort: 9092,
  /** Key prefix inside the bucket; each canvas gets `<prefix><canvasId>/`. */
  s3Prefix: 'tessera/',
  s3Region: 'us-east-1',
  /** Path-style addressing (MinIO and most local servers need it; AWS does not). */
  s3ForcePathStyle: false,
  /** Socket timeout of one S3 request. */
  s3RequestTimeoutMs: 30_000,
  /** Interval between snapshots: the most placements a Redis loss without AOF can cost. */
  snapshotIntervalMs: 10_000,
  /**
   * How long a job's lock lives without renewal (BullMQ renews it every half). A snapshotter killed
   * mid-job holds the queue (one job at a time) until its lock lapses and a stalled check hands
   * the job to another replica: at most about lock + stalled check after the kill. Raise it only
   * if a snapshot blocks the event loop for more than half of it (very large canvases).
   */
  snapshotLockMs: 10_000,
  /** How often the replicas look for jobs whose lock lapsed (the queue runs one check per period). */
  snapshotStalledCheckMs: 5_000,
  /**
   * The snapshot-age check (`/checks/snapshot-age`) fails when the newest confirmed snapshot is
   * older than this many intervals; tessera_snapshot_age_seconds carries the age itself.
   */
  snapshotMaxAgeIntervals: 3,
  /**
   * How long SIGTERM waits for a running job before abandoning it (a stalled job is retried
   * elsewhere); with 5 s to close connections this fits Kubernetes' default 30 s grace period.
   */
  shutdownTimeoutMs: 20_000,
  /** As the gateway: the canvas created when Redis and S3 are both empty. */
  canvasWidth: 1000,
  canvasHeight: 1000,
  canvasCooldownMs: 300_000,
  /** The gateways' CANVAS_CACHE_MS: a resync after a restore waits it out. */
  canvasCacheMs: 1_000,
  /** The ffmpeg that renders timelapses (a name on PATH or a path). */
  ffmpegPath: 'ffmpeg',
  /** x264 preset of standard-quality timelapses: slower presets make smaller files. */
  timelapsePreset: 'veryfast',
  /** How long a download link of a history artifact stays valid. */
  historyLinkTtlSeconds: 900,
} as const;

/** x264's presets, fastest first. */
export const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'] as const;

/** Bounds outside which the service refuses to start. */
export const SNAPSHOTTER_LIMITS = {
  minSnapshotIntervalMs: 100,
  maxSnapshotIntervalMs: 86_400_000,
  minS3RequestTimeoutMs: 100,
  maxS3RequestTimeoutMs: 600_000,
  maxShutdownTimeoutMs: 600_000,
  minSnapshotLockMs: 1_000,
  maxSnapshotLockMs: 600_000,
  minSnapshotStalledCheckMs: 500,
  maxSnapshotMaxAgeIntervals: 1_000,
} as const;

export interface SnapshotterConfig extends CommonConfig {
  readonly httpPort: number;
  readonly s3: S3Settings & { readonly prefix: string };
  readonly snapshotIntervalMs: number;
  /** BullMQ lockDuration of every job. */
  readonly snapshotLockMs: number;
  /** BullMQ stalledInterval. */
  readonly snapshotStalledCheckMs: number;
  readonly snapshotMaxAgeIntervals: number;
  readonly shutdownTimeoutMs: number;
  readonly canvasDefaults: CanvasDefaults;
  /** How long gateways serve one canvas read (their CANVAS_CACHE_MS). */
  readonly canvasCacheMs: number;
  /** Timelapses, heatmaps and datasets (history-jobs-worker.ts). */
  readonly history: {
    readonly ffmpegPath: string;
    readonly timelapsePreset: string;
    /** The salt of the user hashes in datasets (a secret); unset: dataset exports fail saying so. */
    readonly datasetUserSalt: string | undefined;
    readonly linkTtlSeconds: number;
    /** The S3 endpoint as browsers reach it, for download links; unset: S3_ENDPOINT (or AWS). */
    readonly downloadEndpoint: string | undefined;
  };
}

// Loose on purpose: legacy AWS buckets and some S3-compatible servers allow capitals and underscores.
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/;

/** Reads and validates the snapshotter's environment; throws one ConfigError naming every bad variable. */
export function loadSnapshotterConfig(env: Env): SnapshotterConfig {
  const reader = new EnvReader(env);
  const common = readCommonConfig(reader);
  const bucket = reader.required('S3_BUCKET', (value) => (BUCKET.test(value) ? undefined : 'must be a bucket name (3 to 255 of A-Z a-z 0-9 . _ -)'));
  let prefix = reader.string('S3_PREFIX', SNAPSHOTTER_DEFAULTS.s3Prefix);
  if (prefix.startsWith('/')) reader.problem(`S3_PREFIX must not start with /, got ${JSON.stringify(prefix)}`);
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  const endpoint = reader.optionalString('S3_ENDPOINT');
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) reader.problem(`S3_ENDPOINT must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  const palette = reader.list('CANVAS_PALETTE', DEFAULT_PALETTE).map((color) => color.toLowerCase());
  const problem = paletteProblem(palette);
  if (problem) reader.problem(`CANVAS_PALETTE ${problem}`);
  const salt = reader.optionalString('DATASET_USER_SALT');
  if (salt !== undefined && salt.length < 16)
    reader.problem('DATASET_USER_SALT must be at least 16 characters (it keeps user hashes from being reversed by guessing ids)');
  const preset = reader.string('TIMELAPSE_PRESET', SNAPSHOTTER_DEFAULTS.timelapsePreset);
  if (!(X264_PRESETS as readonly string[]).includes(preset))
    reader.problem(`TIMELAPSE_PRESET must be one of ${X264_PRESETS.join(', ')}, got ${JSON.stringify(preset)}`);
  const downloadEndpoint = reader.optionalString('HISTORY_DOWNLOAD_ENDPOINT');
  if (downloadEndpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(downloadEndpoint)) {
    reader.problem(`HISTORY_DOWNLOAD_ENDPOINT must be an http(s) URL, got ${JSON.stringify(downloadEndpoint)}`);
  }
  const history = {
    ffmpegPath: reader.string('FFMPEG_PATH', SNAPSHOTTER_DEFAULTS.ffmpegPath),
    timelapsePreset: preset,
    datasetUserSalt: salt,
    linkTtlSeconds: reader.integer('HISTORY_LINK_TTL_SECONDS', SNAPSHOTTER_DEFAULTS.historyLinkTtlSeconds, { min: 10, max: 604_800 }),
    downloadEndpoint,
  };
  const config: SnapshotterConfig = {
    ...common,
    history: Object.freeze(history),
    httpPort: reader.port('HTTP_PORT', SNAPSHOTTER_DEFAULTS.httpPort),
    s3: {
      bucket,
      prefix,
      region: reader.string('S3_REGION', SNAPSHOTTER_DEFAULTS.s3Region),
      endpoint,
      forcePathStyle: reader.boolean('S3_FORCE_PATH_STYLE', SNAPSHOTTER_DEFAULTS.s3ForcePathStyle),
      requestTimeoutMs: reader.integer('S3_REQUEST_TIMEOUT_MS', SNAPSHOTTER_DEFAULTS.s3RequestTimeoutMs, {
        min: SNAPSHOTTER_LIMITS.minS3RequestTimeoutMs,
        max: SNAPSHOTTER_LIMITS.maxS3RequestTimeoutMs,
      }),
    },
    snapshotIntervalMs: reader.integer('SNAPSHOT_INTERVAL_MS', SNAPSHOTTER_DEFAULTS.snapshotIntervalMs, {
      min: SNAPSHOTTER_LIMITS.minSnapshotIntervalMs,
      max: SNAPSHOTTER_LIMITS.maxSnapshotIntervalMs,
    }),
    snapshotLockMs: reader.integer('SNAPSHOT_LOCK_MS', SNAPSHOTTER_DEFAULTS.snapshotLockMs, {
      min: SNAPSHOTTER_LIMITS.minSnapshotLockMs,
      max: SNAPSHOTTER_LIMITS.maxSnapshotLockMs,
    }),
    snapshotStalledCheckMs: reader.integer('SNAPSHOT_STALLED_CHECK_MS', SNAPSHOTTER_DEFAULTS.snapshotStalledCheckMs, {
      min: SNAPSHOTTER_LIMITS.minSnapshotStalledCheckMs,
      max: SNAPSHOTTER_LIMITS.maxSnapshotLockMs,
    }),
    snapshotMaxAgeIntervals: reader.integer('SNAPSHOT_MAX_AGE_INTERVALS', SNAPSHOTTER_DEFAULTS.snapshotMaxAgeIntervals, {
      min: 2,
      max: SNAPSHOTTER_LIMITS.maxSnapshotMaxAgeIntervals,
    }),
    shutdownTimeoutMs: reader.integer('SHUTDOWN_TIMEOUT_MS', SNAPSHOTTER_DEFAULTS.shutdownTimeoutMs, {
      min: 0,
      max: SNAPSHOTTER_LIMITS.maxShutdownTimeoutMs,
    }),
    canvasCacheMs: reader.integer('CANVAS_CACHE_MS', SNAPSHOTTER_DEFAULTS.canvasCacheMs, { min: 0, max: 60_000 }),
    canvasDefaults: {
      width: reader.integer('CANVAS_WIDTH', SNAPSHOTTER_DEFAULTS.canvasWidth, { min: LIMITS.minCanvasSide, max: LIMITS.maxCanvasSide }),
      height: reader.integer('CANVAS_HEIGHT', SNAPSHOTTER_DEFAULTS.canvasHeight, { min: LIMITS.minCanvasSide, max: LIMITS.maxCanvasSide }),
      palette,
      cooldownMs: reader.integer('CANVAS_COOLDOWN_MS', SNAPSHOTTER_DEFAULTS.canvasCooldownMs, { min: 0, max: LIMITS.maxCooldownMs }),
    },
  };
  // A check slower than the lock would let a dead job hold the queue for up to two checks past it.
  if (config.snapshotStalledCheckMs > config.snapshotLockMs) {
    reader.problem(`SNAPSHOT_STALLED_CHECK_MS (${config.snapshotStalledCheckMs}) must not exceed SNAPSHOT_LOCK_MS (${config.snapshotLockMs})`);
  }
  reader.finish();
  return Object.freeze(config);
}
