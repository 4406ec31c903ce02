import assert from 'node:assert/strict';
import { ADMIN_REQUEST_SCHEMAS, AdminErrorCode, type AdminRequest } from '@tessera/protocol';
import { ADMIN_REQUEST_BODIES, documentedRequestBody } from '../src/admin/admin-request-bodies.js';
import { check, createAdminValidators } from '../src/admin/admin-validation.js';
import { ADMIN_OPENAPI } from '../src/admin/openapi.js';

describe('admin request types and the OpenAPI document', () => {
  it('types every operation body from the schema the document validates it with', () => {
    for (const [key, name] of Object.entries(ADMIN_REQUEST_BODIES)) {
      const [method, path] = key.split(' ') as [string, string];
      assert.equal(documentedRequestBody(ADMIN_OPENAPI, method.toLowerCase(), path), name, key);
      const components = (ADMIN_OPENAPI.components as { schemas: Record<string, unknown> }).schemas;
      assert.equal(components[name], ADMIN_REQUEST_SCHEMAS[name], `${name} in the document is protocol's schema itself`);
    }
  });

  it('lists exactly the admin error codes in the Error schema', () => {
    const schemas = (ADMIN_OPENAPI.components as { schemas: Record<string, { properties: { error: { enum: unknown } } }> }).schemas;
    assert.deepEqual(schemas.Error!.properties.error.enum, Object.values(AdminErrorCode));
  });

  it('accepts a body of the derived type and refuses one the type would not allow', () => {
    const validators = createAdminValidators(ADMIN_OPENAPI);
    const ban = validators.get('PUT /address-bans')!;
    const good: AdminRequest<'AddressBanRequest'> = { address: '203.0.113.0/24', reason: 'spam', durationMs: 60_000 };
    assert.equal(check(ban.body, good).ok, true);
    for (const bad of [{}, { address: 42 }, { address: '203.0.113.7', extra: true }, { address: '203.0.113.7', durationMs: 0 }, { address: 'x'.repeat(65) }]) {
      assert.equal(check(ban.body, bad).ok, false, JSON.stringify(bad));
    }
  });
});
