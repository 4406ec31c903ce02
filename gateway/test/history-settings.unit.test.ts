import assert from 'node:assert/strict';
import { ConfigError } from '@tessera/runtime';
import { loadGatewayConfig } from '../src/config.js';
import { HISTORY_DEFAULTS } from '../src/history-settings.js';

describe('history viewer configuration', () => {
  const valid = { SESSION_SECRET: 'x'.repeat(32) };

  it('serves no history without HISTORY_S3_BUCKET', () => {
    assert.equal(loadGatewayConfig(valid).history, undefined);
  });

  it('reads the archive location and its own read-only credentials', () => {
    const { history } = loadGatewayConfig({
      ...valid,
      HISTORY_S3_BUCKET: 'events',
      HISTORY_S3_ENDPOINT: 'http://seaweedfs:8333',
      HISTORY_S3_FORCE_PATH_STYLE: 'true',
      HISTORY_S3_ACCESS_KEY_ID: 'reader',
      HISTORY_S3_SECRET_ACCESS_KEY: 'secret',
    });
    assert.deepEqual(history, {
      bucket: 'events',
      prefix: HISTORY_DEFAULTS.prefix,
      endpoint: 'http://seaweedfs:8333',
      credentials: { accessKeyId: 'reader', secretAccessKey: 'secret' },
      region: HISTORY_DEFAULTS.region,
      forcePathStyle: true,
      requestTimeoutMs: HISTORY_DEFAULTS.requestTimeoutMs,
      indexCacheMs: HISTORY_DEFAULTS.indexCacheMs,
      cacheBytes: HISTORY_DEFAULTS.cacheBytes,
    });
  });

  it('names every bad variable, without quoting a secret', () => {
    try {
      loadGatewayConfig({
        ...valid,
        HISTORY_S3_BUCKET: 'a b',
        HISTORY_S3_PREFIX: '../other/',
        HISTORY_S3_ENDPOINT: 'seaweedfs:8333',
        HISTORY_S3_SECRET_ACCESS_KEY: 'do-not-print-me',
        HISTORY_INDEX_CACHE_MS: '-1',
        HISTORY_CACHE_BYTES: 'lots',
      });
      assert.fail('accepted');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      for (const name of [
        'HISTORY_S3_BUCKET',
        'HISTORY_S3_PREFIX',
        'HISTORY_S3_ENDPOINT',
        'HISTORY_S3_ACCESS_KEY_ID',
        'HISTORY_INDEX_CACHE_MS',
        'HISTORY_CACHE_BYTES',
      ]) {
        assert.match(error.message, new RegExp(name), name);
      }
      assert.doesNotMatch(error.message, /do-not-print-me/);
    }
  });
});
