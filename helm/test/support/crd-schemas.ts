/**
 * Schemas of the custom resources the chart renders that no kubernetes-models package covers:
 * KEDA's ScaledObject and GKE's BackendConfig. Written from their CRDs' OpenAPI (keda.sh/v1alpha1
 * 2.x, cloud.google.com/v1), closed like the compiled validators: an unknown field is an error.
 */

type Json = unknown;
type Check = (value: Json, path: string, errors: string[]) => void;

const isObject = (value: Json): value is Record<string, Json> => typeof value === 'object' && value !== null && !Array.isArray(value);

function object(fields: Record<string, Check>, required: readonly string[] = []): Check {
  return (value, path, errors) => {
    if (!isObject(value)) return void errors.push(`${path} must be an object`);
    for (const key of required) if (!(key in value)) errors.push(`${path}.${key} is required`);
    for (const [key, child] of Object.entries(value)) {
      const check = fields[key];
      if (!check) errors.push(`${path}.${key} is not a known field`);
      else check(child, `${path}.${key}`, errors);
    }
  };
}
const anyObject: Check = (value, path, errors) => void (isObject(value) || errors.push(`${path} must be an object`));
const string: Check = (value, path, errors) => void (typeof value === 'string' || errors.push(`${path} must be a string`));
const integer =
  (min = Number.MIN_SAFE_INTEGER): Check =>
  (value, path, errors) =>
    void ((Number.isInteger(value) && (value as number) >= min) || errors.push(`${path} must be an integer >= ${min}`));
const oneOf =
  (...allowed: string[]): Check =>
  (value, path, errors) =>
    void (allowed.includes(value as string) || errors.push(`${path} must be one of ${allowed.join(', ')}`));
const stringMap: Check = (value, path, errors) => {
  if (!isObject(value)) return void errors.push(`${path} must be an object`);
  for (const [key, child] of Object.entries(value))
    if (typeof child !== 'string') errors.push(`${path}.${key} must be a string (KEDA trigger metadata is map[string]string)`);
};
const arrayOf =
  (item: Check, minItems = 0): Check =>
  (value, path, errors) => {
    if (!Array.isArray(value)) return void errors.push(`${path} must be an array`);
    if (value.length < minItems) errors.push(`${path} needs at least ${minItems} items`);
    value.forEach((child, index) => item(child, `${path}[${index}]`, errors));
  };
const metadata = object({ name: string, namespace: string, labels: stringMap, annotations: stringMap }, ['name']);

const scaledObject = object(
  {
    apiVersion: string,
    kind: string,
    metadata,
    spec: object(
      {
        scaleTargetRef: object({ apiVersion: string, kind: string, name: string, envSourceContainerName: string }, ['name']),
        minReplicaCount: integer(0),
        maxReplicaCount: integer(1),
        pollingInterval: integer(1),
        cooldownPeriod: integer(0),
        idleReplicaCount: integer(0),
        fallback: object({ failureThreshold: integer(1), replicas: integer(0) }, ['failureThreshold', 'replicas']),
        advanced: object({
          restoreToOriginalReplicaCount: (v, p, e) => void (typeof v === 'boolean' || e.push(`${p} must be a boolean`)),
          horizontalPodAutoscalerConfig: object({ name: string, behavior: anyObject }),
        }),
        triggers: arrayOf(
          object(
            {
              type: string,
              name: string,
              metricType: oneOf('AverageValue', 'Value', 'Utilization'),
              useCachedMetrics: anyObject,
              metadata: stringMap,
              authenticationRef: object({ name: string, kind: string }, ['name']),
            },
            ['type', 'metadata'],
          ),
          1,
        ),
      },
      ['scaleTargetRef', 'triggers'],
    ),
  },
  ['apiVersion', 'kind', 'metadata', 'spec'],
);

const backendConfig = object(
  {
    apiVersion: string,
    kind: string,
    metadata,
    spec: object({
      timeoutSec: integer(1),
      connectionDraining: object({ drainingTimeoutSec: integer(0) }),
      healthCheck: object({
        type: oneOf('HTTP', 'HTTPS', 'HTTP2'),
        requestPath: string,
        port: integer(1),
        checkIntervalSec: integer(1),
        timeoutSec: integer(1),
        healthyThreshold: integer(1),
        unhealthyThreshold: integer(1),
      }),
      sessionAffinity: object({ affinityType: string, affinityCookieTtlSec: integer(0) }),
      securityPolicy: object({ name: string }),
      logging: object({
        enable: (v, p, e) => void (typeof v === 'boolean' || e.push(`${p} must be a boolean`)),
        sampleRate: (v, p, e) => void (typeof v === 'number' || e.push(`${p} must be a number`)),
      }),
    }),
  },
  ['apiVersion', 'kind', 'metadata', 'spec'],
);

const SCHEMAS: Record<string, Check> = {
  'keda.sh/v1alpha1/ScaledObject': scaledObject,
  'cloud.google.com/v1/BackendConfig': backendConfig,
};

/** The check for a custom resource this module knows, or undefined. */
export function crdCheck(apiVersion: string, kind: string): ((object: Json) => string[]) | undefined {
  const check = SCHEMAS[`${apiVersion}/${kind}`];
  if (!check) return undefined;
  return (object) => {
    const errors: string[] = [];
    check(object, '', errors);
    return errors;
  };
}
