import assert from 'node:assert/strict';
import { ConfigError } from '@tessera/runtime';
import { createAddressKeying } from '../src/address-prefix.js';
import { loadGatewayConfig } from '../src/config.js';
import { AddressBuckets } from '../src/token-bucket.js';

describe('client addresses', () => {
  const keying = createAddressKeying(64);

  it('keys IPv4 as is and IPv6 by its /64, in one canonical form', () => {
    assert.equal(keying.keyOf('203.0.113.7'), '203.0.113.7');
    assert.equal(keying.keyOf('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(keying.keyOf('2001:db8:1:2::1'), '2001:db8:1:2::/64');
    assert.equal(keying.keyOf('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
    assert.equal(keying.keyOf('2001:db8:0:0:1::1'), '2001:db8::/64');
    assert.equal(createAddressKeying(48).keyOf('2001:db8:1:2::1'), '2001:db8:1::/48');
    assert.equal(createAddressKeying(128).keyOf('2001:db8::1:0:0:1'), '2001:db8::1:0:0:1/128');
    assert.equal(keying.keyOf('unknown'), 'unknown');
  });

  it('lists the ban prefixes covering an address or its key', () => {
    assert.deepEqual(keying.coveringPrefixes('203.0.113.7'), ['203.0.0.0/8', '203.0.0.0/16', '203.0.113.0/24', '203.0.113.7/32']);
    assert.deepEqual(keying.coveringPrefixes('2001:db8:1:2::/64'), [
      '2001:db8::/32',
      '2001:db8::/40',
      '2001:db8:1::/48',
      '2001:db8:1::/56',
      '2001:db8:1:2::/64',
    ]);
    assert.deepEqual(keying.coveringPrefixes('unknown'), []);
  });

  it('reads ban targets into canonical prefixes', () => {
    const prefix = (text: string) => {
      const target = keying.parseBanTarget(text);
      assert.ok(target.ok, `${text}: ${JSON.stringify(target)}`);
      return target.prefix;
    };
    assert.equal(prefix('203.0.113.7'), '203.0.113.7/32');
    assert.equal(prefix(' 10.0.0.0/8 '), '10.0.0.0/8');
    assert.equal(prefix('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
    assert.equal(prefix('2001:DB8::/32'), '2001:db8::/32');
    assert.equal(prefix('::ffff:10.1.0.0/16'), '10.1.0.0/16');
  });

  it('refuses what is not an address or a prefix it can check', () => {
    for (const bad of [
      '',
      'example.com',
      '127.1',
      '010.0.0.1',
      '256.0.0.1',
      '10.0.0.0/33',
      '10.0.0.0/12',
      '10.0.0.0/-8',
      '10.0.0.0/24/8',
      '10.0.0.1/24',
      '2001:db8::/128',
      '2001:db8::1/64',
      '2001:db8::/20',
      'fe80::1%eth0',
      '1:2:3:4:5:6:7:8:9',
      '10.0.0.0/024x',
    ]) {
      const target = keying.parseBanTarget(bad);
      assert.equal(target.ok, false, `accepted ${JSON.stringify(bad)}`);
    }
    const typo = keying.parseBanTarget('10.0.0.1/24');
    assert.ok(!typo.ok && typo.message.includes('10.0.0.0/24'), 'names the prefix meant');
  });
});

describe('per-address placement buckets', () => {
  it('shares one bucket between every socket of an address, and forgets idle ones', () => {
    let now = 0;
    const buckets = new AddressBuckets(2, 3, () => now);
    assert.deepEqual(
      [1, 2, 3, 4].map(() => buckets.take('a')),
      [true, true, true, false],
    );
    assert.equal(buckets.take('b'), true, 'another address has its own');
    now = 500;
    assert.equal(buckets.take('a'), true, 'refilled at its rate');
    assert.equal(buckets.take('a'), false);
    now = 10_000;
    buckets.sweep();
    assert.equal(buckets.size, 0);
  });
});

describe('address limits configuration', () => {
  const valid = { SESSION_SECRET: 'x'.repeat(32) };

  it('defaults to a /64, 300 guest sessions an hour and 20 placements per address per second', () => {
    const config = loadGatewayConfig(valid);
    assert.equal(config.ipv6PrefixLength, 64);
    assert.equal(config.guestSessionsPerAddress, 300);
    assert.equal(config.guestSessionWindowMs, 3_600_000);
    assert.equal(config.placeRatePerAddressPerSec, 20);
    assert.equal(config.placeBurstPerAddress, 40);
  });

  it('names every bad address limit in one error', () => {
    const bad = {
      IPV6_PREFIX_LENGTH: '200',
      GUEST_SESSIONS_PER_ADDRESS: '0',
      GUEST_SESSION_WINDOW_MS: 'hourly',
      PLACE_RATE_PER_ADDRESS_PER_SEC: '-1',
      PLACE_BURST_PER_ADDRESS: '1.5',
    };
    assert.throws(
      () => loadGatewayConfig({ ...valid, ...bad }),
      (error: unknown) => error instanceof ConfigError && Object.keys(bad).every((name) => error.message.includes(name)),
    );
  });
});
