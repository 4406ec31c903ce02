import type { SnapshotClient } from '@tessera/snapshotter/client';
import type { RedisConnection } from '@tessera/store';

/**
 * What the admin API needs from the snapshotter: its BullMQ client (`@tessera/snapshotter/client`:
 * jobs on Redis, no S3 credentials in the gateway), with failures turned into SnapshotNotFound or
 * SnapshotsUnavailable. Loaded only when SNAPSHOTS_ENABLED, so a gateway deployed without a
 * snapshotter neither loads BullMQ nor waits for jobs nobody runs.
 */
export type SnapshotAccess = Pick<SnapshotClient, 'list' | 'takeNow' | 'restore' | 'readRegion' | 'close'>;

/** A snapshot job failed for a reason the caller can act on (no such snapshot). */
export class SnapshotNotFound extends Error {
  override readonly name = 'SnapshotNotFound';
}

/** The snapshotter did not answer, or failed: the endpoint answers 503. */
export class SnapshotsUnavailable extends Error {
  override readonly name = 'SnapshotsUnavailable';
}

export async function loadSnapshotAccess(options: { connection: RedisConnection; canvasId: string; timeoutMs: number }): Promise<SnapshotAccess> {
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
