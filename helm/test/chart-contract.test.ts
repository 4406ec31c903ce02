import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GATEWAY_API,
  PROMETHEUS_OPERATOR_API,
  RELEASE,
  chartDir,
  ciValuesFiles,
  containerEnv,
  documentedEnv,
  find,
  sourceEnv,
  ofKind,
  render,
  type K8sObject,
} from './support/chart.js';

const ci = ciValuesFiles();
const file = (name: string): string => {
  const path = ci.get(name);
  if (!path) throw new Error(`no ci/${name}-values.yaml`);
  return path;
};
const name = (component: string): string => `${RELEASE}-${component}`;
const SERVICES = ['gateway', 'writer', 'snapshotter'] as const;
/** The port each service reads and serves its probes and metrics on (docs/configuration.md). */
const PORT_VARIABLE = { gateway: 'PORT', writer: 'HTTP_PORT', snapshotter: 'HTTP_PORT' } as const;
/**
 * Variables read by libraries rather than a service's EnvReader: Node reads NODE_OPTIONS, the AWS
 * SDK the standard credential variables (docs/configuration.md names both).
 */
const READ_BY_LIBRARIES: Record<string, readonly string[]> = {
  gateway: ['NODE_OPTIONS'],
  writer: [],
  snapshotter: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'],
};
const REQUIRED = { gateway: ['SESSION_SECRET'], writer: [], snapshotter: ['S3_BUCKET'] } as const;

function container(objects: readonly K8sObject[], component: string): K8sObject {
  const deployment = find(objects, 'Deployment', name(component));
  const found = deployment.spec.template.spec.containers.find((c: K8sObject) => c.name === component);
  assert.ok(found, `Deployment ${name(component)} has no container ${component}`);
  return found;
}

function portNumber(c: K8sObject, port: string | number): number {
  if (typeof port === 'number') return port;
  const named = c.ports.find((p: { name: string }) => p.name === port);
  assert.ok(named, `container ${c.name} has no port named ${port}`);
  return named.containerPort;
}

