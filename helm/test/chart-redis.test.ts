import assert from 'node:assert/strict';
import { ciValuesFiles, containerEnv, find, render, renderError, RELEASE, type K8sObject } from './support/chart.js';

const defaults = ciValuesFiles().get('default')!;
const SERVICES = ['gateway', 'writer', 'snapshotter'] as const;

function serviceEnv(objects: readonly K8sObject[], service: string): ReturnType<typeof containerEnv> {
  const deployment = find(objects, 'Deployment', `${RELEASE}-${service}`);
  const container = deployment.spec.template.spec.containers.find((c: K8sObject) => c.name === service);
  assert.ok(container, `no ${service} container`);
  return containerEnv(objects, container);
}

describe("the chart's Redis connection values", function () {
  this.timeout(60_000);

  it("wires Sentinel with the master's and the Sentinels' passwords from an existing Secret, TLS and a CA file, into every service", async () => {
    const objects = await render({
      valuesFiles: [defaults],
      set: [
        'redis.embedded.enabled=false',
        'redis.url=',
        'redis.existingSecret=',
        'redis.sentinel.hosts={s-0:26379,s-1:26379,s-2:26379}',
        'redis.sentinel.passwordKey=SENTINEL_PW',
        'redis.sentinel.username=watcher',
        'redis.sentinel.tls=true',
        'redis.auth.existingSecret=redis-auth',
        'redis.auth.username=tessera',
        'redis.tls.enabled=true',
        'redis.tls.caFile=/etc/redis-ca/ca.crt',
      ],
    });
    for (const service of SERVICES) {
      const env = serviceEnv(objects, service);
      assert.equal(env.has('REDIS_URL'), false, `${service}: REDIS_URL with Sentinel`);
      assert.equal(env.get('REDIS_SENTINELS')?.value, 's-0:26379,s-1:26379,s-2:26379');
      assert.equal(env.get('REDIS_SENTINEL_USERNAME')?.value, 'watcher');
      assert.equal(env.get('REDIS_SENTINEL_TLS')?.value, 'true');
      assert.equal(env.get('REDIS_USERNAME')?.value, 'tessera');
      assert.equal(env.get('REDIS_TLS')?.value, 'true');
      assert.equal(env.get('REDIS_TLS_CA_FILE')?.value, '/etc/redis-ca/ca.crt');
      assert.deepEqual(env.get('REDIS_PASSWORD')?.secret, { name: 'redis-auth', key: 'REDIS_PASSWORD' }, service);
      assert.deepEqual(env.get('REDIS_SENTINEL_PASSWORD')?.secret, { name: 'redis-auth', key: 'SENTINEL_PW' }, service);
    }
  });

  it("keeps passwords given as values in the release's Secret, never in a ConfigMap", async () => {
    const objects = await render({
      valuesFiles: [defaults],
      set: [
        'redis.embedded.enabled=false',
        'redis.url=',
        'redis.existingSecret=',
        'redis.sentinel.hosts={s-0:26379}',
        'redis.auth.password=master-pw',
        'redis.sentinel.password=sentinel-pw',
      ],
    });
    const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === RELEASE)!;
    assert.equal(Buffer.from(secret.data.REDIS_PASSWORD, 'base64').toString(), 'master-pw');
    assert.equal(Buffer.from(secret.data.REDIS_SENTINEL_PASSWORD, 'base64').toString(), 'sentinel-pw');
    for (const configMap of objects.filter((o) => o.kind === 'ConfigMap')) assert.doesNotMatch(JSON.stringify(configMap.data ?? {}), /master-pw|sentinel-pw/);
    const env = serviceEnv(objects, 'writer');
    assert.deepEqual(env.get('REDIS_SENTINEL_PASSWORD')?.secret, { name: RELEASE, key: 'REDIS_SENTINEL_PASSWORD' });
  });

  it('switches every service to cluster mode with one value', async () => {
    const objects = await render({
      valuesFiles: [defaults],
      set: ['redis.embedded.enabled=false', 'redis.url=', 'redis.existingSecret=', 'redis.cluster.nodes={cfg.cache.example:6379}', 'redis.tls.enabled=true'],
    });
    for (const service of SERVICES) {
      const env = serviceEnv(objects, service);
      assert.equal(env.get('REDIS_CLUSTER_NODES')?.value, 'cfg.cache.example:6379');
      assert.equal(env.has('REDIS_URL'), false);
      assert.equal(env.has('REDIS_SENTINELS'), false);
    }
  });

  it('refuses Sentinel and cluster at once, and a CA path that is not absolute', async () => {
    assert.match(
      await renderError({
        valuesFiles: [defaults],
        set: ['redis.embedded.enabled=false', 'redis.url=', 'redis.existingSecret=', 'redis.sentinel.hosts={s:26379}', 'redis.cluster.nodes={n:6379}'],
      }),
      /set only one Redis.*sentinel, cluster/,
    );
    assert.match(await renderError({ valuesFiles: [defaults], set: ['redis.tls.caFile=ca.crt'] }), /redis\/tls\/caFile/);
  });
});
