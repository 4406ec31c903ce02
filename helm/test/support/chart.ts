/**
 * Renders the Tessera chart with the pinned helm binary and checks rendered objects against the
 * Kubernetes schemas (kubernetes-models, plus the Prometheus Operator and Gateway API models).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { helmPath } from '../../../scripts/helm.mjs';
import { crdCheck } from './crd-schemas.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const chartDir = join(repoRoot, 'helm', 'tessera');
export const ciDir = join(chartDir, 'ci');
export const RELEASE = 'tessera';
export const NAMESPACE = 'events';
export const PROMETHEUS_OPERATOR_API = 'monitoring.coreos.com/v1';
export const GATEWAY_API = 'gateway.networking.k8s.io/v1';

/** A rendered Kubernetes object; tests read it as loosely typed JSON. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- loosely typed on purpose: a wrong path fails the assertion reading it
  [key: string]: any;
}

/** The ci/*-values.yaml files, by short name ("default", "autoscaling", …). */
export function ciValuesFiles(): Map<string, string> {
  const files = readdirSync(ciDir)
    .filter((file) => file.endsWith('-values.yaml'))
    .sort();
  return new Map(files.map((file) => [file.replace(/-values\.yaml$/, ''), join(ciDir, file)]));
}

export interface HelmResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs helm; never throws for a non-zero exit (tests assert on it). */
export async function helm(args: readonly string[]): Promise<HelmResult> {
  try {
    const { stdout, stderr } = await run(helmPath(), [...args], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failure.code !== 'number') throw error;
    return { code: failure.code, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

export interface RenderOptions {
  readonly valuesFiles?: readonly string[];
  readonly set?: readonly string[];
  readonly apiVersions?: readonly string[];
}

function templateArgs(options: RenderOptions): string[] {
  const args = ['template', RELEASE, chartDir, '--namespace', NAMESPACE, '--include-crds'];
  for (const file of options.valuesFiles ?? []) args.push('--values', file);
  for (const value of options.set ?? []) args.push('--set', value);
  for (const api of options.apiVersions ?? []) args.push('--api-versions', api);
  return args;
}

const renders = new Map<string, Promise<K8sObject[]>>();

/** `helm template` parsed into objects; identical calls share one render. Rejects when helm fails. */
export function render(options: RenderOptions = {}): Promise<K8sObject[]> {
  const args = templateArgs(options);
  const key = JSON.stringify(args);
  let pending = renders.get(key);
  if (!pending) {
    pending = helm(args).then((result) => {
      if (result.code !== 0) throw new Error(`helm template failed (${result.code}):\n${result.stderr}`);
      return parseManifests(result.stdout);
    });
    renders.set(key, pending);
  }
  return pending;
}

/** `helm template` expected to fail: resolves to helm's error output. */
export async function renderError(options: RenderOptions): Promise<string> {
  const result = await helm(templateArgs(options));
  if (result.code === 0) throw new Error(`helm template succeeded but was expected to fail (${JSON.stringify(options)})`);
  return result.stderr;
}

export function parseManifests(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML from helm: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    objects.push(value as K8sObject);
  }
  return objects;
}

export function find(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in [${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}]`);
  return found;
}

export function ofKind(objects: readonly K8sObject[], kind: string): K8sObject[] {
  return objects.filter((object) => object.kind === kind);
}

// --- Schema validation ------------------------------------------------------------------------

/** The model package that knows an apiVersion. */
function modelPackage(apiVersion: string): string {
  if (apiVersion.startsWith('monitoring.coreos.com/')) return '@kubernetes-models/prometheus-operator';
  if (apiVersion.startsWith('gateway.networking.k8s.io/')) return '@kubernetes-models/gateway-api';
  return 'kubernetes-models';
}

type ModelClass = new (data: unknown) => { validate(): void };

function modelClass(apiVersion: string, kind: string): ModelClass {
  const module = require(`${modelPackage(apiVersion)}/${apiVersion}`) as Record<string, ModelClass | undefined>;
  const model = module[kind];
  if (!model) throw new Error(`no schema for ${apiVersion} ${kind}`);
  return model;
}

type ValidateFunction = (data: unknown) => boolean;

/**
 * The compiled schema validator behind a model, when the model package ships one (kubernetes-models
 * and the Prometheus Operator models do; the Gateway API models compile theirs at run time).
 */
function compiledValidator(apiVersion: string, kind: string): ValidateFunction | undefined {
  const modelFile = require.resolve(`${modelPackage(apiVersion)}/${apiVersion}/${kind}`);
  const source = readFileSync(modelFile, 'utf8');
  const match = /require\("(\.[^"]*_schemas\/[^"]+)"\)/.exec(source);
  if (!match) return undefined;
  return (require(resolve(dirname(modelFile), match[1]!)) as { validate: ValidateFunction }).validate;
}

/**
 * Fields the schema does not know: a typo such as `readinesProbe` passes schema validation (the
 * Kubernetes schemas allow extra fields) but is dropped by the API server. The compiled validator
 * reads exactly the properties its schema declares, and enumerates the keys of free-form maps;
 * a key it never touched is unknown to the schema.
 */
function unknownFields(validate: ValidateFunction, object: unknown): string[] {
  const read = new Map<object, Set<PropertyKey> | 'all'>();
  const proxies = new WeakMap<object, object>();
  const wrap = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const target = value;
    let proxy = proxies.get(target);
    if (!proxy) {
      proxy = new Proxy(target, {
        get(t, key, receiver) {
          const seen = read.get(t);
          if (seen !== 'all') read.set(t, (seen ?? new Set()).add(key));
          return wrap(Reflect.get(t, key, receiver));
        },
        ownKeys(t) {
          read.set(t, 'all');
          return Reflect.ownKeys(t);
        },
      });
      proxies.set(target, proxy);
    }
    return proxy;
  };
  validate(wrap(object));
  const unknown: string[] = [];
  const walk = (value: unknown, path: string): void => {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, `${path}[${index}]`));
      return;
    }
    const seen = read.get(value);
    for (const [key, child] of Object.entries(value)) {
      if (seen !== 'all' && !seen?.has(key)) unknown.push(`${path}.${key}`);
      else walk(child, `${path}.${key}`);
    }
  };
  walk(object, '');
  return unknown;
}

/** Throws when an object breaks its Kubernetes (or CRD) schema or carries a field the schema lacks. */
export function validateObject(object: K8sObject): void {
  const crd = crdCheck(object.apiVersion, object.kind);
  if (crd) {
    const errors = crd(object);
    if (errors.length > 0) throw new Error(`${object.kind}/${object.metadata.name}: ${errors.join('; ')}`);
    return;
  }
  const Model = modelClass(object.apiVersion, object.kind);
  new Model(object).validate();
  const compiled = compiledValidator(object.apiVersion, object.kind);
  if (compiled) {
    const unknown = unknownFields(compiled, object);
    if (unknown.length > 0) throw new Error(`${object.kind}/${object.metadata.name} has fields unknown to ${object.apiVersion}: ${unknown.join(', ')}`);
  }
}

// --- docs/configuration.md --------------------------------------------------------------------

/**
 * Environment variable names each service reads, from the tables of docs/configuration.md:
 * "Every service" applies to all; each service's own section adds its names.
 */
export function documentedEnv(): Map<string, Set<string>> {
  const text = readFileSync(join(repoRoot, 'docs', 'configuration.md'), 'utf8');
  const sections = new Map<string, Set<string>>();
  let current: Set<string> | undefined;
  for (const line of text.split('\n')) {
    const heading = /^##\s+(.+?)\s*$/.exec(line);
    if (heading) {
      current = new Set();
      sections.set(heading[1]!.toLowerCase(), current);
      continue;
    }
    const row = /^\|([^|]+)\|/.exec(line);
    if (current && row) for (const name of row[1]!.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) current.add(name[1]!);
  }
  const common = sections.get('every service');
  if (!common || common.size === 0) throw new Error('docs/configuration.md has no "Every service" table');
  const services = new Map<string, Set<string>>();
  for (const service of ['gateway', 'writer', 'snapshotter']) {
    const own = sections.get(service);
    if (!own || own.size === 0) throw new Error(`docs/configuration.md has no table for ${service}`);
    services.set(service, new Set([...common, ...own]));
  }
  return services;
}

/**
 * Environment variable names a service's source reads: every `reader.kind('NAME'…)` (the EnvReader
 * of src/config.ts and what it calls) and `env.NAME` in `<service>/src` and in `runtime/src`,
 * which reads the variables every service shares.
 */
export function sourceEnv(service: string): Set<string> {
  const names = new Set<string>();
  for (const folder of [join(repoRoot, service, 'src'), join(repoRoot, 'runtime', 'src')]) {
    if (!existsSync(folder)) throw new Error(`${folder} does not exist`);
    for (const file of readdirSync(folder, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts') || file.endsWith('.d.ts')) continue;
      const text = readFileSync(join(folder, file), 'utf8');
      for (const match of text.matchAll(/\b(?:reader|env)\.\w+\(\s*['"]([A-Z][A-Z0-9_]*)['"]/g)) names.add(match[1]!);
      for (const match of text.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]*)\b|\[['"]([A-Z][A-Z0-9_]*)['"]\])/g)) names.add((match[1] ?? match[2])!);
    }
  }
  return names;
}

/** Every environment variable a container gets: its env entries plus the keys of its envFrom ConfigMaps. */
export function containerEnv(
  objects: readonly K8sObject[],
  container: K8sObject,
): Map<string, { value?: string; secret?: { name: string; key: string }; field?: string }> {
  const env = new Map<string, { value?: string; secret?: { name: string; key: string }; field?: string }>();
  for (const source of container.envFrom ?? []) {
    if (!source.configMapRef) throw new Error(`unexpected envFrom ${JSON.stringify(source)}`);
    const configMap = find(objects, 'ConfigMap', source.configMapRef.name);
    for (const [name, value] of Object.entries(configMap.data ?? {})) env.set(name, { value: value as string });
  }
  for (const entry of container.env ?? []) {
    if (env.has(entry.name)) throw new Error(`${container.name}: ${entry.name} is set twice`);
    if (entry.valueFrom?.secretKeyRef) env.set(entry.name, { secret: entry.valueFrom.secretKeyRef });
    else if (entry.valueFrom?.fieldRef) env.set(entry.name, { field: entry.valueFrom.fieldRef.fieldPath });
    else env.set(entry.name, { value: entry.value });
  }
  return env;
}