describe('the rendered services', function () {
  this.timeout(60_000);
  const documented = documentedEnv();

  for (const [valuesName, valuesFile] of ci) {
    describe(`with ci/${valuesName}-values.yaml`, () => {
      let objects: K8sObject[];
      before(async () => {
        objects = await render({ valuesFiles: [valuesFile], apiVersions: [PROMETHEUS_OPERATOR_API, GATEWAY_API] });
      });
      const present = (component: string): boolean => objects.some((o) => o.kind === 'Deployment' && o.metadata.name === name(component));

      it('gives each service only environment variables it reads, and the ones it requires', () => {
        for (const service of SERVICES) {
          if (!present(service)) continue;
          const env = containerEnv(objects, container(objects, service));
          // The contract (docs/configuration.md) or the service's own source: a name in neither
          // is a typo the service would silently ignore.
          const known = new Set([...documented.get(service)!, ...sourceEnv(service), ...READ_BY_LIBRARIES[service]!]);
          const unknown = [...env.keys()].filter((variable) => !known.has(variable));
          assert.deepEqual(unknown, [], `${service} gets variables neither its configuration docs nor its source know`);
          for (const variable of REQUIRED[service]) {
            assert.ok(env.has(variable), `${service} lacks required ${variable}`);
            const value = env.get(variable)!;
            assert.ok(value.secret ?? value.value, `${service}: ${variable} is empty`);
          }
          const hasRedis = env.has('REDIS_URL') || env.has('REDIS_SENTINELS') || env.has('REDIS_CLUSTER_NODES');
          assert.ok(hasRedis, `${service} has neither REDIS_URL, REDIS_SENTINELS nor REDIS_CLUSTER_NODES`);
        }
      });

      it('keeps credentials in Secrets, never in ConfigMaps', () => {
        for (const configMap of ofKind(objects, 'ConfigMap')) {
          for (const key of ['SESSION_SECRET', 'ADMIN_TOKENS', 'REDIS_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
            assert.ok(!(key in (configMap.data ?? {})), `ConfigMap ${configMap.metadata.name} holds ${key}`);
          }
        }
        for (const service of SERVICES) {
          if (!present(service)) continue;
          const env = containerEnv(objects, container(objects, service));
          for (const [variable, source] of env) {
            if (['SESSION_SECRET', 'ADMIN_TOKENS', 'REDIS_URL', 'AWS_SECRET_ACCESS_KEY'].includes(variable)) {
              assert.ok(source.secret, `${service}: ${variable} must come from a Secret`);
            }
          }
        }
      });

      it('refers only to keys that exist in the Secrets it renders', () => {
        const secrets = new Map(ofKind(objects, 'Secret').map((s) => [s.metadata.name, s]));
        for (const workload of [...ofKind(objects, 'Deployment'), ...ofKind(objects, 'StatefulSet')]) {
          for (const c of workload.spec.template.spec.containers) {
            for (const entry of c.env ?? []) {
              const ref = entry.valueFrom?.secretKeyRef;
              const secret = ref && secrets.get(ref.name);
              if (secret) assert.ok(ref.key in secret.data, `${c.name}: ${entry.name} refers to missing key ${ref.key} of ${ref.name}`);
            }
          }
        }
      });

      it('serves probes on the real endpoints, on the port the service listens on', () => {
        for (const service of SERVICES) {
          if (!present(service)) continue;
          const c = container(objects, service);
          const env = containerEnv(objects, c);
          const listenPort = Number(env.get(PORT_VARIABLE[service])?.value);
          assert.ok(listenPort > 0, `${service} has no ${PORT_VARIABLE[service]}`);
          assert.equal(c.readinessProbe.httpGet.path, '/readyz', `${service} readiness`);
          assert.equal(c.livenessProbe.httpGet.path, '/healthz', `${service} liveness`);
          assert.equal(c.startupProbe.httpGet.path, '/healthz', `${service} startup`);
          for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
            assert.equal(portNumber(c, probe.httpGet.port), listenPort, `${service} probes a port it does not listen on`);
          }
        }
      });

      it('runs each role of the one image, hardened', () => {
        for (const service of SERVICES) {
          if (!present(service)) continue;
          const deployment = find(objects, 'Deployment', name(service));
          const pod = deployment.spec.template.spec;
          const c = container(objects, service);
          assert.deepEqual(c.args, [service]);
          assert.equal(pod.securityContext.runAsNonRoot, true);
          assert.equal(c.securityContext.runAsNonRoot, true);
          assert.equal(c.securityContext.readOnlyRootFilesystem, true);
          assert.equal(c.securityContext.allowPrivilegeEscalation, false);
          assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
          assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
          assert.equal(pod.automountServiceAccountToken, false);
          assert.ok(
            c.volumeMounts.some((m: { mountPath: string }) => m.mountPath === '/tmp'),
            `${service} has no writable /tmp`,
          );
          assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory, `${service} lacks resources`);
          assert.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0, `${service} rollout may drop below capacity`);
          assert.match(pod.containers[0].image, /^[^:]+(:[^@]+)?(@sha256:[a-f0-9]{64})?$/);
        }
      });

      it('gives the gateway enough grace to sleep in preStop and then drain its sockets', () => {
        const deployment = find(objects, 'Deployment', name('gateway'));
        const c = container(objects, 'gateway');
        const sleep = c.lifecycle.preStop.exec.command;
        assert.equal(sleep[0], 'sleep');
        const drainMs = Number(containerEnv(objects, c).get('SHUTDOWN_DRAIN_MS')?.value);
        assert.ok(drainMs >= 0);
        const grace = deployment.spec.template.spec.terminationGracePeriodSeconds;
        assert.ok(grace > Number(sleep[1]) + drainMs / 1000, `grace ${grace}s <= preStop ${sleep[1]}s + drain ${drainMs}ms`);
      });

      it('runs two writers, a leader and a standby, which never both leave at once', () => {
        const writer = find(objects, 'Deployment', name('writer'));
        assert.equal(writer.spec.replicas, 2);
        const budget = find(objects, 'PodDisruptionBudget', name('writer'));
        assert.equal(budget.spec.maxUnavailable, 1);
        const env = containerEnv(objects, container(objects, 'writer'));
        assert.deepEqual(env.get('WRITER_ID'), { field: 'metadata.name' });
        assert.equal(find(objects, 'Service', `${name('writer')}-metrics`).spec.clusterIP, 'None');
      });

      it('lets the gateways wait for the snapshotter to restore the canvas when there is one', () => {
        const env = containerEnv(objects, container(objects, 'gateway'));
        assert.equal(env.get('CANVAS_BOOTSTRAP')?.value, present('snapshotter') ? 'wait' : 'create');
      });

      it('scrapes every service with a ServiceMonitor when the Prometheus Operator API exists', () => {
        const monitors = ofKind(objects, 'ServiceMonitor');
        // The embedded Valkey's exporter is scraped too: TesseraRedisMemoryHigh reads it.
        const embeddedRedis = objects.some((o) => o.kind === 'StatefulSet' && o.metadata.name === name('redis'));
        const expected = [...SERVICES.filter(present), ...(embeddedRedis ? ['redis'] : [])].map(name).sort();
        assert.deepEqual(monitors.map((m) => m.metadata.name).sort(), expected);
        for (const monitor of monitors) assert.equal(monitor.spec.endpoints[0].path, '/metrics');
      });
    });
  }

  describe('with the defaults of a plain cluster', () => {
    it('renders no ServiceMonitor or PrometheusRule without the monitoring.coreos.com/v1 API', async () => {
      const objects = await render({ valuesFiles: [file('autoscaling')] });
      assert.deepEqual(ofKind(objects, 'ServiceMonitor'), []);
      assert.deepEqual(ofKind(objects, 'PrometheusRule'), []);
    });

    it('puts a preStop sleep and a computed grace period on the gateway', async () => {
      const objects = await render({ valuesFiles: [file('default')] });
      const gateway = find(objects, 'Deployment', name('gateway'));
      assert.equal(gateway.spec.template.spec.terminationGracePeriodSeconds, 10 + 10 + 15);
      assert.deepEqual(container(objects, 'gateway').lifecycle.preStop.exec.command, ['sleep', '10']);
      assert.equal(gateway.spec.replicas, 2);
      assert.equal(find(objects, 'Service', name('gateway')).spec.ports[0].targetPort, 'http');
    });

    it('generates a session secret of at least 32 characters and an admin token', async () => {
      const objects = await render({ valuesFiles: [file('default')] });
      const secret = find(objects, 'Secret', RELEASE);
      const decoded = (key: string): string => Buffer.from(secret.data[key], 'base64').toString('utf8');
      assert.ok(decoded('SESSION_SECRET').length >= 32);
      assert.ok(decoded('ADMIN_TOKENS').length >= 32);
      assert.equal(decoded('REDIS_URL'), 'redis://redis.example.internal:6379');
    });

    it('looks the stored secrets up so an upgrade keeps them', () => {
      const helpers = readFileSync(join(chartDir, 'templates', '_helpers.tpl'), 'utf8');
      assert.match(helpers, /lookup "v1" "Secret"/);
    });
  });

  describe('with autoscaling', () => {
    it('hands the replica count to a HorizontalPodAutoscaler on CPU', async () => {
      const objects = await render({ valuesFiles: [file('autoscaling')] });
      const gateway = find(objects, 'Deployment', name('gateway'));
      assert.equal(gateway.spec.replicas, undefined);
      const hpa = find(objects, 'HorizontalPodAutoscaler', name('gateway'));
      assert.equal(hpa.spec.scaleTargetRef.name, name('gateway'));
      assert.ok(hpa.spec.metrics.some((m: K8sObject) => m.resource?.name === 'cpu'));
      assert.ok(hpa.spec.minReplicas >= 2);
      assert.ok(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds >= 60, 'scale-down should not flap players around');
    });

    it("takes every credential from the SRE's Secrets and S3 access from IRSA", async () => {
      const objects = await render({ valuesFiles: [file('autoscaling')] });
      assert.deepEqual(ofKind(objects, 'Secret'), []);
      const gatewayEnv = containerEnv(objects, container(objects, 'gateway'));
      assert.deepEqual(gatewayEnv.get('SESSION_SECRET')?.secret, { name: 'tessera-auth', key: 'SESSION_SECRET' });
      assert.equal(
        gatewayEnv.get('REDIS_SENTINELS')?.value,
        'redis-sentinel-0.redis-sentinel:26379,redis-sentinel-1.redis-sentinel:26379,redis-sentinel-2.redis-sentinel:26379',
      );
      assert.equal(gatewayEnv.get('REDIS_SENTINEL_MASTER')?.value, 'tessera');
      assert.ok(!gatewayEnv.has('REDIS_URL'));
      const snapshotterEnv = containerEnv(objects, container(objects, 'snapshotter'));
      assert.ok(!snapshotterEnv.has('AWS_ACCESS_KEY_ID'));
      const account = find(objects, 'ServiceAccount', name('snapshotter'));
      assert.match(account.metadata.annotations?.['eks.amazonaws.com/role-arn'] ?? '', /^arn:aws:iam::/);
      assert.equal(find(objects, 'Deployment', name('snapshotter')).spec.template.spec.serviceAccountName, name('snapshotter'));
      assert.equal(find(objects, 'ServiceAccount', name('gateway')).metadata.annotations, undefined);
    });

    it('stretches the gateway grace period with a longer drain', async () => {
      const objects = await render({ valuesFiles: [file('autoscaling')] });
      assert.equal(find(objects, 'Deployment', name('gateway')).spec.template.spec.terminationGracePeriodSeconds, 15 + 30 + 15);
    });

    it('alerts on a missing writer leader and a stale snapshot', async () => {
      const objects = await render({ valuesFiles: [file('autoscaling')], apiVersions: [PROMETHEUS_OPERATOR_API] });
      const rule = find(objects, 'PrometheusRule', RELEASE);
      const alerts = rule.spec.groups.flatMap((group: K8sObject) => group.rules.map((r: K8sObject) => r.alert));
      assert.ok(alerts.includes('TesseraNoWriterLeader'));
      assert.ok(alerts.includes('TesseraSnapshotTooOld'));
      assert.equal(rule.metadata.labels?.release, 'kube-prometheus-stack');
    });
  });

  describe('with the embedded Redis', () => {
    let objects: K8sObject[];
    before(async () => {
      objects = await render({ valuesFiles: [file('embedded-redis')] });
    });

    it('runs one Redis node with AOF, no eviction and a volume claim', () => {
      const redis = find(objects, 'StatefulSet', name('redis'));
      assert.equal(redis.spec.replicas, 1);
      const args: string[] = redis.spec.template.spec.containers[0].args;
      const option = (flag: string): string | undefined => args[args.indexOf(flag) + 1];
      assert.equal(option('--appendonly'), 'yes');
      assert.equal(option('--appendfsync'), 'everysec');
      assert.equal(option('--maxmemory-policy'), 'noeviction');
      assert.equal(option('--dir'), '/data');
      assert.equal(option('--requirepass'), '$(REDIS_PASSWORD)');
      assert.equal(redis.spec.volumeClaimTemplates[0].spec.resources.requests.storage, '4Gi');
      assert.equal(redis.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem, true);
    });

    it('hands the services a URL with the generated password to the Redis Service', () => {
      const secret = find(objects, 'Secret', RELEASE);
      const decoded = (key: string): string => Buffer.from(secret.data[key], 'base64').toString('utf8');
      const url = new URL(decoded('REDIS_URL'));
      assert.equal(url.protocol, 'redis:');
      assert.equal(url.hostname, `${name('redis')}.events.svc`);
      assert.equal(url.port, '6379');
      assert.equal(decodeURIComponent(url.password), decoded('REDIS_PASSWORD'));
      assert.equal(find(objects, 'Service', name('redis')).spec.ports[0].port, 6379);
    });

    it("admits only this release's services to Redis", () => {
      const policy = find(objects, 'NetworkPolicy', name('redis'));
      const components = policy.spec.ingress[0].from.map((peer: K8sObject) => peer.podSelector.matchLabels['app.kubernetes.io/component']);
      assert.deepEqual(components.sort(), ['gateway', 'snapshotter', 'writer']);
    });

    it('passes static S3 credentials and the MinIO endpoint to the snapshotter', () => {
      const env = containerEnv(objects, container(objects, 'snapshotter'));
      assert.deepEqual(env.get('AWS_ACCESS_KEY_ID')?.secret, { name: RELEASE, key: 'AWS_ACCESS_KEY_ID' });
      assert.equal(env.get('S3_ENDPOINT')?.value, 'http://minio.minio.svc:9000');
      assert.equal(env.get('S3_FORCE_PATH_STYLE')?.value, 'true');
      assert.equal(env.get('CANVAS_WIDTH')?.value, '500');
    });
  });

  describe('with an Ingress', () => {
    it('routes every path to the gateway Service with long socket timeouts', async () => {
      const objects = await render({ valuesFiles: [file('ingress')] });
      const ingress = find(objects, 'Ingress', name('gateway'));
      assert.equal(ingress.spec.ingressClassName, 'nginx');
      assert.equal(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-read-timeout'], '3600');
      assert.equal(ingress.metadata.annotations?.['cert-manager.io/cluster-issuer'], 'letsencrypt');
      const backend = ingress.spec.rules[0].http.paths[0].backend.service;
      assert.equal(backend.name, name('gateway'));
      assert.equal(backend.port.name, 'http');
      const env = containerEnv(objects, container(objects, 'gateway'));
      assert.equal(env.get('TRUST_PROXY')?.value, '1', 'behind a proxy the client address is in X-Forwarded-For');
      assert.equal(env.get('AUTH_JWKS_URL')?.value, 'https://example.eu.auth0.com/.well-known/jwks.json');
      assert.equal(env.get('CANVAS_PALETTE')?.value?.split(',').length, 8);
      assert.deepEqual(env.get('REDIS_URL')?.secret, { name: 'tessera-redis', key: 'url' });
      const snapshotter = containerEnv(objects, container(objects, 'snapshotter'));
      assert.deepEqual(snapshotter.get('AWS_SECRET_ACCESS_KEY')?.secret, { name: 'tessera-s3', key: 'secret-key' });
    });
  });

  describe('with a Gateway API HTTPRoute', () => {
    it('sends /socket.io/ to the gateway with the request timeout disabled', async () => {
      const objects = await render({ valuesFiles: [file('gateway-api')] });
      const route = find(objects, 'HTTPRoute', name('gateway'));
      assert.equal(route.apiVersion, 'gateway.networking.k8s.io/v1');
      assert.deepEqual(route.spec.parentRefs, [{ name: 'public', namespace: 'gateway-system', sectionName: 'https' }]);
      const socketRule = route.spec.rules.find((rule: K8sObject) => rule.matches[0].path.value === '/socket.io/');
      assert.ok(socketRule);
      assert.equal(socketRule.timeouts.request, '0s');
      for (const rule of route.spec.rules) {
        assert.deepEqual(rule.backendRefs, [{ name: name('gateway'), port: 80 }]);
      }
      const gateway = find(objects, 'Deployment', name('gateway'));
      assert.match(gateway.spec.template.spec.containers[0].image, /@sha256:[a-f0-9]{64}$/);
      assert.equal(gateway.spec.template.metadata.annotations['prometheus.io/port'], '8080');
      assert.equal(find(objects, 'ConfigMap', `${RELEASE}-dashboard`).metadata.namespace, 'monitoring');
    });
  });

  describe('the helm test pod', () => {
    it('checks /readyz and a WebSocket upgrade through the gateway Service', async () => {
      const objects = await render({ valuesFiles: [file('default')] });
      const pod = ofKind(objects, 'Pod').find((p) => p.metadata.annotations?.['helm.sh/hook'] === 'test');
      assert.ok(pod, 'no helm test pod');
      assert.equal(pod.spec.restartPolicy, 'Never');
      const c = pod.spec.containers[0];
      assert.equal(c.env.find((e: K8sObject) => e.name === 'GATEWAY_URL').value, `http://${name('gateway')}:80`);
      const script: string = c.args.at(-1);
      assert.match(script, /\/readyz/);
      assert.match(script, /\/socket\.io\/\?EIO=4&transport=websocket/);
      assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    });
  });

  describe('the Grafana dashboard', () => {
    const METRICS = [
      'tessera_gateway_connections',
      'tessera_placements_total',
      'tessera_place_ack_duration_seconds',
      'tessera_writer_delta_age_seconds',
      'tessera_writer_lag_seconds',
      'tessera_writer_tick_duration_seconds',
      'tessera_writer_is_leader',
      'tessera_snapshot_last_success_timestamp_seconds',
      'tessera_snapshot_duration_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'process_resident_memory_bytes',
    ];

    it('ships as valid JSON in a ConfigMap the Grafana sidecar picks up', async () => {
      const objects = await render({ valuesFiles: [file('default')] });
      const configMap = find(objects, 'ConfigMap', `${RELEASE}-dashboard`);
      assert.equal(configMap.metadata.labels?.grafana_dashboard, '1');
      const dashboard = JSON.parse(configMap.data['tessera.json']);
      assert.equal(dashboard.uid, 'tessera-overview');
    });

    it('shows connections, placements per second, delta latency, writer lag and snapshot age from real metric names', () => {
      const dashboard = JSON.parse(readFileSync(join(chartDir, 'dashboards', 'tessera.json'), 'utf8'));
      const panels: K8sObject[] = dashboard.panels.filter((p: K8sObject) => p.type !== 'row');
      const exprs = panels.flatMap((p) => p.targets.map((t: { expr: string }) => t.expr));
      for (const expr of exprs) {
        for (const metric of expr.match(/\b(tessera|nodejs|process)_[a-z0-9_]+/g) ?? []) {
          const base = metric.replace(/_(bucket|sum|count)$/, '');
          assert.ok(METRICS.includes(base), `dashboard queries unknown metric ${metric}`);
        }
      }
      const titles = panels.map((p) => p.title.toLowerCase());
      for (const wanted of ['connections', 'placements', 'delta latency', 'writer lag', 'snapshot age']) {
        assert.ok(
          titles.some((title) => title.includes(wanted)),
          `no panel about ${wanted}`,
        );
      }
      for (const metric of [
        'tessera_gateway_connections',
        'tessera_placements_total',
        'tessera_writer_delta_age_seconds',
        'tessera_writer_lag_seconds',
        'tessera_snapshot_last_success_timestamp_seconds',
      ]) {
        assert.ok(
          exprs.some((expr) => expr.includes(metric)),
          `no panel queries ${metric}`,
        );
      }
      const ids = panels.map((p) => p.id);
      assert.equal(new Set(ids).size, ids.length, 'panel ids must be unique');
    });
  });
});
