/**
 * What the snapshot queue carries: names, job data and results. Shared by the worker and by
 * snapshot-client.ts, so it imports nothing from the S3 side.
 */
import type { SnapshotInfo } from '@tessera/protocol';

/**
 * Prefix of the queue's Redis keys. The braces make it a hash tag: every key of the queue lands in
 * one Redis Cluster slot, which BullMQ's Lua scripts require.
 */
export const SNAPSHOT_QUEUE_PREFIX = '{tessera-bull}';

/** One queue per canvas. */
export function snapshotQueueName(canvasId: string): string {
  return `tessera-snapshots-${canvasId}`;
}

/** Id of the job scheduler that snapshots every interval (one per queue, shared by all replicas). */
export const SNAPSHOT_SCHEDULER_ID = 'snapshot-every-interval';

/** Job names, also the `job` label of `tessera_snapshot_failures_total`. */
export const SnapshotJob = {
  Snapshot: 'snapshot',
  Restore: 'restore',
  List: 'list',
  Region: 'region',
} as const;
export type SnapshotJob = (typeof SnapshotJob)[keyof typeof SnapshotJob];

export interface RestoreJobData {
  /** A binary snapshot key as `list` returns it (`snapshots/….tsnap`). */
  readonly key: string;
}

/** A rectangle of a canvas, in pixels. */
export interface RegionRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface RegionJobData {
  readonly key: string;
  readonly rect: RegionRect;
}

/** The most pixels one region read returns (the result travels through Redis). */
export const MAX_REGION_PIXELS = 4_194_304;

export interface RegionResult {
  readonly width: number;
  readonly height: number;
  /** Palette indices, row by row, base64 (pixels outside the snapshot's canvas: 0). */
  readonly pixels: string;
}

export interface ListJobData {
  /** Newest first, at most this many (default 100). */
  readonly limit?: number;
}

/** One snapshot in the bucket. Keys are relative to the canvas's folder. */
/** Shared with the admin API, which lists snapshots through the client. */
export type { SnapshotInfo };

export type SnapshotResult =
  | {
      readonly taken: true;
      readonly key: string;
      readonly pngKey: string;
      readonly position: string;
      readonly configVersion: number;
      readonly bytes: number;
      readonly pngBytes: number;
      /** Placements archived to history by this job. */
      readonly eventsArchived: number;
      readonly durationMs: number;
      /**
       * Where the time went: the atomic Redis read, the unchanged check (reading latest.json), the
       * history archive, encoding (binary and PNG, side by side), and the S3 writes.
       */
      readonly timings: {
        readonly readMs: number;
        readonly checkMs: number;
        readonly archiveMs: number;
        readonly encodeMs: number;
        readonly uploadMs: number;
      };
    }
  | {
      readonly taken: false;
      /** `unchanged`: same position and content as the newest snapshot; `no-canvas`: Redis holds none. */
      readonly reason: 'unchanged' | 'no-canvas';
      /** The newest snapshot, when there is one. */
      readonly key?: string;
    };

export interface RestoreResult {
  /** The snapshot restored. */
  readonly key: string;
  /** Config version now in Redis (above both the old canvas's and the snapshot's). */
  readonly configVersion: number;
  readonly width: number;
  readonly height: number;
  readonly chunks: number;
  readonly durationMs: number;
  /** The snapshot of the canvas as it was just before the restore (undo by restoring it). */
  readonly before?: string;
  /** The snapshot recording the restored canvas (undefined if writing it failed; the next scheduled one will). */
  readonly after?: string;
}

export interface ListResult {
  readonly snapshots: readonly SnapshotInfo[];
}
