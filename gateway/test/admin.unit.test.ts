import assert from 'node:assert/strict';
import { ConfigError } from '@tessera/runtime';
import { createAdminAuthenticator } from '../src/admin/admin-auth.js';
import { AdminRateLimiter } from '../src/admin/admin-rate-limit.js';
import { check, createAdminValidators } from '../src/admin/admin-validation.js';
import { ADMIN_OPENAPI } from '../src/admin/openapi.js';
import { planRemoval, recolor } from '../src/admin/palette-edits.js';
import { loadGatewayConfig } from '../src/config.js';

const BASE_ENV = { SESSION_SECRET: 'unit-secret-that-is-at-least-32-characters' };

describe('admin settings', () => {
  it('reads named and bare tokens, naming bare ones admin-1, admin-2…', () => {
    const config = loadGatewayConfig({ ...BASE_ENV, ADMIN_TOKENS: 'ops:aaaaaaaaaaaaaaaaaaaaaaaa, dGhpcyBpcyBhIGJhcmUgdG9rZW4h+/=' });
    assert.deepEqual(config.admin.tokens, [
      { name: 'ops', token: 'aaaaaaaaaaaaaaaaaaaaaaaa' },
      { name: 'admin-2', token: 'dGhpcyBpcyBhIGJhcmUgdG9rZW4h+/=' },
    ]);
  });

  it('refuses a short token or a repeated name without quoting the token', () => {
    try {
      loadGatewayConfig({ ...BASE_ENV, ADMIN_TOKENS: 'a:short-secret-token,a:cccccccccccccccccccccccc', ADMIN_RATE_PER_MIN: '0' });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /ADMIN_TOKENS entry 1 \(a\) is shorter than 24/);
      assert.match(error.message, /ADMIN_TOKENS names a twice/);
      assert.match(error.message, /ADMIN_RATE_PER_MIN/);
      assert.doesNotMatch(error.message, /short-secret-token|cccc/);
    }
  });

  it('defaults to no tokens, the roles claim, 120 requests a minute and no snapshots', () => {
    const { admin } = loadGatewayConfig(BASE_ENV);
    assert.deepEqual(
      { ...admin, tokens: [...admin.tokens] },
      {
        tokens: [],
        jwtRoleClaim: 'roles',
        jwtRole: 'tessera-admin',
        ratePerMin: 120,
        snapshotsEnabled: false,
        snapshotTimeoutMs: 30_000,
      },
    );
  });
});

describe('admin authentication', () => {
  const auth = createAdminAuthenticator({
    tokens: [
      { name: 'ops', token: 'ops-token-0123456789abcdefgh' },
      { name: 'dev', token: 'dev-token-0123456789abcdefgh' },
    ],
    jwt: undefined,
    roleClaim: 'roles',
    role: 'tessera-admin',
  });

  it('knows each token by name, and refuses anything else with 401', async () => {
    assert.deepEqual(await auth.authenticate('Bearer dev-token-0123456789abcdefgh'), { ok: true, admin: { name: 'dev', via: 'token' } });
    assert.deepEqual(await auth.authenticate('bearer ops-token-0123456789abcdefgh'), { ok: true, admin: { name: 'ops', via: 'token' } });
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Basic b3BzOnRva2Vu',
      'Bearer ops-token-0123456789abcdefg',
      'Bearer ops-token-0123456789abcdefghX',
      'Bearer a.b.c',
    ]) {
      assert.deepEqual(await auth.authenticate(header), { ok: false, status: 401 }, String(header));
    }
  });
});

describe('the admin rate limit', () => {
  it('allows a minute of requests at once, then one per 60/rate seconds, per key', () => {
    let now = 0;
    const limiter = new AdminRateLimiter(6, () => now);
    for (let i = 0; i < 6; i++) assert.deepEqual(limiter.take('a'), { ok: true });
    assert.deepEqual(limiter.take('a'), { ok: false, retryAfterSeconds: 10 });
    assert.deepEqual(limiter.take('b'), { ok: true });
    now += 10_000;
    assert.deepEqual(limiter.take('a'), { ok: true });
    assert.equal(limiter.take('a').ok, false);
  });
});

