import assert from 'node:assert/strict';
import { ADMIN_LIMITS } from '@tessera/protocol';
import { ConfigError } from '@tessera/runtime';
import { GATEWAY_DEFAULTS, loadGatewayConfig } from '../src/config.js';

describe('gateway configuration', () => {
  const valid = { SESSION_SECRET: 'x'.repeat(32) };

  it('applies the documented defaults', () => {
    const config = loadGatewayConfig(valid);
    assert.equal(config.port, GATEWAY_DEFAULTS.port);
    assert.equal(config.canvasDefaults.width, 1000);
    assert.equal(config.canvasDefaults.cooldownMs, 300_000);
    assert.equal(config.canvasDefaults.palette.length, 32);
    assert.equal(config.canvasId, 'main');
    assert.ok(Object.isFrozen(config));
  });

  it('names every bad variable in one error', () => {
    try {
      loadGatewayConfig({
        PORT: '70000',
        CANVAS_WIDTH: 'wide',
        CANVAS_COOLDOWN_MS: '-5',
        CANVAS_PALETTE: '#fff,#000000',
        REDIS_URL: 'http://nope',
        CANVAS_ID: 'Has Spaces',
        CANVAS_BOOTSTRAP: 'maybe',
        LOG_LEVEL: 'loud',
        AUTH_JWKS_URL: 'ftp://x',
      });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      for (const name of [
        'SESSION_SECRET',
        'PORT',
        'CANVAS_WIDTH',
        'CANVAS_COOLDOWN_MS',
        'CANVAS_PALETTE',
        'REDIS_URL',
        'CANVAS_ID',
        'CANVAS_BOOTSTRAP',
        'LOG_LEVEL',
        'AUTH_JWKS_URL',
      ]) {
        assert.match(error.message, new RegExp(`\\b${name}\\b`), `${name} not named in:\n${error.message}`);
      }
    }
  });

  it('refuses a metrics port equal to the public one, and a bad one', () => {
    assert.throws(() => loadGatewayConfig({ ...valid, PORT: '9000', METRICS_PORT: '9000' }), /METRICS_PORT must differ from PORT/);
    assert.throws(() => loadGatewayConfig({ ...valid, METRICS_PORT: 'nine' }), /METRICS_PORT must be an integer/);
    assert.equal(loadGatewayConfig(valid).metricsPort, undefined);
    assert.equal(loadGatewayConfig({ ...valid, METRICS_PORT: '9090' }).metricsPort, 9090);
  });

  it('refuses a JWKS without both the issuer and the audience its tokens must name', () => {
    const jwks = { ...valid, AUTH_JWKS_URL: 'https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com' };
    assert.throws(
      () => loadGatewayConfig(jwks),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE must be set with AUTH_JWKS_URL/);
        return true;
      },
    );
    assert.throws(() => loadGatewayConfig({ ...jwks, AUTH_JWT_ISSUER: 'https://securetoken.google.com/p' }), /\bAUTH_JWT_AUDIENCE must be set/);
    assert.throws(() => loadGatewayConfig({ ...jwks, AUTH_JWT_AUDIENCE: 'p' }), /\bAUTH_JWT_ISSUER must be set/);
    assert.throws(
      () => loadGatewayConfig({ ...jwks, AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a', AUTH_JWT_CLOCK_SKEW_MS: '3600000' }),
      /AUTH_JWT_CLOCK_SKEW_MS/,
    );
    const jwt = loadGatewayConfig({ ...jwks, AUTH_JWT_ISSUER: 'https://securetoken.google.com/p', AUTH_JWT_AUDIENCE: 'p' }).jwt;
    assert.deepEqual(jwt, {
      jwksUrl: jwks.AUTH_JWKS_URL,
      issuer: 'https://securetoken.google.com/p',
      audience: 'p',
      clockSkewMs: GATEWAY_DEFAULTS.jwtClockSkewMs,
    });
    assert.equal(loadGatewayConfig(valid).jwt, undefined);
  });

  it('reads the sign-in settings served to the web client, and refuses ones the gateway could not verify', () => {
    const jwt = { ...valid, AUTH_JWKS_URL: 'https://idp.example/jwks', AUTH_JWT_ISSUER: 'https://idp.example', AUTH_JWT_AUDIENCE: 'tessera-web' };
    assert.equal(loadGatewayConfig(valid).signIn, undefined);
    assert.equal(loadGatewayConfig(valid).guestsAllowed, true);
    assert.deepEqual(loadGatewayConfig({ ...jwt, AUTH_OIDC_CLIENT_ID: 'tessera-web' }).signIn, {
      issuer: 'https://idp.example',
      clientId: 'tessera-web',
      scope: 'openid profile',
    });
    assert.equal(
      loadGatewayConfig({ ...jwt, AUTH_OIDC_CLIENT_ID: 'c', AUTH_OIDC_SCOPE: 'openid profile offline_access' }).signIn?.scope,
      'openid profile offline_access',
    );
    assert.equal(loadGatewayConfig({ ...jwt, AUTH_GUESTS: 'refused' }).guestsAllowed, false);
    assert.throws(() => loadGatewayConfig({ ...valid, AUTH_OIDC_CLIENT_ID: 'tessera-web' }), /AUTH_OIDC_CLIENT_ID needs AUTH_JWKS_URL/);
    assert.throws(() => loadGatewayConfig({ ...jwt, AUTH_OIDC_CLIENT_ID: 'has space' }), /AUTH_OIDC_CLIENT_ID must be 1 to 255 printable characters/);
    assert.throws(() => loadGatewayConfig({ ...jwt, AUTH_OIDC_CLIENT_ID: 'c', AUTH_OIDC_SCOPE: 'profile email' }), /AUTH_OIDC_SCOPE must include openid/);
    assert.throws(
      () => loadGatewayConfig({ ...jwt, AUTH_JWT_ISSUER: 'urn:issuer', AUTH_OIDC_CLIENT_ID: 'c' }),
      /AUTH_JWT_ISSUER must be an http\(s\) URL when AUTH_OIDC_CLIENT_ID is set/,
    );
    assert.throws(() => loadGatewayConfig({ ...valid, AUTH_GUESTS: 'refused' }), /AUTH_GUESTS=refused needs AUTH_JWKS_URL/);
    assert.throws(() => loadGatewayConfig({ ...jwt, AUTH_GUESTS: 'nobody' }), /AUTH_GUESTS/);
  });

  it('refuses a CORS origin that no browser would send', () => {
    assert.throws(
      () => loadGatewayConfig({ ...valid, CORS_ORIGINS: 'https://ok.example,https://ok.example/path,ok.example' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /CORS_ORIGINS must hold \* or http\(s\) origins without a path, got "https:\/\/ok.example\/path", "ok.example"/);
        return true;
      },
    );
    assert.deepEqual(loadGatewayConfig({ ...valid, CORS_ORIGINS: 'https://ok.example, http://localhost:5173' }).corsOrigins, [
      'https://ok.example',
      'http://localhost:5173',
    ]);
    assert.deepEqual(loadGatewayConfig({ ...valid, CORS_ORIGINS: '*' }).corsOrigins, ['*']);
  });

  it('reads PRESENCE_INTERVAL_MS and refuses one too short, too long or not a number', () => {
    assert.equal(loadGatewayConfig(valid).presenceIntervalMs, 5_000);
    assert.equal(loadGatewayConfig({ ...valid, PRESENCE_INTERVAL_MS: '250' }).presenceIntervalMs, 250);
    for (const bad of ['50', '600000', 'often', '1.5']) {
      assert.throws(() => loadGatewayConfig({ ...valid, PRESENCE_INTERVAL_MS: bad }), /PRESENCE_INTERVAL_MS/, bad);
    }
  });

  it('refuses a short session secret', () => {
    assert.throws(() => loadGatewayConfig({ SESSION_SECRET: 'short' }), /SESSION_SECRET must be at least 32 characters/);
  });

  it('accepts a zero cooldown and a custom palette', () => {
    const config = loadGatewayConfig({ ...valid, CANVAS_COOLDOWN_MS: '0', CANVAS_PALETTE: '#FFFFFF, #000000' });
    assert.equal(config.canvasDefaults.cooldownMs, 0);
    assert.deepEqual(config.canvasDefaults.palette, ['#ffffff', '#000000']);
  });

  it('refuses a STREAM_MAX_LEN that one admin erase could overflow', () => {
    assert.equal(GATEWAY_DEFAULTS.minStreamMaxLength, 2 * ADMIN_LIMITS.maxRegionPixels);
    for (const tooSmall of ['1000', String(ADMIN_LIMITS.maxRegionPixels), String(GATEWAY_DEFAULTS.minStreamMaxLength - 1)]) {
      assert.throws(() => loadGatewayConfig({ ...valid, STREAM_MAX_LEN: tooSmall }), /STREAM_MAX_LEN/, tooSmall);
    }
    assert.equal(
      loadGatewayConfig({ ...valid, STREAM_MAX_LEN: String(GATEWAY_DEFAULTS.minStreamMaxLength) }).streamMaxLength,
      GATEWAY_DEFAULTS.minStreamMaxLength,
    );
  });

  it('acknowledges placements only once a replica holds them behind Sentinel, by default, and takes PLACEMENT_REPLICAS as given', () => {
    assert.equal(loadGatewayConfig(valid).placementReplicas, 0);
    const sentinel = { ...valid, REDIS_SENTINELS: '127.0.0.1:26379' };
    assert.equal(loadGatewayConfig(sentinel).placementReplicas, 1);
    assert.equal(loadGatewayConfig({ ...sentinel, PLACEMENT_REPLICAS: '0' }).placementReplicas, 0, 'an explicit choice wins');
    assert.equal(loadGatewayConfig({ ...valid, PLACEMENT_REPLICAS: '2', PLACEMENT_REPLICA_TIMEOUT_MS: '50' }).placementReplicaTimeoutMs, 50);
    for (const bad of ['-1', '1.5', 'one', '17']) assert.throws(() => loadGatewayConfig({ ...valid, PLACEMENT_REPLICAS: bad }), /PLACEMENT_REPLICAS/, bad);
    assert.throws(() => loadGatewayConfig({ ...valid, PLACEMENT_REPLICA_TIMEOUT_MS: '0' }), /PLACEMENT_REPLICA_TIMEOUT_MS/);
  });

  it('waits for the snapshotter to restore or create the canvas by default when one serves it', () => {
    assert.equal(loadGatewayConfig(valid).canvasBootstrap, 'create');
    assert.equal(loadGatewayConfig({ ...valid, SNAPSHOTS_ENABLED: 'true' }).canvasBootstrap, 'wait');
    assert.equal(loadGatewayConfig({ ...valid, SNAPSHOTS_ENABLED: 'true', CANVAS_BOOTSTRAP: 'create' }).canvasBootstrap, 'create', 'an explicit choice wins');
    assert.equal(loadGatewayConfig({ ...valid, CANVAS_BOOTSTRAP: 'wait' }).canvasBootstrap, 'wait');
  });
});
