import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { OpenApiDocument } from './openapi.js';

/** Why a request was refused: the first bad field, as a dotted path, and what is wrong with it. */
export interface Invalid {
  readonly field: string;
  readonly message: string;
}

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly invalid: Invalid };

export interface OperationValidators {
  body?: ValidateFunction;
  query?: ValidateFunction;
  path?: ValidateFunction;
}

const SCHEMA_ID = 'https://tessera.invalid/admin-api';

/**
 * Compiles the request schemas of every operation of the OpenAPI document with Ajv (JSON Schema
 * 2020-12, the dialect of OpenAPI 3.1), referencing the document's own components, so what is
 * documented is exactly what is checked.
 */
export function createAdminValidators(document: OpenApiDocument): Map<string, OperationValidators> {
  const ajv = new Ajv2020({ allErrors: false, strict: true });
  const queryAjv = new Ajv2020({ allErrors: false, strict: true, coerceTypes: true });
  for (const instance of [ajv, queryAjv]) {
    // The components live under the document's `components`, which is not a JSON Schema keyword.
    instance.addKeyword('components');
    instance.addSchema({ $id: SCHEMA_ID, components: document.components }, SCHEMA_ID);
  }
  const resolve = (schema: unknown): object => rebase(schema) as object;
  const validators = new Map<string, OperationValidators>();
  const paths = document.paths as Record<string, Record<string, Record<string, unknown>>>;
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const entry: OperationValidators = {};
      const body = (operation.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)?.content?.['application/json']?.schema;
      if (body) entry.body = ajv.compile(resolve(body));
      const parameters = (operation.parameters ?? []) as { name: string; in: string; required?: boolean; schema: unknown }[];
      for (const place of ['query', 'path'] as const) {
        const own = parameters.filter((parameter) => parameter.in === place);
        if (own.length === 0) continue;
        const schema = {
          type: 'object',
          properties: Object.fromEntries(own.map((parameter) => [parameter.name, resolve(parameter.schema)])),
          required: own.filter((parameter) => parameter.required).map((parameter) => parameter.name),
          additionalProperties: false,
        };
        entry[place] = (place === 'query' ? queryAjv : ajv).compile(schema);
      }
      validators.set(`${method.toUpperCase()} ${path}`, entry);
    }
  }
  return validators;
}

/** Points the document's local `#/components/…` references at the registered components. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `${SCHEMA_ID}${value}` : rebase(value),
    ]),
  );
}

/** Runs a validator; on failure names the first bad field. Query coercion changes `data` in place. */
export function check<T>(validate: ValidateFunction | undefined, data: unknown): Checked<T> {
  if (!validate) return { ok: true, value: data as T };
  if (validate(data)) return { ok: true, value: data as T };
  return { ok: false, invalid: describe(validate.errors?.[0]) };
}

function describe(error: ErrorObject | undefined): Invalid {
  if (!error) return { field: 'body', message: 'is invalid' };
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
    return { field: [...path, params.missingProperty].join('.'), message: 'is required' };
  }
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    return { field: [...path, params.additionalProperty].join('.'), message: 'is not a known field' };
  }
  return { field: path.length > 0 ? path.join('.') : 'body', message: error.message ?? 'is invalid' };
}
