/**
 * The chart's alerts evaluated by Prometheus's own rule engine: `promtool test rules` (installed by
 * scripts/ensure-system-deps.sh from Debian's prometheus package) runs each alert against
 * synthetic series, once where it must fire and once where it must stay quiet.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { NAMESPACE, PROMETHEUS_OPERATOR_API, find, RELEASE, render, type K8sObject } from './support/chart.js';

const run = promisify(execFile);

const ns = NAMESPACE;
const svc = (component: string): string => `service="${RELEASE}-${component}-metrics"`;
const at = (component: string): string => `namespace="${ns}", ${svc(component)}`;
/** Labels every alert carries: its severity and metrics.prometheusRule.additionalAlertLabels. */
const TEAM = { team: 'canvas' };

interface Case {
  /** Series in promtool's notation: `metric{labels}` → `values`. */
  readonly series: Record<string, string>;
  /** Labels of each expected alert (beyond severity and TEAM); [] means it must stay quiet. */
  readonly alerts: readonly Record<string, string>[];
}
interface AlertSpec {
  readonly severity: 'critical' | 'warning';
  readonly fires: readonly Case[];
  readonly quiet: readonly Case[];
}

// Samples every minute for 20 minutes; alerts are judged at minute 15, past every `for`.
const SPECS: Record<string, AlertSpec> = {
  TesseraNoWriterLeader: {
    severity: 'critical',
    fires: [
      {
        series: { [`tessera_writer_is_leader{${at('writer')}, pod="w-0"}`]: '0x20', [`tessera_writer_is_leader{${at('writer')}, pod="w-1"}`]: '0x20' },
        alerts: [{}],
      },
      // Every writer down: no series at all. Another release's leader must not hide that.
      { series: { [`tessera_writer_is_leader{namespace="${ns}", service="other-writer-metrics", pod="o-0"}`]: '1x20' }, alerts: [{}] },
    ],
    quiet: [
      {
        series: { [`tessera_writer_is_leader{${at('writer')}, pod="w-0"}`]: '1x20', [`tessera_writer_is_leader{${at('writer')}, pod="w-1"}`]: '0x20' },
        alerts: [],
      },
    ],
  },
  TesseraSeveralWriterLeaders: {
    severity: 'critical',
    fires: [
      {
        series: { [`tessera_writer_is_leader{${at('writer')}, pod="w-0"}`]: '1x20', [`tessera_writer_is_leader{${at('writer')}, pod="w-1"}`]: '1x20' },
        alerts: [{}],
      },
    ],
    quiet: [
      {
        series: { [`tessera_writer_is_leader{${at('writer')}, pod="w-0"}`]: '1x20', [`tessera_writer_is_leader{${at('writer')}, pod="w-1"}`]: '0x20' },
        alerts: [],
      },
      // A second release's leader in the same namespace is not a second leader of this one.
      {
        series: {
          [`tessera_writer_is_leader{${at('writer')}, pod="w-0"}`]: '1x20',
          [`tessera_writer_is_leader{namespace="${ns}", service="other-writer-metrics", pod="o-0"}`]: '1x20',
        },
        alerts: [],
      },
    ],
  },
  TesseraWriterLagging: {
    severity: 'warning',
    fires: [{ series: { [`tessera_writer_lag_seconds{${at('writer')}, pod="w-0"}`]: '12x20' }, alerts: [{}] }],
    quiet: [{ series: { [`tessera_writer_lag_seconds{${at('writer')}, pod="w-0"}`]: '0.4x20' }, alerts: [] }],
  },
  TesseraSnapshotFailing: {
    severity: 'warning',
    fires: [{ series: { [`tessera_snapshot_failures_total{${at('snapshotter')}, pod="s-0", job_name="snapshot"}`]: '0+6x20' }, alerts: [{}] }],
    quiet: [{ series: { [`tessera_snapshot_failures_total{${at('snapshotter')}, pod="s-0", job_name="snapshot"}`]: '3x20' }, alerts: [] }],
  },
  TesseraSnapshotTooOld: {
    severity: 'critical',
    fires: [
      { series: { [`tessera_snapshot_age_seconds{${at('snapshotter')}, pod="s-0"}`]: '300+60x20' }, alerts: [{}] },
      // The snapshotter is gone: absent() names the selector's labels.
      {
        series: { [`tessera_snapshot_age_seconds{namespace="${ns}", service="other-snapshotter-metrics", pod="o-0"}`]: '5x20' },
        alerts: [{ namespace: ns, service: `${RELEASE}-snapshotter-metrics` }],
      },
    ],
    quiet: [{ series: { [`tessera_snapshot_age_seconds{${at('snapshotter')}, pod="s-0"}`]: '8x20' }, alerts: [] }],
  },
  TesseraRedisMemoryHigh: {
    severity: 'critical',
    fires: [
      {
        series: {
          [`redis_memory_used_bytes{${at('redis')}, pod="r-0"}`]: '900000000x20',
          [`redis_memory_max_bytes{${at('redis')}, pod="r-0"}`]: '1000000000x20',
        },
        alerts: [{}],
      },
    ],
    quiet: [
      {
        series: {
          [`redis_memory_used_bytes{${at('redis')}, pod="r-0"}`]: '300000000x20',
          [`redis_memory_max_bytes{${at('redis')}, pod="r-0"}`]: '1000000000x20',
        },
        alerts: [],
      },
      // No maxmemory (0): there is no ceiling to be near.
      {
        series: { [`redis_memory_used_bytes{${at('redis')}, pod="r-0"}`]: '900000000x20', [`redis_memory_max_bytes{${at('redis')}, pod="r-0"}`]: '0x20' },
        alerts: [],
      },
    ],
  },
  TesseraGatewayErrorRate: {
    severity: 'warning',
    fires: [
      {
        series: {
          [`tessera_placements_total{${at('gateway')}, pod="g-0", result="accepted"}`]: '0+600x20',
          [`tessera_placements_total{${at('gateway')}, pod="g-0", result="INTERNAL"}`]: '0+60x20',
          [`tessera_placements_total{${at('gateway')}, pod="g-0", result="CANVAS_UNAVAILABLE"}`]: '0+30x20',
        },
        alerts: [{}],
      },
    ],
    quiet: [
      {
        // Players' own refusals (cooldown, rate limit) are not server errors, however many.
        series: {
          [`tessera_placements_total{${at('gateway')}, pod="g-0", result="accepted"}`]: '0+600x20',
          [`tessera_placements_total{${at('gateway')}, pod="g-0", result="COOLDOWN"}`]: '0+3000x20',
          [`tessera_placements_total{${at('gateway')}, pod="g-0", result="INTERNAL"}`]: '0+6x20',
        },
        alerts: [],
      },
    ],
  },
  TesseraEventLoopLag: {
    severity: 'warning',
    fires: [
      {
        series: {
          [`nodejs_eventloop_lag_p99_seconds{${at('gateway')}, pod="g-0"}`]: '0.4x20',
          [`nodejs_eventloop_lag_p99_seconds{${at('writer')}, pod="w-0"}`]: '0.01x20',
        },
        alerts: [{ pod: 'g-0' }],
      },
    ],
    quiet: [
      {
        series: {
          [`nodejs_eventloop_lag_p99_seconds{${at('gateway')}, pod="g-0"}`]: '0.02x20',
          [`nodejs_eventloop_lag_p99_seconds{namespace="${ns}", service="other-gateway-metrics", pod="o-0"}`]: '0.9x20',
        },
        alerts: [],
      },
    ],
  },
  TesseraGatewayNotReady: {
    severity: 'warning',
    fires: [{ series: { [`kube_deployment_status_replicas_unavailable{namespace="${ns}", deployment="${RELEASE}-gateway"}`]: '1x20' }, alerts: [{}] }],
    quiet: [{ series: { [`kube_deployment_status_replicas_unavailable{namespace="${ns}", deployment="${RELEASE}-gateway"}`]: '0x20' }, alerts: [] }],
  },
};

