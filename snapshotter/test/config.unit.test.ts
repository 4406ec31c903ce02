import assert from 'node:assert/strict';
import { DEFAULT_PALETTE } from '@tessera/protocol';
import { ConfigError } from '@tessera/runtime';
import { loadSnapshotterConfig, SNAPSHOTTER_DEFAULTS } from '../src/config.js';

describe('the snapshotter configuration', () => {
  it('needs only a bucket, and defaults the rest', () => {
    const config = loadSnapshotterConfig({ S3_BUCKET: 'tessera' });
    assert.equal(config.httpPort, 9092);
    assert.equal(config.snapshotIntervalMs, 10_000);
    assert.equal(config.canvasCacheMs, 1_000);
    assert.equal(config.shutdownTimeoutMs, 20_000);
    assert.deepEqual(config.s3, {
      bucket: 'tessera',
      prefix: 'tessera/',
      region: 'us-east-1',
      endpoint: undefined,
      forcePathStyle: false,
      requestTimeoutMs: SNAPSHOTTER_DEFAULTS.s3RequestTimeoutMs,
    });
    assert.deepEqual(config.canvasDefaults, { width: 1000, height: 1000, cooldownMs: 300_000, palette: [...DEFAULT_PALETTE] });
    assert.ok(Object.isFrozen(config));
  });

  it('reads every S3 setting and adds the slash a prefix needs', () => {
    const config = loadSnapshotterConfig({
      S3_BUCKET: 'snaps',
      S3_PREFIX: 'events/2025',
      S3_REGION: 'auto',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_FORCE_PATH_STYLE: 'true',
      SNAPSHOT_INTERVAL_MS: '2500',
      CANVAS_WIDTH: '2000',
      CANVAS_PALETTE: '#FFFFFF,#000000',
    });
    assert.equal(config.s3.prefix, 'events/2025/');
    assert.equal(config.s3.region, 'auto');
    assert.equal(config.s3.endpoint, 'http://127.0.0.1:9000');
    assert.equal(config.s3.forcePathStyle, true);
    assert.equal(config.snapshotIntervalMs, 2500);
    assert.equal(config.canvasDefaults.width, 2000);
    assert.deepEqual(config.canvasDefaults.palette, ['#ffffff', '#000000']);
  });

  it('names every bad variable in one error', () => {
    try {
      loadSnapshotterConfig({
        S3_ENDPOINT: 'minio:9000',
        S3_FORCE_PATH_STYLE: 'sometimes',
        SNAPSHOT_INTERVAL_MS: '5',
        HTTP_PORT: '70000',
        CANVAS_PALETTE: '#fff',
        REDIS_URL: 'localhost',
      });
      assert.fail('accepted');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      for (const name of ['S3_BUCKET', 'S3_ENDPOINT', 'S3_FORCE_PATH_STYLE', 'SNAPSHOT_INTERVAL_MS', 'HTTP_PORT', 'CANVAS_PALETTE', 'REDIS_URL']) {
        assert.match(error.message, new RegExp(name));
      }
    }
  });

  it('bounds how long a killed job holds the queue, and refuses a stalled check slower than the lock', () => {
    const defaults = loadSnapshotterConfig({ S3_BUCKET: 'tessera' });
    assert.equal(defaults.snapshotLockMs, SNAPSHOTTER_DEFAULTS.snapshotLockMs);
    assert.equal(defaults.snapshotStalledCheckMs, SNAPSHOTTER_DEFAULTS.snapshotStalledCheckMs);
    assert.equal(defaults.snapshotMaxAgeIntervals, 3);
    assert.throws(
      () => loadSnapshotterConfig({ S3_BUCKET: 'tessera', SNAPSHOT_LOCK_MS: '2000', SNAPSHOT_STALLED_CHECK_MS: '5000', SNAPSHOT_MAX_AGE_INTERVALS: '1' }),
      (error: Error) =>
        error.message.includes('SNAPSHOT_STALLED_CHECK_MS (5000) must not exceed SNAPSHOT_LOCK_MS') && error.message.includes('SNAPSHOT_MAX_AGE_INTERVALS'),
    );
    assert.throws(() => loadSnapshotterConfig({ S3_BUCKET: 'tessera', SNAPSHOT_LOCK_MS: 'soon' }), /SNAPSHOT_LOCK_MS/);
  });
});
