import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_API_BASE } from '@tessera/protocol';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/** An ADMIN_TOKENS entry the admin tests use: `alice:<token>`. */
export const ADMIN_TOKEN = 'alice-admin-token-0123456789abcdef';
export const ADMIN_ENV = { ADMIN_TOKENS: `alice:${ADMIN_TOKEN}` };

export interface ApiResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

interface Document {
  paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }> }>>;
  components: { responses: Record<string, { content?: Record<string, { schema: unknown }> }>; schemas: Record<string, unknown> };
}

const SCHEMA_ID = 'https://tessera.test/openapi';

/**
 * Checks responses against the OpenAPI document the gateway serves: the status must be one the
 * operation documents, and the JSON body must match that response's schema.
 */
export class OpenApiChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly document: Document) {
    this.ajv.addSchema({ $id: SCHEMA_ID, components: document.components });
  }

  static async fetch(baseUrl: string): Promise<OpenApiChecker> {
    const response = await fetch(`${baseUrl}${ADMIN_API_BASE}/openapi.json`);
    assert.equal(response.status, 200);
    return new OpenApiChecker((await response.json()) as Document);
  }

  /** The documented path template a concrete path matches (`/bans/u1` → `/bans/{userId}`). */
  template(path: string): string | undefined {
    const bare = path.split('?')[0]!;
    return Object.keys(this.document.paths).find((candidate) => new RegExp(`^${candidate.replace(/\{\w+\}/g, '[^/]+')}$`).test(bare));
  }

  check(method: string, path: string, status: number, body: unknown): void {
    const template = this.template(path);
    assert.ok(template, `${path} is not in the OpenAPI document`);
    const operation = this.document.paths[template]?.[method.toLowerCase()];
    assert.ok(operation, `${method} ${template} is not in the OpenAPI document`);
    let response = operation.responses[String(status)];
    assert.ok(response, `${method} ${template} answered ${status}, which the document does not list (${Object.keys(operation.responses).join(', ')})`);
    if (response.$ref) response = this.document.components.responses[response.$ref.split('/').pop()!];
    const schema = response?.content?.['application/json']?.schema;
    if (!schema) return;
    const key = `${method} ${template} ${status}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(rebase(schema) as object);
      this.compiled.set(key, validate);
    }
    assert.ok(validate(body), `${key}: body ${JSON.stringify(body).slice(0, 300)} does not match the document: ${this.ajv.errorsText(validate.errors)}`);
  }
}

function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${SCHEMA_ID}${v}` : rebase(v)]),
  );
}

/** Calls the admin API and checks the answer against the document. */
export function adminClient(baseUrl: string, checker: OpenApiChecker, token: string | undefined = ADMIN_TOKEN) {
  return async function call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    options: { token?: string | undefined; rawBody?: string } = {},
  ): Promise<ApiResponse<T>> {
    const credential = 'token' in options ? options.token : token;
    const headers: Record<string, string> = {};
    if (credential !== undefined) headers.authorization = `Bearer ${credential}`;
    if (body !== undefined || options.rawBody !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}${ADMIN_API_BASE}${path}`, {
      method,
      headers,
      ...(options.rawBody !== undefined ? { body: options.rawBody } : body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const parsed = (await response.json()) as T;
    checker.check(method, path, response.status, parsed);
    return { status: response.status, body: parsed, headers: response.headers };
  };
}

/** What a test token may get wrong: another issuer or audience, an expiry in the past, or none (`exp: null`). */
export interface TokenOverrides {
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds since the epoch; null: no `exp` claim at all. Default: five minutes from now. */
  readonly exp?: number | null;
}

/** A local JWKS server and a signer for tokens it vouches for. */
export async function startJwks(): Promise<{
  url: string;
  sign: (claims: Record<string, unknown>, overrides?: TokenOverrides) => Promise<string>;
  close: () => Promise<void>;
}> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'admin-test-key', alg: 'RS256', use: 'sig' };
  const server: Server = createServer((_request, response) =>
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    sign: (claims, overrides = {}) => {
      const token = new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'admin-test-key' })
        .setIssuer(overrides.issuer ?? 'https://issuer.test')
        .setAudience(overrides.audience ?? 'tessera')
        .setIssuedAt(overrides.exp ? overrides.exp - 300 : undefined);
      if (overrides.exp !== null) token.setExpirationTime(overrides.exp ?? '5m');
      return token.sign(privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
