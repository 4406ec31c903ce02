import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, EnvReader, type Env } from '../src/env-reader.js';
import { readCommonConfig, type CommonConfig } from '../src/common-config.js';

function read(env: Env): CommonConfig {
  const reader = new EnvReader(env);
  const config = readCommonConfig(reader);
  reader.finish();
  return config;
}

function problems(env: Env): string[] {
  try {
    read(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return [...error.problems];
  }
  assert.fail('the config was accepted');
}

describe('the Redis connection settings', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-redis-config-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to a standalone Redis without credentials or TLS', () => {
    const { redis } = read({});
    assert.equal(redis.url, 'redis://127.0.0.1:6379');
    assert.deepEqual(redis.sentinels, []);
    assert.deepEqual(redis.clusterNodes, []);
    assert.equal(redis.password, undefined);
    assert.equal(redis.tls, false);
    assert.equal(redis.sentinelTls, false);
  });

  it('reads Sentinels with credentials and TLS for the master and the Sentinels apart', () => {
    const { redis } = read({
      REDIS_SENTINELS: 's1:26379, [::1]:26380',
      REDIS_SENTINEL_MASTER: 'tessera',
      REDIS_USERNAME: 'app',
      REDIS_PASSWORD: 'master-secret',
      REDIS_SENTINEL_USERNAME: 'watcher',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
      REDIS_TLS: 'true',
      REDIS_SENTINEL_TLS: 'yes',
    });
    assert.deepEqual(redis.sentinels, [
      { host: 's1', port: 26379 },
      { host: '::1', port: 26380 },
    ]);
    assert.equal(redis.sentinelMaster, 'tessera');
    assert.deepEqual([redis.username, redis.password], ['app', 'master-secret']);
    assert.deepEqual([redis.sentinelUsername, redis.sentinelPassword], ['watcher', 'sentinel-secret']);
    assert.deepEqual([redis.tls, redis.sentinelTls], [true, true]);
  });

  it('turns TLS on for a rediss:// URL and reads the CA file once', () => {
    const caFile = path.join(dir, 'ca.pem');
    writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const { redis } = read({ REDIS_URL: 'rediss://cache.example:6380', REDIS_TLS_CA_FILE: caFile });
    assert.equal(redis.tls, true);
    assert.match(redis.tlsCa ?? '', /BEGIN CERTIFICATE/);
  });

  it('reads cluster seeds', () => {
    const { redis } = read({ REDIS_CLUSTER_NODES: 'n1:6379,n2:6379,n3:6379', REDIS_PASSWORD: 'p' });
    assert.deepEqual(
      redis.clusterNodes?.map((node) => node.host),
      ['n1', 'n2', 'n3'],
    );
  });

  it('names every bad Redis variable at once, without echoing a password', () => {
    const found = problems({
      REDIS_URL: 'redis://:in-url-secret@cache:6379',
      REDIS_PASSWORD: 'env-secret',
      REDIS_SENTINELS: 'no-port,host:99999',
      REDIS_CLUSTER_NODES: 'n1:6379',
      REDIS_TLS: 'maybe',
      REDIS_TLS_CA_FILE: path.join(dir, 'missing.pem'),
    });
    const text = found.join('\n');
    assert.match(text, /REDIS_SENTINELS entries must be host:port, got "no-port"/);
    assert.match(text, /REDIS_SENTINELS entries must be host:port, got "host:99999"/);
    assert.match(text, /REDIS_SENTINELS and REDIS_CLUSTER_NODES are exclusive/);
    assert.match(text, /REDIS_TLS must be true or false/);
    assert.match(text, /REDIS_TLS_CA_FILE .*missing\.pem cannot be read \(ENOENT\)/);
    assert.doesNotMatch(text, /secret/);
  });

  it('refuses a password both in REDIS_URL and in REDIS_PASSWORD (ioredis would silently pick one)', () => {
    const found = problems({ REDIS_URL: 'redis://user:from-url@cache:6379', REDIS_PASSWORD: 'from-env', REDIS_USERNAME: 'other' });
    assert.deepEqual(found, [
      'REDIS_USERNAME is set and REDIS_URL carries a user too: keep one',
      'REDIS_PASSWORD is set and REDIS_URL carries a password too: keep one',
    ]);
  });

  it('refuses a CA file that holds no certificate', () => {
    const notPem = path.join(dir, 'key-by-mistake.pem');
    writeFileSync(notPem, 'hello\n');
    assert.match(problems({ REDIS_TLS_CA_FILE: notPem }).join('\n'), /holds no PEM certificate/);
  });
});