async function promtool(args: readonly string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run('promtool', [...args]);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code?: number | string; stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT')
      throw new Error('promtool is missing: run `bash scripts/ensure-system-deps.sh promtool` (Debian package prometheus)', { cause: error });
    return { code: typeof failure.code === 'number' ? failure.code : 1, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}

describe("the chart's alerts, evaluated by promtool", function () {
  this.timeout(60_000);
  let dir: string;
  let rules: K8sObject;
  let rulesFile: string;

  before(async () => {
    // The no-values install (embedded Valkey with its exporter, bundled store), plus alert labels.
    const objects = await render({ set: [`metrics.prometheusRule.additionalAlertLabels.team=${TEAM.team}`], apiVersions: [PROMETHEUS_OPERATOR_API] });
    rules = find(objects, 'PrometheusRule', RELEASE);
    dir = await mkdtemp(join(tmpdir(), 'tessera-rules-'));
    // Annotations are checked by `promtool check rules` (template syntax); the unit tests compare
    // labels only, so the copy they run has none.
    await writeFile(join(dir, 'full.yaml'), stringify({ groups: rules.spec.groups }));
    const bare = rules.spec.groups.map((group: K8sObject) => ({ ...group, rules: group.rules.map(({ annotations: _, ...rule }: K8sObject) => rule) }));
    rulesFile = join(dir, 'rules.yaml');
    await writeFile(rulesFile, stringify({ groups: bare }));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders every alert by default, and each is valid PromQL with valid templates', async () => {
    const alerts = rules.spec.groups.flatMap((group: K8sObject) => group.rules.map((rule: K8sObject) => rule.alert)).sort();
    assert.deepEqual(alerts, Object.keys(SPECS).sort());
    const checked = await promtool(['check', 'rules', join(dir, 'full.yaml')]);
    assert.equal(checked.code, 0, checked.output);
  });

  for (const [alert, spec] of Object.entries(SPECS)) {
    it(`${alert} fires on its synthetic series and stays quiet otherwise`, async () => {
      const cases = [...spec.fires, ...spec.quiet];
      const tests = cases.map((c) => ({
        interval: '1m',
        input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
        alert_rule_test: [
          { eval_time: '15m', alertname: alert, exp_alerts: c.alerts.map((labels) => ({ exp_labels: { severity: spec.severity, ...TEAM, ...labels } })) },
        ],
      }));
      const file = join(dir, `${alert}.test.yaml`);
      await writeFile(file, stringify({ rule_files: [rulesFile], evaluation_interval: '1m', tests }));
      const result = await promtool(['test', 'rules', file]);
      assert.equal(result.code, 0, result.output);
    });
  }

  it('drops an alert switched off, and scopes the Redis alert to the exporter the SRE names', async () => {
    const objects = await render({
      set: [
        'metrics.prometheusRule.alerts.TesseraGatewayNotReady=false',
        'redis.url=redis://r:6379',
        'metrics.prometheusRule.redisSelector=job="redis-exporter"',
      ],
      apiVersions: [PROMETHEUS_OPERATOR_API],
    });
    const rule = find(objects, 'PrometheusRule', RELEASE);
    const byName = new Map<string, K8sObject>(rule.spec.groups.flatMap((group: K8sObject) => group.rules.map((r: K8sObject) => [r.alert, r] as const)));
    assert.ok(!byName.has('TesseraGatewayNotReady'));
    assert.match(byName.get('TesseraRedisMemoryHigh')!.expr, /redis_memory_used_bytes\{job="redis-exporter"\}/);
    // An external Redis without a selector: no exporter the chart knows of, so no alert that could never fire.
    const external = find(await render({ set: ['redis.url=redis://r:6379'], apiVersions: [PROMETHEUS_OPERATOR_API] }), 'PrometheusRule', RELEASE);
    assert.ok(!external.spec.groups[0].rules.some((r: K8sObject) => r.alert === 'TesseraRedisMemoryHigh'));
  });
});
