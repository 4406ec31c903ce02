import assert from 'node:assert/strict';
import { ConfigError } from '@tessera/runtime';
import { CHALLENGE_DEFAULTS } from '../src/challenge/challenge-settings.js';
import { loadGatewayConfig } from '../src/config.js';

describe('challenge configuration', () => {
  const valid = { SESSION_SECRET: 'x'.repeat(32) };

  it('derives the HMAC key from SESSION_SECRET when none is set, so gateways sharing it agree', () => {
    const one = loadGatewayConfig(valid).challenge;
    const two = loadGatewayConfig(valid).challenge;
    assert.equal(one.hmacKey, two.hmacKey);
    assert.notEqual(one.hmacKey, valid.SESSION_SECRET);
    assert.notEqual(one.keySignatureKey, one.hmacKey);
    assert.notEqual(loadGatewayConfig({ SESSION_SECRET: 'y'.repeat(32) }).challenge.hmacKey, one.hmacKey);
    assert.equal(one.maxNumber, CHALLENGE_DEFAULTS.maxNumber);
    assert.equal(one.expiresMs, CHALLENGE_DEFAULTS.expiresMs);
  });

  it('takes CHALLENGE_HMAC_KEY, CHALLENGE_MAX_NUMBER and CHALLENGE_EXPIRES_MS', () => {
    const settings = loadGatewayConfig({
      ...valid,
      CHALLENGE_HMAC_KEY: 'k'.repeat(32),
      CHALLENGE_MAX_NUMBER: '250000',
      CHALLENGE_EXPIRES_MS: '60000',
    }).challenge;
    assert.equal(settings.hmacKey, 'k'.repeat(32));
    assert.equal(settings.maxNumber, 250_000);
    assert.equal(settings.expiresMs, 60_000);
  });

  it('names every bad challenge variable', () => {
    assert.throws(
      () => loadGatewayConfig({ ...valid, CHALLENGE_HMAC_KEY: 'short', CHALLENGE_MAX_NUMBER: '10', CHALLENGE_EXPIRES_MS: 'soon' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        for (const name of ['CHALLENGE_HMAC_KEY', 'CHALLENGE_MAX_NUMBER', 'CHALLENGE_EXPIRES_MS']) assert.match(error.message, new RegExp(name));
        return true;
      },
    );
  });
});
