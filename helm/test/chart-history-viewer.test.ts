import assert from 'node:assert/strict';
import { containerEnv, find, ofKind, render, renderError, RELEASE, type K8sObject } from './support/chart.js';

function gatewayEnv(objects: readonly K8sObject[]) {
  const deployment = find(objects, 'Deployment', `${RELEASE}-gateway`);
  const container = deployment.spec.template.spec.containers.find((c: K8sObject) => c.name === 'gateway');
  return containerEnv(objects, container);
}

function secretData(objects: readonly K8sObject[]): Record<string, string> {
  const secret = find(objects, 'Secret', RELEASE);
  return Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}

describe("the chart's history viewer", function () {
  this.timeout(60_000);

  it('is off by default: gateways get no archive location and no S3 credentials', async () => {
    const env = gatewayEnv(await render());
    assert.deepEqual(
      [...env.keys()].filter((name) => /^HISTORY_|^AWS_/.test(name)),
      [],
    );
  });

  it('with the bundled store: gateways read the archive with a generated identity that may only read and list', async () => {
    const objects = await render({ set: ['historyViewer.enabled=true', 'networkPolicy.enabled=true'] });
    const env = gatewayEnv(objects);
    assert.equal(env.get('HISTORY_S3_BUCKET')?.value, 'tessera');
    assert.equal(env.get('HISTORY_S3_PREFIX')?.value, 'tessera/');
    assert.match(env.get('HISTORY_S3_ENDPOINT')?.value ?? '', /objectstore.*:8333$/);
    assert.deepEqual(env.get('HISTORY_S3_ACCESS_KEY_ID')?.secret, { name: RELEASE, key: 'HISTORY_S3_ACCESS_KEY_ID' });
    assert.ok(![...env.keys()].some((name) => name.startsWith('AWS_')), "never the snapshotter's write keys");
    const data = secretData(objects);
    const { identities } = JSON.parse(data['seaweedfs-s3.json']!) as {
      identities: { name: string; actions: string[]; credentials: { accessKey: string }[] }[];
    };
    const reader = identities.find((identity) => identity.name === 'tessera-history-reader');
    assert.deepEqual(reader?.actions, ['Read', 'List']);
    assert.equal(reader?.credentials[0]?.accessKey, data.HISTORY_S3_ACCESS_KEY_ID);
    assert.notEqual(data.HISTORY_S3_ACCESS_KEY_ID, data.AWS_ACCESS_KEY_ID);
    // The store's NetworkPolicy lets the gateways in; SeaweedFS restarts to load the new identity.
    const policy = find(objects, 'NetworkPolicy', `${RELEASE}-objectstore`);
    const from = policy.spec.ingress[0].from.map((peer: K8sObject) => peer.podSelector.matchLabels['app.kubernetes.io/component']);
    assert.deepEqual(from.sort(), ['gateway', 'snapshotter']);
    const store = find(objects, 'StatefulSet', `${RELEASE}-objectstore`);
    const plain = find(await render(), 'StatefulSet', `${RELEASE}-objectstore`);
    assert.notEqual(store.spec.template.metadata.annotations['checksum/secret'], plain.spec.template.metadata.annotations['checksum/secret']);
  });

  it("with a real bucket: the snapshotter's location, and read-only keys of its own or none (IRSA)", async () => {
    const bucket = ['snapshotter.s3.bucket=events-archive', 'snapshotter.s3.region=eu-west-1', 'historyViewer.enabled=true'];
    const withKeys = await render({ set: [...bucket, 'historyViewer.accessKeyId=reader', 'historyViewer.secretAccessKey=reader-secret'] });
    const env = gatewayEnv(withKeys);
    assert.equal(env.get('HISTORY_S3_BUCKET')?.value, 'events-archive');
    assert.equal(env.get('HISTORY_S3_REGION')?.value, 'eu-west-1');
    assert.equal(env.has('HISTORY_S3_ENDPOINT'), false);
    assert.equal(secretData(withKeys).HISTORY_S3_SECRET_ACCESS_KEY, 'reader-secret');
    const irsa = gatewayEnv(await render({ set: bucket }));
    assert.equal(irsa.has('HISTORY_S3_ACCESS_KEY_ID'), false);
    const existing = gatewayEnv(await render({ set: [...bucket, 'historyViewer.existingSecret=history-keys', 'historyViewer.accessKeyIdKey=id'] }));
    assert.deepEqual(existing.get('HISTORY_S3_ACCESS_KEY_ID')?.secret, { name: 'history-keys', key: 'id' });
    assert.equal(
      ofKind(withKeys, 'NetworkPolicy').some((policy) => policy.metadata.name === `${RELEASE}-objectstore`),
      false,
    );
  });

  it('refuses to render without a snapshotter, or with a key id but no secret', async () => {
    assert.match(await renderError({ set: ['historyViewer.enabled=true', 'snapshotter.enabled=false'] }), /historyViewer.enabled needs snapshotter.enabled/);
    assert.match(
      await renderError({ set: ['historyViewer.enabled=true', 'snapshotter.s3.bucket=b-1', 'historyViewer.accessKeyId=reader'] }),
      /historyViewer.secretAccessKey is required/,
    );
  });
});
