// Snapshot failures crossing BullMQ: a real snapshot worker (snapshotter/src) and the gateway's
// snapshot access on a real redis-server. The HTTP status follows the failure's code, never the
// wording of its message.
import assert from 'node:assert/strict';
import { AdminErrorCode, SnapshotFailureCode } from '@tessera/protocol';
import { createLogger, createRedisClient, waitForRedis } from '@tessera/runtime';
import { createSnapshotMetrics, createSnapshotWorker, SnapshotRequestError, type SnapshotService, type SnapshotWorker } from '@tessera/snapshotter';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { useRedis } from '../../test-support/index.js';
import { loadSnapshotAccess, SNAPSHOT_FAILURE_STATUS, SnapshotFailure, type SnapshotAccess } from '../src/admin/snapshot-access.js';

const log = createLogger('snapshot-failures-test', (process.env.TEST_LOG_LEVEL as 'silent' | undefined) ?? 'silent');

describe('snapshot failures reaching the admin API', function () {
  this.timeout(90_000);
  let connections: Redis[] = [];
  let worker: SnapshotWorker | undefined;
  let access: SnapshotAccess | undefined;
  /** What the snapshotter's restore throws next. */
  let failWith: Error = new Error('unset');
  // Registered before useRedis, whose own `after` stops the server: these close while it still runs.
  after(async () => {
    await access?.close();
    await worker?.close(5_000);
    connections.forEach((connection) => connection.disconnect());
    connections = [];
  });

  const server = useRedis();

  before(async () => {
    const connect = async (failFast: boolean): Promise<Redis> => {
      const client = createRedisClient({ url: server.url, sentinels: [], sentinelMaster: 'mymaster' }, log, {
        name: 'snapshot-failures',
        failFast,
        autoPipelining: false,
      });
      await waitForRedis(client, 5_000);
      connections.push(client as Redis);
      return client as Redis;
    };
    // Only restore is called: the job's failure is what this test is about.
    const service: SnapshotService = {
      // The schedule's first run: nothing to snapshot, so nothing retries beside the test's jobs.
      take: () => Promise.resolve({ taken: false, reason: 'no-canvas' }),
      restore: () => Promise.reject(failWith),
      restoreNewestIfMissing: () => Promise.reject(new Error('not used')),
      list: () => Promise.reject(new Error('not used')),
      readRegion: () => Promise.reject(new Error('not used')),
      latest: () => Promise.resolve(undefined),
    };
    worker = createSnapshotWorker({
      connection: await connect(false),
      canvasId: 'failures',
      intervalMs: 3_600_000,
      service,
      log,
      metrics: createSnapshotMetrics(new Registry()),
    });
    await worker.start();
    access = await loadSnapshotAccess({ connection: await connect(true), canvasId: 'failures', timeoutMs: 30_000 });
  });

  const statusOfRestore = async (error: Error): Promise<{ code: SnapshotFailureCode; status: number; message: string }> => {
    failWith = error;
    try {
      await access!.restore('snapshots/1000000000000_0000000000000-0000000000.tsnap');
    } catch (failure) {
      assert.ok(failure instanceof SnapshotFailure, `a SnapshotFailure, not ${String(failure)}`);
      return { code: failure.code, status: SNAPSHOT_FAILURE_STATUS[failure.code].status, message: failure.message };
    }
    assert.fail('the restore was expected to fail');
  };

  it('answers 404 for a missing snapshot whatever its message says', async () => {
    for (const message of ['snapshot x does not exist', 'Das Objekt fehlt', '']) {
      const answer = await statusOfRestore(new SnapshotRequestError(message, SnapshotFailureCode.NotFound));
      assert.deepEqual(answer, { code: SnapshotFailureCode.NotFound, status: 404, message });
    }
  });

  it('answers 503 for a failure whose message merely sounds like a missing snapshot', async () => {
    const bad = await statusOfRestore(new SnapshotRequestError('snapshot x does not exist', SnapshotFailureCode.BadRequest));
    assert.deepEqual(bad, { code: SnapshotFailureCode.BadRequest, status: 503, message: 'snapshot x does not exist' });
    // A failure the snapshotter did not classify (S3 down) is Failed.
    const uncoded = await statusOfRestore(new Error('the object store says the key does not exist'));
    assert.deepEqual(uncoded, { code: SnapshotFailureCode.Failed, status: 503, message: 'the object store says the key does not exist' });
  });

  it('cannot be fooled by a message that imitates a code prefix', async () => {
    const forged = await statusOfRestore(new Error('[SNAPSHOT_NOT_FOUND] from an uncoded error'));
    assert.deepEqual(forged, { code: SnapshotFailureCode.Failed, status: 503, message: '[SNAPSHOT_NOT_FOUND] from an uncoded error' });
  });

  it('maps every code to the admin API error it answers with', () => {
    for (const code of Object.values(SnapshotFailureCode)) {
      const { status, error } = SNAPSHOT_FAILURE_STATUS[code];
      assert.ok(status === 404 ? error === AdminErrorCode.NotFound : status === 503 && error === AdminErrorCode.SnapshotsUnavailable, code);
    }
  });
});
