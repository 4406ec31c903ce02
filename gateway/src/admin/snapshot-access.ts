import type { Rect, SnapshotInfo } from '@tessera/protocol';
import type { RestoreResult, SnapshotResult } from '@tessera/snapshotter/client';
import type { Redis } from 'ioredis';

/**
 * What the admin API needs from the snapshotter: the BullMQ client of `@tessera/snapshotter/client`
 * (jobs on Redis; no S3 credentials in the gateway). Loaded only when SNAPSHOTS_ENABLED, so a
 * gateway deployed without a snapshotter neither loads BullMQ nor waits for jobs nobody runs.
 */
export interface SnapshotAccess {
  list(): Promise<SnapshotInfo[]>;
  takeNow(): Promise<SnapshotResult>;
  /** Resolves with the config version now in Redis; the snapshotter tells clients to re-read. */
  restore(key: string): Promise<RestoreResult>;
  /**
   * The palette indices of `rect` in a snapshot, width × height bytes row by row (pixels outside
   * the snapshot's canvas: 0).
   */
  readRegion(key: string, rect: Rect): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A snapshot job failed for a reason the caller can act on (no such snapshot). */
export class SnapshotNotFound extends Error {
  override readonly name = 'SnapshotNotFound';
}

/** The snapshotter did not answer, or failed: the endpoint answers 503. */
export class SnapshotsUnavailable extends Error {
  override readonly name = 'SnapshotsUnavailable';
}

export async function loadSnapshotAccess(options: { connection: Redis; canvasId: string; timeoutMs: number }): Promise<SnapshotAccess> {
  // Imported on demand: a gateway deployed without a snapshotter never loads BullMQ.
  const { createSnapshotClient } = await import('@tessera/snapshotter/client');
  const client = createSnapshotClient(options);
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/does not exist|is not a snapshot key/.test(message)) throw new SnapshotNotFound(message);
      throw new SnapshotsUnavailable(message);
    }
  };
  const readRegion = client.readRegion.bind(client);
  return {
    list: () => guard(() => client.list()),
    takeNow: () => guard(() => client.takeNow()),
    restore: (key) => guard(() => client.restore(key)),
    readRegion: (key, rect) => guard(() => readRegion(key, rect)),
    close: () => client.close(),
  };
}
