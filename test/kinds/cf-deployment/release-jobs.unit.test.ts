/**
 * A CFDeployment whose release lacks a component's job is a load problem at that component's line (issue 18.9):
 * it used to pass `validate` and fail only at `plan`. Real files in a temp repo, the real loader and kinds.
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createKindRegistry } from '../../../src/kinds/registry.js';
import { formatProblem, loadRepo } from '../../../src/loader/index.js';
import { tempDir } from '../../harness/tmp.js';

const CF_RELEASE = fileURLToPath(new URL('../../fixtures/cf-release', import.meta.url));

function repo(components: string[], prepare: (release: string) => void = () => undefined): string {
  const dir = tempDir('cf-release-jobs');
  cpSync(CF_RELEASE, join(dir, 'release'), { recursive: true });
  prepare(join(dir, 'release'));
  const lines = ['apiVersion: driftless.dev/v1', 'kind: CFDeployment', 'metadata:', '  name: cf', 'spec:', '  release: { version: v194, dir: release }', '  components:'];
  for (const c of components) lines.push(`    ${c}: ["127.0.0.1:2201"]`);
  lines.push('  properties: { domain: cf.test }', '');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cf.yaml'), lines.join('\n'));
  return dir;
}

const problems = async (dir: string) => (await loadRepo(dir, { registry: createKindRegistry() })).problems.map(formatProblem);

describe('CFDeployment release jobs at load', () => {
  it('is clean when every component has its job', async () => {
    expect((await problems(repo(['nats', 'uaa']))).filter((p) => p.includes('job'))).toEqual([]);
  });

  it('places each unknown address at its own line, not the document start (issue 18.12)', async () => {
    expect((await problems(repo(['nats', 'uaa']))).filter((p) => p.includes('matches no declared Host'))).toEqual([
      expect.stringMatching(/^cf\.yaml:8:\d+: CFDeployment\/cf: component nats: address 127\.0\.0\.1:2201 matches no declared Host/),
      expect.stringMatching(/^cf\.yaml:9:\d+: CFDeployment\/cf: component uaa: address 127\.0\.0\.1:2201 matches no declared Host/),
    ]);
  });

  it('names each component without a job, at its own line, once', async () => {
    const dir = repo(['nats', 'uaa', 'login'], (release) => {
      rmSync(join(release, 'jobs', 'uaa'), { recursive: true });
      rmSync(join(release, 'jobs', 'login', 'bin', 'ctl'));
    });
    expect((await problems(dir)).filter((p) => p.includes('job'))).toEqual([
      expect.stringMatching(/^cf\.yaml:9:\d+: the release's job directory for uaa "release\/jobs\/uaa" not found in the repository$/),
      expect.stringMatching(/^cf\.yaml:10:\d+: the release's job file for login "release\/jobs\/login\/bin\/ctl" not found in the repository$/),
    ]);
  });
});
