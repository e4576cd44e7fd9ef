/**
 * Repo paths a config names cannot reach the daemon's own files: an NginxConfig `source` of `../../etc/passwd`, or
 * a symlink in the repo pointing at a file outside it, and a CF `release.dir` that is a symlink leading out, are
 * load problems at the field's file:line (nothing applied, nothing read), and the readers refuse them again at use
 * time (defence in depth), so a file outside the repo is never rendered and uploaded to hosts.
 */
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ReconcileError } from '../../src/errors.js';
import { readJob, releaseDir } from '../../src/kinds/cf-deployment/release.js';
import type { CFDeploymentSpec } from '../../src/kinds/cf-deployment/spec.js';
import type { NginxConfigSpec } from '../../src/kinds/nginx-config/index.js';
import { renderUnit } from '../../src/kinds/nginx-unit/render.js';
import type { NginxUnitSpec } from '../../src/kinds/nginx-unit/spec.js';
import { createKindRegistry } from '../../src/kinds/registry.js';
import type { KindContext } from '../../src/kinds/types.js';
import { createResourceIndex, formatProblem, loadRepo } from '../../src/loader/index.js';
import { API_VERSION, type Resource } from '../../src/model/resource.js';
import { tempDir } from '../harness/tmp.js';

const MARKER = 'daemon-secret-4f1c';
const CF_RELEASE = fileURLToPath(new URL('../fixtures/cf-release', import.meta.url));

/** `<base>/secret` (outside the repo, holding MARKER) and `<base>/repo`, the config repo. */
function world(): { base: string; repo: string; secret: string } {
  const base = tempDir('repo-paths');
  const repo = join(base, 'repo');
  mkdirSync(join(repo, 'tpl'), { recursive: true });
  const secret = join(base, 'secret');
  writeFileSync(secret, `${MARKER}\n`);
  writeFileSync(join(repo, 'tpl', 'ok.conf'), 'events {}\n');
  return { base, repo, secret };
}

function nginxConfigYaml(name: string, source: string): string {
  return ['apiVersion: driftless.dev/v1', 'kind: NginxConfig', 'metadata:', `  name: ${name}`, 'spec:', '  file: nginx.conf', `  source: ${JSON.stringify(source)}`, ''].join('\n');
}

function cfYaml(dir: string): string {
  return [
    'apiVersion: driftless.dev/v1',
    'kind: CFDeployment',
    'metadata:',
    '  name: cf',
    'spec:',
    `  release: { version: v194, dir: ${JSON.stringify(dir)} }`,
    '  components:',
    '    nats: ["127.0.0.1:2201"]',
    '  properties: { domain: cf.test }',
    '',
  ].join('\n');
}

async function problemsOf(repo: string): Promise<string[]> {
  const { problems } = await loadRepo(repo, { registry: createKindRegistry() });
  return problems.map(formatProblem);
}

describe('NginxConfig source at load', () => {
  it('../../etc/passwd is a problem at the source line', async () => {
    const { repo } = world();
    writeFileSync(join(repo, 'nginx.yaml'), nginxConfigYaml('evil', '../../etc/passwd'));
    const problems = await problemsOf(repo);
    expect(problems).toEqual([expect.stringMatching(/^nginx\.yaml:7:\d+: .*relative path inside the repository/)]);
  });

  it.each([
    ['an absolute symlink to a file outside', (s: string) => s],
    ['a relative symlink to a file outside', () => '../../secret'],
  ])('%s is a problem at the source line, and the file is not read', async (_what, target) => {
    const { repo, secret } = world();
    symlinkSync(target(secret), join(repo, 'tpl', 'evil.conf'));
    writeFileSync(join(repo, 'nginx.yaml'), nginxConfigYaml('evil', 'tpl/evil.conf'));
    const problems = await problemsOf(repo);
    expect(problems).toEqual([expect.stringMatching(/^nginx\.yaml:7:\d+: spec\.source "tpl\/evil\.conf" leads outside the repository/)]);
    expect(problems.join('\n')).not.toContain(MARKER);
  });

  it('a directory symlink leading out is a problem too', async () => {
    const { repo } = world();
    symlinkSync('..', join(repo, 'up'));
    writeFileSync(join(repo, 'nginx.yaml'), nginxConfigYaml('evil', 'up/secret'));
    expect(await problemsOf(repo)).toEqual([expect.stringMatching(/^nginx\.yaml:7:\d+: spec\.source "up\/secret" leads outside the repository/)]);
  });

  it('a missing source is a problem; a source (or a link) inside the repo is fine', async () => {
    const { repo } = world();
    symlinkSync('ok.conf', join(repo, 'tpl', 'alias.conf'));
    writeFileSync(join(repo, 'a.yaml'), nginxConfigYaml('a', 'tpl/ok.conf'));
    writeFileSync(join(repo, 'b.yaml'), nginxConfigYaml('b', 'tpl/alias.conf'));
    writeFileSync(join(repo, 'c.yaml'), nginxConfigYaml('c', 'tpl/none.conf'));
    expect(await problemsOf(repo)).toEqual([expect.stringMatching(/^c\.yaml:7:\d+: spec\.source "tpl\/none\.conf" not found in the repository/)]);
  });
});

