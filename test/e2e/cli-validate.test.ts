/**
 * `driftless validate` as users run it: on a directory and on a Git URL (smart HTTP with basic auth from a secret
 * reference), every problem printed as file:line:col, exit 2 when invalid, 0 on the sample repo.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../harness/cli.js';
import { commitAll, initWorkRepo, push } from '../harness/git-cli.js';
import { startGitServer, type GitServer } from '../harness/git-server.js';
import { tempDir } from '../harness/tmp.js';

const fixture = (name: string) => join(REPO_ROOT, 'test/fixtures/broken', name);
let server: GitServer;
const auth = { username: 'ops', password: 'pw-9c1f6f0e2a' };

beforeAll(async () => {
  server = await startGitServer({ auth });
});
afterAll(async () => {
  await server?.dispose();
});

describe('driftless validate', () => {
  it('passes on the sample repo', async () => {
    const r = await runCli(['validate', 'sample-repo', '--state-dir', tempDir('dl-v')]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok: \d+ resource\(s\) valid at dir:/m);
  });

  it.each([
    ['port-range', ['hosts.yaml:7:9: spec.port: must be <= 65535']],
    ['dangling-ref', ['hosts.yaml:8:12: spec.cluster: Cluster/ops is not declared']],
    ['two-files', ['clusters/ops.yaml:7:3: spec: unknown property "ower"', 'zz-services.yaml:8:16: spec.serviceType: must be one of']],
  ])('prints every problem of %s with file:line:col and exits 2', async (name, lines) => {
    const r = await runCli(['validate', fixture(name), '--state-dir', tempDir('dl-v')]);
    expect(r.code).toBe(2);
    for (const line of lines) expect(r.stdout).toContain(line);
    expect(r.stdout).toContain('nothing was applied');
  });

  it('reads a Git URL over smart HTTP with basic auth from an env reference, and fails closed on a bad password', async () => {
    await server.createBareRepo('config.git');
    const work = tempDir('dl-work');
    cpSync(join(REPO_ROOT, 'test/fixtures/broken/port-range'), work, { recursive: true });
    await initWorkRepo(work);
    await commitAll(work, 'broken port');
    const url = server.url('config.git').replace('://', `://${auth.username}:${auth.password}@`);
    await push(work, url, 'main');

    const env = { GIT_PW: auth.password };
    const ok = await runCli(['validate', `${server.url('config.git')}#main`, '--username', 'ops', '--password-env', 'GIT_PW', '--state-dir', tempDir('dl-v')], { env });
    expect(ok.code, ok.stderr).toBe(2);
    expect(ok.stdout).toContain('hosts.yaml:7:9: spec.port: must be <= 65535');

    const bad = await runCli(['validate', server.url('config.git'), '--username', 'ops', '--password-env', 'GIT_PW', '--state-dir', tempDir('dl-v')], {
      env: { GIT_PW: 'wrong-password-123' },
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/authentication/i);
    expect(bad.stderr + bad.stdout).not.toContain('wrong-password-123');
  });
});