describe('admin request validation', () => {
  const validators = createAdminValidators(ADMIN_OPENAPI);

  it('compiles a validator for every operation of the document', () => {
    const paths = ADMIN_OPENAPI.paths as Record<string, Record<string, unknown>>;
    const operations = Object.entries(paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    assert.deepEqual([...validators.keys()].sort(), operations.sort());
  });

  it('names the first bad field as a dotted path', () => {
    const resize = validators.get('PUT /size')!.body;
    assert.deepEqual(check(resize, { width: 10, height: 10 }), { ok: true, value: { width: 10, height: 10 } });
    assert.deepEqual(check(resize, { width: 10 }), { ok: false, invalid: { field: 'height', message: 'is required' } });
    assert.deepEqual(check(resize, { width: 10, height: 10, depth: 1 }), { ok: false, invalid: { field: 'depth', message: 'is not a known field' } });
    assert.equal((check(resize, { width: 1.5, height: 10 }) as { invalid: { field: string } }).invalid.field, 'width');
    assert.equal((check(resize, [1, 2]) as { invalid: { field: string } }).invalid.field, 'body');
  });
});

describe('palette edits', () => {
  const palette = ['#ffffff', '#000001', '#000002', '#000003', '#000004', '#000005'];

  it('recolours indices of the palette, refusing one beyond it or twice', () => {
    assert.deepEqual(recolor(palette, { colors: [{ index: 2, color: '#abcdef' }] }), {
      ok: true,
      value: ['#ffffff', '#000001', '#abcdef', '#000003', '#000004', '#000005'],
    });
    assert.deepEqual(recolor(palette, { colors: [{ index: 6, color: '#abcdef' }] }), {
      ok: false,
      invalid: { field: 'colors.0.index', message: 'must be below the palette size 6' },
    });
    assert.equal(
      (
        recolor(palette, {
          colors: [
            { index: 1, color: '#abcdef' },
            { index: 1, color: '#abcdee' },
          ],
        }) as { invalid: { field: string } }
      ).invalid.field,
      'colors.1.index',
    );
  });

  it('plans a removal: kept colours close up, removed ones take their target, indices below the first removed keep their number', () => {
    const plan = planRemoval(palette, {
      remove: [
        { index: 4, mapTo: 1 },
        { index: 2, mapTo: 5 },
      ],
    });
    assert.ok(plan.ok);
    assert.deepEqual(plan.value.palette, ['#ffffff', '#000001', '#000003', '#000005']);
    assert.deepEqual(plan.value.mapping, [0, 1, 3, 2, 1, 3]);
    assert.equal(plan.value.firstRemoved, 2);
    assert.deepEqual([...plan.value.table.subarray(0, 8)], [0, 1, 3, 2, 1, 3, 0, 0]);
    for (let index = 0; index < plan.value.firstRemoved; index++) assert.equal(plan.value.table[index], index);
  });

  it('refuses a removal that maps onto a removed colour, repeats one, or leaves fewer than two colours', () => {
    assert.equal(
      (
        planRemoval(palette, {
          remove: [
            { index: 2, mapTo: 3 },
            { index: 3, mapTo: 1 },
          ],
        }) as { invalid: { field: string } }
      ).invalid.field,
      'remove.0.mapTo',
    );
    assert.equal(
      (
        planRemoval(palette, {
          remove: [
            { index: 2, mapTo: 1 },
            { index: 2, mapTo: 0 },
          ],
        }) as { invalid: { field: string } }
      ).invalid.field,
      'remove.1.index',
    );
    assert.equal((planRemoval(palette, { remove: [{ index: 9, mapTo: 1 }] }) as { invalid: { field: string } }).invalid.field, 'remove.0.index');
    const all = [1, 2, 3, 4, 5].map((index) => ({ index, mapTo: 0 }));
    assert.equal((planRemoval(palette, { remove: all }) as { invalid: { field: string } }).invalid.field, 'remove');
  });
});