describe('NginxConfig source at use (render)', () => {
  const unit: Resource<NginxUnitSpec> = { apiVersion: API_VERSION, kind: 'NginxUnit', metadata: { name: 'u' }, spec: { group: 'g', hosts: { names: ['h'] }, configs: ['evil'] }, source: { file: 'u.yaml', line: 1, col: 1 } };
  const config = (source: string): Resource<NginxConfigSpec> => ({ apiVersion: API_VERSION, kind: 'NginxConfig', metadata: { name: 'evil' }, spec: { file: 'nginx.conf', source }, source: { file: 'c.yaml', line: 1, col: 1 } });
  const ctxFor = (repoDir: string, source: string): KindContext => ({ repoDir, resources: createResourceIndex([unit, config(source)]) }) as unknown as KindContext;

  it.each([['../secret'], ['tpl/evil.conf']])('%j is refused and nothing of the file is rendered', async (source) => {
    const { repo, secret } = world();
    symlinkSync(secret, join(repo, 'tpl', 'evil.conf'));
    const got = await renderUnit(unit, ctxFor(repo, source)).then(
      (r) => JSON.stringify(r),
      (e: unknown) => e,
    );
    expect(String(got)).not.toContain(MARKER);
    expect(got).toBeInstanceOf(ReconcileError);
    expect((got as ReconcileError).reason).toBe('UnsafePath');
  });
});

describe('CF release.dir', () => {
  it('a release.dir that is a symlink leading out of the repo is a load problem at its line', async () => {
    const { base, repo } = world();
    cpSync(CF_RELEASE, join(base, 'release'), { recursive: true });
    symlinkSync(join(base, 'release'), join(repo, 'release'));
    writeFileSync(join(repo, 'cf.yaml'), cfYaml('release'));
    const problems = await problemsOf(repo);
    expect(problems.filter((p) => p.includes('release'))).toEqual([expect.stringMatching(/^cf\.yaml:6:\d+: spec\.release\.dir "release" leads outside the repository/)]);
  });

  it('a release.dir with ".." is a schema problem at its line', async () => {
    const { repo } = world();
    writeFileSync(join(repo, 'cf.yaml'), cfYaml('../release'));
    const problems = await problemsOf(repo);
    expect(problems.filter((p) => p.includes('release'))).toEqual([expect.stringMatching(/^cf\.yaml:6:\d+: .*relative path inside the repository/)]);
  });

  it('the readers refuse a release.dir or a jobs/<component> symlink leading out', async () => {
    const { base, repo } = world();
    cpSync(CF_RELEASE, join(base, 'release'), { recursive: true });
    symlinkSync(join(base, 'release'), join(repo, 'release'));
    const spec = { release: { version: 'v194', dir: 'release' } } as CFDeploymentSpec;
    expect(() => releaseDir(repo, spec)).toThrow(expect.objectContaining({ reason: 'UnsafePath' }));
    mkdirSync(join(repo, 'inrepo', 'jobs'), { recursive: true });
    symlinkSync(join(base, 'release', 'jobs', 'nats'), join(repo, 'inrepo', 'jobs', 'nats'));
    const dir = releaseDir(repo, { release: { version: 'v194', dir: 'inrepo' } } as CFDeploymentSpec);
    await expect(readJob(dir, 'nats')).rejects.toMatchObject({ reason: 'UnsafePath' });
  });

  it('a release inside the repo still reads', async () => {
    const { repo } = world();
    cpSync(CF_RELEASE, join(repo, 'release'), { recursive: true });
    const dir = releaseDir(repo, { release: { version: 'v194', dir: 'release' } } as CFDeploymentSpec);
    const files = await readJob(dir, 'nats');
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['install.sh', 'bin/ctl']));
  });
});

describe('files the loader itself reads', () => {
  it('a driftless.yaml that is a symlink leading out is a problem, and the file is not parsed', async () => {
    const { repo, secret } = world();
    symlinkSync(secret, join(repo, 'driftless.yaml'));
    const problems = await problemsOf(repo);
    expect(problems).toEqual([expect.stringMatching(/^driftless\.yaml:1:1: driftless\.yaml "driftless\.yaml" leads outside the repository/)]);
  });

  it('a .driftlessignore that is a symlink leading out fails the load', async () => {
    const { repo } = world();
    symlinkSync('/etc/passwd', join(repo, '.driftlessignore'));
    await expect(loadRepo(repo, { registry: createKindRegistry() })).rejects.toMatchObject({ reason: 'UnsafePath' });
  });
});

describe('paths on hosts the author declares', () => {
  it.each([['/etc/driftless/../../root'], ['/srv//nginx'], ['/srv/./nginx']])('an NginxUnit root of %j is a load problem at its line', async (root) => {
    const { repo } = world();
    const unitYaml = ['apiVersion: driftless.dev/v1', 'kind: NginxUnit', 'metadata:', '  name: u', 'spec:', '  group: g', '  hosts: { names: [h] }', `  root: ${JSON.stringify(root)}`, ''].join('\n');
    writeFileSync(join(repo, 'unit.yaml'), unitYaml);
    const problems = await problemsOf(repo);
    expect(problems.filter((p) => p.includes('normalised absolute path'))).toEqual([expect.stringMatching(/^unit\.yaml:8:\d+: /)]);
  });
});
