import assert from 'node:assert/strict';
import { GATEWAY_API, PROMETHEUS_OPERATOR_API, ciValuesFiles, chartDir, helm, ofKind, render, validateObject, type K8sObject } from './support/chart.js';

const ciFiles = ciValuesFiles();
const withCrds = [PROMETHEUS_OPERATOR_API, GATEWAY_API];

describe('the chart', function () {
  this.timeout(60_000);

  it('has a ci values file for each deployment shape CI checks', () => {
    for (const name of ['default', 'autoscaling', 'embedded-redis', 'ingress', 'gateway-api', 'no-values', 'escape-hatches']) {
      assert.ok(ciFiles.has(name), `helm/tessera/ci/${name}-values.yaml is missing`);
    }
  });

  for (const [name, file] of ciFiles) {
    describe(`rendered with ci/${name}-values.yaml`, () => {
      it('passes helm lint --strict', async () => {
        const result = await helm(['lint', '--strict', chartDir, '--values', file]);
        assert.equal(result.code, 0, result.stdout + result.stderr);
      });

      it('renders only objects that satisfy the Kubernetes schemas, with no unknown fields', async () => {
        const objects = await render({ valuesFiles: [file], apiVersions: withCrds });
        assert.ok(objects.length > 0);
        const failures: string[] = [];
        for (const object of objects) {
          try {
            validateObject(object);
          } catch (error) {
            failures.push(`${object.kind}/${object.metadata?.name}: ${(error as Error).message}`);
          }
        }
        assert.deepEqual(failures, []);
      });

      it('gives every object a unique name and the standard labels', async () => {
        const objects = await render({ valuesFiles: [file], apiVersions: withCrds });
        const seen = new Set<string>();
        for (const object of objects) {
          const id = `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
          assert.ok(!seen.has(id), `${id} rendered twice`);
          seen.add(id);
          assert.ok(object.metadata.name.length <= 63, `${id} name is longer than 63`);
          const labels = object.metadata.labels ?? {};
          for (const label of ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/managed-by', 'helm.sh/chart']) {
            assert.ok(labels[label], `${id} lacks label ${label}`);
          }
        }
      });

      it('points every Service, PodDisruptionBudget and ServiceMonitor at pods it renders', async () => {
        const objects = await render({ valuesFiles: [file], apiVersions: withCrds });
        const podLabels = [...ofKind(objects, 'Deployment'), ...ofKind(objects, 'StatefulSet')].map(
          (workload: K8sObject) => workload.spec.template.metadata.labels as Record<string, string>,
        );
        const matchesSomePod = (selector: Record<string, string>): boolean =>
          podLabels.some((labels) => Object.entries(selector).every(([key, value]) => labels[key] === value));
        for (const service of ofKind(objects, 'Service')) {
          assert.ok(matchesSomePod(service.spec.selector), `Service ${service.metadata.name} selects no pod`);
        }
        for (const pdb of ofKind(objects, 'PodDisruptionBudget')) {
          assert.ok(matchesSomePod(pdb.spec.selector.matchLabels), `PDB ${pdb.metadata.name} selects no pod`);
        }
        const services = ofKind(objects, 'Service');
        for (const monitor of ofKind(objects, 'ServiceMonitor')) {
          const selected = services.filter((service) =>
            Object.entries(monitor.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => service.metadata.labels?.[k] === v),
          );
          assert.equal(selected.length, 1, `ServiceMonitor ${monitor.metadata.name} should select exactly one Service`);
          const portNames = selected[0]!.spec.ports.map((port: { name: string }) => port.name);
          for (const endpoint of monitor.spec.endpoints)
            assert.ok(portNames.includes(endpoint.port), `ServiceMonitor ${monitor.metadata.name} scrapes missing port ${endpoint.port}`);
        }
      });
    });
  }
});
