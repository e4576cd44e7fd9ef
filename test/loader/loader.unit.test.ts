import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatProblem, loadRepo, loadSettingsOnly, OPERATOR_REF_MESSAGE, PLAIN_SECRET_MESSAGE } from '../../src/loader/index.js';
import { keyOf } from '../../src/model/resource.js';
import { tempDir } from '../harness/tmp.js';
import { createTestKinds, loaderSchemas } from './kinds.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const registry = createTestKinds();
const schemas = loaderSchemas();
const SECRET_MSG = PLAIN_SECRET_MESSAGE;
const NAME_RULE =
  "use lower-case letters, digits, '-', '.' and '_', starting and ending with a letter or digit, at most 63 characters";

async function problemsOf(dir: string): Promise<string[]> {
  const result = await loadRepo(dir, { registry, schemas });
  return result.problems.map(formatProblem);
}

/** Each broken repo under test/fixtures/broken/<case>/ and exactly the problems it must produce, in order. */
const broken: { name: string; expected: string[] }[] = [
  { name: 'bad-indent', expected: ['hosts.yaml:5:1: all mapping items must start at the same column'] },
  { name: 'tab', expected: ['clusters.yaml:4:1: tabs are not allowed as indentation'] },
  {
    name: 'unknown-kind',
    expected: ['things.yaml:2:7: kind: unknown kind "Hots"; known kinds: Cluster, Host, Service'],
  },
  {
    name: 'unknown-field',
    expected: [
      'hosts.yaml:6:3: spec: missing required property "address"',
      'hosts.yaml:6:3: spec: unknown property "adress"',
    ],
  },
  { name: 'port-range', expected: ['hosts.yaml:7:9: spec.port: must be <= 65535'] },
  { name: 'plain-secret', expected: [`hosts.yaml:7:15: spec.privateKey: ${SECRET_MSG}`] },
  {
    name: 'operator-ref',
    expected: [`hosts.yaml:7:15: spec.privateKey: ${OPERATOR_REF_MESSAGE}`, `hosts.yaml:15:15: spec.privateKey: ${OPERATOR_REF_MESSAGE}`],
  },
  { name: 'duplicate-name', expected: ['b.yaml:5:9: duplicate Cluster/ops; first declared at a.yaml:1'] },
  { name: 'dangling-ref', expected: ['hosts.yaml:8:12: spec.cluster: Cluster/ops is not declared'] },
  { name: 'bad-name', expected: [`clusters.yaml:4:9: metadata.name: invalid name "Web_1": ${NAME_RULE}`] },
  { name: 'missing-spec', expected: ['clusters.yaml:1:1: missing required property "spec"'] },
  {
    name: 'two-files',
    expected: [
      'clusters/ops.yaml:7:3: spec: unknown property "ower"',
      'zz-services.yaml:8:16: spec.serviceType: must be one of: java, php, go, node, python, nginx, static, other',
    ],
  },
  {
    name: 'envelope',
    expected: [
      'resources.yaml:1:13: apiVersion: must be "driftless.dev/v1"',
      'resources.yaml:8:1: missing required property "kind"',
      'resources.yaml:17:3: metadata: missing required property "name"',
      'resources.yaml:20:1: unknown property "status"',
      'resources.yaml:22:1: document must be a mapping with apiVersion, kind, metadata and spec',
    ],
  },
  {
    name: 'bad-init',
    expected: [
      'hosts.yaml:6:12: spec.address: must be a hostname or IP address',
      `hosts.yaml:7:25: spec.privateKey.secret: invalid name "Lower Case": ${NAME_RULE}`,
      'hosts.yaml:13:7: spec.init[1]: missing required property "run"',
      'hosts.yaml:14:23: spec.init[1].timeoutSeconds: must be integer',
      'hosts.yaml:15:19: spec.expect.cpus: must be >= 1',
    ],
  },
  {
    name: 'bad-default',
    expected: [
      `driftless.yaml:4:17: spec.privateKey: ${SECRET_MSG}`,
      'driftless.yaml:5:3: defaults.Hots: unknown kind "Hots"; known kinds: Cluster, Host, Service',
    ],
  },
  {
    name: 'bad-settings',
    expected: [
      'driftless.yaml:2:14: concurrency: must be >= 1',
      'driftless.yaml:3:23: retry: unknown property "baseDelay"',
      // Named credentials in the repo are gone: the operator declares secrets.
      'driftless.yaml:4:1: unknown property "credentials"',
    ],
  },
];

