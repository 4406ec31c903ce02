import { AdminErrorCode, SnapshotFailureCode } from '@tessera/protocol';
import type { SnapshotClient } from '@tessera/snapshotter/client';
import type { RedisConnection } from '@tessera/store';

/**
 * What the admin API needs from the snapshotter: its BullMQ client (`@tessera/snapshotter/client`:
 * jobs on Redis, no S3 credentials in the gateway), with every failure turned into a
 * SnapshotFailure carrying its code. Loaded only when SNAPSHOTS_ENABLED, so a gateway deployed
 * without a snapshotter neither loads BullMQ nor waits for jobs nobody runs.
 */
export type SnapshotAccess = Pick<SnapshotClient, 'list' | 'takeNow' | 'restore' | 'readRegion' | 'close'>;

/** A snapshot job failed, or no snapshotter answered; `code` says why. */
export class SnapshotFailure extends Error {
  override readonly name = 'SnapshotFailure';

  constructor(
    readonly code: SnapshotFailureCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The one place a snapshot failure becomes an HTTP answer: a request naming no snapshot is a 404,
 * everything else means the snapshotter cannot serve it (503). A new code is a compile error here.
 */
export const SNAPSHOT_FAILURE_STATUS: Readonly<Record<SnapshotFailureCode, { readonly status: number; readonly error: AdminErrorCode }>> = {
  [SnapshotFailureCode.BadKey]: { status: 404, error: AdminErrorCode.NotFound },
  [SnapshotFailureCode.NotFound]: { status: 404, error: AdminErrorCode.NotFound },
  [SnapshotFailureCode.Unreadable]: { status: 503, error: AdminErrorCode.SnapshotsUnavailable },
  [SnapshotFailureCode.BadRequest]: { status: 503, error: AdminErrorCode.SnapshotsUnavailable },
  [SnapshotFailureCode.TimedOut]: { status: 503, error: AdminErrorCode.SnapshotsUnavailable },
  [SnapshotFailureCode.Failed]: { status: 503, error: AdminErrorCode.SnapshotsUnavailable },
};

export async function loadSnapshotAccess(options: { connection: RedisConnection; canvasId: string; timeoutMs: number }): Promise<SnapshotAccess> {
  // Imported on demand: a gateway deployed without a snapshotter never loads BullMQ.
  const { createSnapshotClient, SnapshotClientError } = await import('@tessera/snapshotter/client');
  const client = createSnapshotClient(options);
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof SnapshotClientError) throw new SnapshotFailure(error.code, error.message);
      // Not a job's answer (Redis refused the job): the snapshotter cannot be reached.
      throw new SnapshotFailure(SnapshotFailureCode.Failed, error instanceof Error ? error.message : String(error));
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
