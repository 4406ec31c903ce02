import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Node, type Pair } from 'yaml';
import { chartDir, ciValuesFiles, helm, renderError } from './support/chart.js';

const defaults = ciValuesFiles().get('default')!;
const lintWith = (set: readonly string[]) => helm(['lint', chartDir, '--values', defaults, ...set.flatMap((s) => ['--set', s])]);

describe('the chart values', function () {
  this.timeout(60_000);

  describe('values.schema.json', () => {
    const cases: [string, string[], RegExp][] = [
      ['an unknown top-level key', ['replicaCount=3'], /additional propert(y|ies) 'replicaCount' not allowed/],
      ['an unknown nested key (a typo)', ['gateway.replica=3'], /additional propert(y|ies) 'replica' not allowed/],
      ['a string where a number belongs', ['gateway.replicas=two'], /gateway\/replicas.*want integer|got string, want integer/],
      ['a boolean written as a string', ['ingress.enabled=yes'], /ingress\/enabled/],
      ['a log level the services do not know', ['logLevel=verbose'], /logLevel/],
      ['a canvas id outside [a-z0-9][a-z0-9_-]{0,31}', ['canvas.id=Main Canvas'], /canvas\/id/],
      ['a session secret shorter than 32 characters', ['secrets.sessionSecret=short'], /secrets\/sessionSecret/],
      ['a Redis URL that is not redis:// or rediss://', ['redis.url=http://redis:6379'], /redis\/url/],
      ['a Sentinel entry without a port', ['redis.sentinel.hosts={sentinel-0}'], /redis\/sentinel\/hosts/],
      ['a palette colour that is not #rrggbb', ['canvas.palette={red}'], /canvas\/palette/],
      ['an unknown delta wire format', ['writer.config.deltaWireFormat=json'], /deltaWireFormat/],
      ['a non-string annotation value', ['gateway.podAnnotations.sidecar\\.istio\\.io/inject=false'], /podAnnotations/],
      ['an unknown field in the security context', ['containerSecurityContext.readOnlyRootFS=true'], /readOnlyRootFS/],
      ['a port out of range', ['gateway.port=70000'], /gateway\/port/],
    ];
    for (const [what, set, message] of cases) {
      it(`rejects ${what}`, async () => {
        const [lint, error] = await Promise.all([lintWith(set), renderError({ valuesFiles: [defaults], set })]);
        assert.notEqual(lint.code, 0, `helm lint accepted ${set.join(' ')}`);
        assert.match(error, message);
      });
    }

    it('accepts the defaults and every ci values file', async () => {
      const files = [...ciValuesFiles().values()];
      const results = await Promise.all(files.map((file) => helm(['lint', chartDir, '--values', file])));
      results.forEach((result, i) => assert.equal(result.code, 0, `${files[i]}: ${result.stdout}${result.stderr}`));
    });

    it('sets additionalProperties: false on every object it describes', () => {
      const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8'));
      const open: string[] = [];
      const walk = (node: unknown, path: string): void => {
        if (Array.isArray(node)) {
          node.forEach((item, i) => walk(item, `${path}[${i}]`));
          return;
        }
        if (!node || typeof node !== 'object') return;
        const record = node as Record<string, unknown>;
        if (record.properties && record.additionalProperties !== false) open.push(path || '/');
        for (const [key, child] of Object.entries(record)) walk(child, `${path}/${key}`);
      };
      walk(schema, '');
      assert.deepEqual(open, []);
    });
  });

  describe('rules the schema cannot express', () => {
    it('refuses to render without any Redis once the embedded one is off', async () => {
      const error = await renderError({ set: ['redis.embedded.enabled=false'] });
      assert.match(error, /Redis is not configured/);
    });

    it('refuses two external Redis at once', async () => {
      const error = await renderError({ valuesFiles: [defaults], set: ['redis.sentinel.hosts={sentinel-0:26379}'] });
      assert.match(error, /set only one Redis/);
    });

    it('refuses a snapshotter with neither a bucket nor the bundled store', async () => {
      const error = await renderError({ set: ['redis.url=redis://r:6379', 'objectStore.enabled=false'] });
      assert.match(error, /snapshotter\.s3\.bucket is required/);
    });

    it("refuses an identity provider's key set without the issuer and audience its tokens must name", async () => {
      for (const set of [
        ['gateway.oidc.jwksUrl=https://idp.test/jwks.json'],
        ['gateway.oidc.jwksUrl=https://idp.test/jwks.json', 'gateway.oidc.issuer=https://idp.test/'],
      ]) {
        const error = await renderError({ valuesFiles: [defaults], set });
        assert.match(error, /gateway\.oidc\.issuer and gateway\.oidc\.audience are required/);
      }
    });

    it('refuses a gateway grace period too short to drain', async () => {
      const error = await renderError({ valuesFiles: [defaults], set: ['gateway.terminationGracePeriodSeconds=15'] });
      assert.match(error, /terminationGracePeriodSeconds \(15\) must exceed/);
    });

    it('refuses an HTTPRoute attached to no Gateway', async () => {
      const error = await renderError({ valuesFiles: [defaults], set: ['httpRoute.enabled=true'] });
      assert.match(error, /httpRoute\.parentRefs/);
    });
  });

  describe('values.yaml', () => {
    const text = readFileSync(join(chartDir, 'values.yaml'), 'utf8');
    const doc = parseDocument(text);

    /** Dotted paths of documented values: a key with a comment, or a group whose keys all have one. */
    function documentedPaths(): { documented: string[]; undocumented: string[] } {
      const documented: string[] = [];
      const undocumented: string[] = [];
      // The parser hangs the comment above a map's first key on the map (or, at the top, on the
      // document); only the paragraph right above the key counts.
      const describes = (comment: string | null | undefined): boolean =>
        (comment ?? '')
          .split(/\n\s*\n/)
          .at(-1)!
          .trim()
          .startsWith('--');
      const visit = (node: Node | null | undefined, prefix: string, inherited: string | null | undefined): void => {
        if (!isMap(node)) return;
        (node.items as Pair<Node, Node>[]).forEach((pair, index) => {
          const key = isScalar(pair.key) ? String(pair.key.value) : '?';
          const path = prefix ? `${prefix}.${key}` : key;
          const own = pair.key.commentBefore;
          const comment = own ?? (index === 0 ? (node.commentBefore ?? inherited) : undefined);
          if (describes(comment)) documented.push(path);
          else if (isMap(pair.value) && pair.value.items.length > 0) visit(pair.value, path, undefined);
          else undocumented.push(path);
        });
      };
      visit(doc.contents, '', doc.commentBefore);
      return { documented, undocumented };
    }

    it('has a comment on every value', () => {
      const { documented, undocumented } = documentedPaths();
      assert.deepEqual(undocumented, []);
      assert.ok(documented.length > 100);
    });

    it('is listed value by value in the chart README', () => {
      const readme = readFileSync(join(chartDir, 'README.md'), 'utf8');
      const listed = new Set([...readme.matchAll(/^\|\s*`([^`]+)`\s*\|/gm)].map((m) => m[1]));
      const { documented } = documentedPaths();
      const missing = documented.filter((path) => !listed.has(path));
      assert.deepEqual(missing, [], 'values missing from the README table');
      const stale = [...listed].filter((path) => path && !documented.includes(path));
      assert.deepEqual(stale, [], 'README lists values that no longer exist');
    });

    it('documents each service variable it sets with the variable name', () => {
      for (const variable of [
        'SESSION_SECRET',
        'ADMIN_TOKENS',
        'REDIS_URL',
        'REDIS_SENTINELS',
        'CANVAS_ID',
        'SHUTDOWN_DRAIN_MS',
        'S3_BUCKET',
        'TICK_MS',
        'LOCK_TTL_MS',
      ]) {
        assert.ok(text.includes(variable), `values.yaml never mentions ${variable}`);
      }
      assert.ok(!isSeq(doc.get('gateway')));
    });
  });
});