describe('loadRepo on broken repos', () => {
  it.each(broken)('$name', async ({ name, expected }) => {
    expect(await problemsOf(join(fixtures, 'broken', name))).toEqual(expected);
  });

  it('covers every broken fixture directory in the table', async () => {
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(join(fixtures, 'broken')).sort()).toEqual(broken.map((c) => c.name).sort());
  });

  it('never repeats a secret value in a problem', async () => {
    const all = [
      ...(await problemsOf(join(fixtures, 'broken', 'plain-secret'))),
      ...(await problemsOf(join(fixtures, 'broken', 'bad-default'))),
      ...(await problemsOf(join(fixtures, 'broken', 'bad-settings'))),
    ].join('\n');
    for (const secret of ['BEGIN OPENSSH', 'b3BlbnNzaC1rZXkt', 'hunter2', 'ghp_plaintext']) {
      expect(all).not.toContain(secret);
    }
  });

  it('keeps declared resources of a broken repo, leaving out the duplicate', async () => {
    const result = await loadRepo(join(fixtures, 'broken', 'duplicate-name'), { registry, schemas });
    expect(result.resources.map((r) => [keyOf(r), r.source.file])).toEqual([['Cluster/ops', 'a.yaml']]);
  });
});

describe('loadRepo on a valid repo', () => {
  it('loads multi-document files in file order with positions, defaults and schema defaults applied', async () => {
    const result = await loadRepo(join(fixtures, 'valid'), { registry, schemas });
    expect(result.problems).toEqual([]);
    expect(result.resources.map((r) => `${keyOf(r)}@${r.source.file}:${r.source.line}:${r.source.col}`)).toEqual([
      'Cluster/ops@clusters.yaml:2:1',
      'Cluster/shop@clusters.yaml:11:1',
      'Host/web-1@hosts/web.yaml:1:1',
      'Host/web-2@hosts/web.yaml:18:1',
      'Service/storefront@services.yml:1:1',
    ]);
    const [web1, web2] = result.resources.filter((r) => r.kind === 'Host');
    expect(web1?.spec).toMatchObject({
      address: '10.0.0.11',
      user: 'deploy',
      port: 22,
      privateKey: { secret: 'ssh-key' },
      initTimeoutSeconds: 600,
      init: [{ name: 'packages', run: 'apt-get update\napt-get install -y nginx\n', timeoutSeconds: 300 }],
    });
    expect(web2?.spec).toMatchObject({ user: 'admin', port: 2222, privateKey: { secret: 'web-2-key' } });
    expect(web1?.metadata.annotations).toEqual({ 'driftless.dev/prune': 'false' });
  });

  it('reads settings with declared values over defaults', async () => {
    const { settings } = await loadRepo(join(fixtures, 'valid'), { registry, schemas });
    expect(settings).toMatchObject({
      concurrency: 4,
      retry: { attempts: 2, baseDelayMs: 500, maxDelayMs: 15000 },
      health: { timeoutSeconds: 120, intervalMs: 1000 },
      prune: { enabled: false, kinds: [] },
      statusBranch: 'driftless/status',
    });
  });

  it('uses every default when driftless.yaml is absent, and loadSettingsOnly agrees', async () => {
    const dir = tempDir('loader-nosettings');
    const result = await loadRepo(dir, { registry, schemas });
    expect(result).toMatchObject({ resources: [], problems: [] });
    expect(result.settings.concurrency).toBe(8);
    expect(result.settings.retry).toEqual({ attempts: 4, baseDelayMs: 500, maxDelayMs: 15000 });
    expect((await loadSettingsOnly(dir, { schemas })).settings).toEqual(result.settings);
  });

  it('skips node_modules, dot-dirs and ignored files, and notices an un-ignored broken draft', async () => {
    const dir = tempDir('loader-ignore');
    cpSync(join(fixtures, 'valid'), dir, { recursive: true });
    mkdirSync(join(dir, 'node_modules', 'pkg'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'pkg', 'x.yaml'), 'kind: [broken\n');
    expect(await problemsOf(dir)).toEqual([]);
    const ignore = readFileSync(join(dir, '.driftlessignore'), 'utf8').replace('drafts/', '');
    writeFileSync(join(dir, '.driftlessignore'), ignore);
    const problems = await problemsOf(dir);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^drafts\/broken\.yaml:2:1: /);
  });
});

describe('kind validate()', () => {
  it('appends its problems as they are, and turns a throwing kind into a problem', async () => {
    const kinds = new Map(createTestKinds());
    const cluster = kinds.get('Cluster');
    const host = kinds.get('Host');
    if (!cluster || !host) throw new Error('test kinds incomplete');
    kinds.set('Cluster', {
      ...cluster,
      validate: (res) => [{ file: res.source.file, line: 99, col: 1, message: `no owner for ${res.metadata.name}` }],
    });
    kinds.set('Host', {
      ...host,
      validate: () => {
        throw new Error('boom');
      },
    });
    const result = await loadRepo(join(fixtures, 'valid'), { registry: kinds, schemas });
    expect(result.problems.map(formatProblem)).toEqual([
      'clusters.yaml:99:1: no owner for ops',
      'clusters.yaml:99:1: no owner for shop',
      'hosts/web.yaml:1:1: internal error: Host validation failed: boom',
      'hosts/web.yaml:18:1: internal error: Host validation failed: boom',
    ]);
  });
});
