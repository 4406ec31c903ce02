import assert from 'node:assert/strict';
import { redisVersionProblem } from '../src/redis-version.js';

describe('the Redis version the scripts need', () => {
  it('accepts 7.0 and later, Valkey included (it reports a redis_version too)', () => {
    for (const version of ['7.0.0', '7.0.15', '7.2.4', '8.0.1', '10.1.0']) {
      assert.equal(redisVersionProblem(`# Server\r\nredis_version:${version}\r\nredis_mode:standalone\r\n`), undefined, version);
    }
  });

  it('refuses an older one, naming its version and what to do', () => {
    assert.match(
      redisVersionProblem('# Server\r\nredis_version:6.2.14\r\n') ?? '',
      /^Redis 6\.2\.14 is older than 7\.0, which Tessera needs \(SET PXAT, PEXPIRETIME\): upgrade it/,
    );
    assert.match(redisVersionProblem('redis_version:5.0.7\n') ?? '', /Redis 5\.0\.7 is older than 7\.0/);
  });

  it('lets a server that does not say go on: its scripts decide', () => {
    assert.equal(redisVersionProblem(''), undefined);
    assert.equal(redisVersionProblem('redis_version:unknown\r\n'), undefined);
  });
});
