import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { ConfigError } from '@tessera/runtime';
import { loadWriterConfig, WRITER_DEFAULTS } from '../src/config.js';

describe('writer configuration', () => {
  it('uses the documented defaults', () => {
    const config = loadWriterConfig({});
    assert.equal(config.httpPort, 9091);
    assert.equal(config.tickMs, 500);
    assert.equal(config.syncIntervalMs, 60_000);
    assert.equal(config.lockTtlMs, 2_500);
    assert.equal(config.wireFormat, 'auto');
    assert.equal(config.maxEventsPerTick, 200_000);
    assert.equal(config.writerId, `${hostname()}-${process.pid}`);
    assert.equal(config.canvasId, 'main');
    assert.equal(config.httpPort, WRITER_DEFAULTS.httpPort);
    assert.ok(Object.isFrozen(config));
  });

  it('reads every variable', () => {
    const config = loadWriterConfig({
      HTTP_PORT: '0',
      WRITER_ID: 'writer-a',
      TICK_MS: '50',
      SYNC_INTERVAL_MS: '1000',
      LOCK_TTL_MS: '1000',
      DELTA_WIRE_FORMAT: 'binary',
      MAX_EVENTS_PER_TICK: '10',
      CANVAS_ID: 'event-1',
      REDIS_URL: 'redis://example:6380',
    });
    assert.deepEqual(
      { ...config, redis: undefined, logLevel: undefined },
      {
        httpPort: 0,
        writerId: 'writer-a',
        tickMs: 50,
        syncIntervalMs: 1000,
        lockTtlMs: 1000,
        wireFormat: 'binary',
        maxEventsPerTick: 10,
        canvasId: 'event-1',
        redis: undefined,
        logLevel: undefined,
      },
    );
    assert.equal(config.redis.url, 'redis://example:6380');
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadWriterConfig({
        HTTP_PORT: '70000',
        WRITER_ID: 'has spaces',
        TICK_MS: '10',
        SYNC_INTERVAL_MS: 'soon',
        LOCK_TTL_MS: '999',
        DELTA_WIRE_FORMAT: 'json',
        MAX_EVENTS_PER_TICK: '0',
        CANVAS_ID: 'Bad Id',
        REDIS_URL: 'http://nope',
        LOG_LEVEL: 'loud',
      });
    } catch (caught) {
      error = caught;
    }
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    const names = [
      'HTTP_PORT',
      'WRITER_ID',
      'TICK_MS',
      'SYNC_INTERVAL_MS',
      'LOCK_TTL_MS',
      'DELTA_WIRE_FORMAT',
      'MAX_EVENTS_PER_TICK',
      'CANVAS_ID',
      'REDIS_URL',
      'LOG_LEVEL',
    ];
    for (const name of names) {
      assert.ok(
        error.problems.some((problem) => problem.startsWith(name)),
        `${name} is not named in:\n${error.message}`,
      );
    }
    assert.equal(error.problems.length, names.length, error.message);
  });

  it('refuses a sync interval shorter than the tick', () => {
    assert.throws(() => loadWriterConfig({ TICK_MS: '1000', SYNC_INTERVAL_MS: '500' }), /SYNC_INTERVAL_MS \(500\) must not be shorter than TICK_MS/);
  });

  it('refuses more events per tick than a client accepts in one delta', () => {
    assert.throws(() => loadWriterConfig({ MAX_EVENTS_PER_TICK: '1000001' }), /MAX_EVENTS_PER_TICK/);
  });
});
