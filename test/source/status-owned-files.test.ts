/**
 * A status commit touches only the files driftless owns (issue 18.6): notes people committed to the status branch
 * survive every report, while a resource that left the report is removed. Real smart-HTTP server, real git CLI.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownsStatusPath } from '../../src/report/render.js';
import { commitStatus } from '../../src/source/status-branch.js';
import { commitAll, git, initWorkRepo, push } from '../harness/git-cli.js';
import { startGitServer, type GitServer } from '../harness/git-server.js';
import { tempDir } from '../harness/tmp.js';

const BRANCH = 'driftless/status';
let server: GitServer;
let bare: string;
let url: string;

const files = async () => (await git(bare, 'ls-tree', '-r', '--name-only', BRANCH)).split('\n').sort();

beforeAll(async () => {
  server = await startGitServer();
  bare = await server.createBareRepo('status.git');
  url = server.url('status.git');
  await git(bare, 'config', 'receive.denyNonFastForwards', 'true');
  const config = tempDir('status-owned-config');
  await initWorkRepo(config);
  await writeFile(join(config, 'driftless.yaml'), 'concurrency: 1\n');
  await commitAll(config, 'config');
  await push(config, url, 'main');
});

afterAll(async () => {
  await server.dispose();
});

describe('status commits and files people added', () => {
  it('keeps foreign files, replaces owned ones, drops resources no longer reported', async () => {
    const cacheDir = tempDir('status-owned');
    const report = (names: string[], summary: string) =>
      commitStatus({
        url,
        files: { 'README.md': summary, ...Object.fromEntries(names.map((n) => [`resources/Host/${n}.json`, `{"name":"${n}"}\n`])) },
        message: `status: ${summary.trim()}`,
        cacheDir,
        owns: ownsStatusPath,
      });
    await report(['web-1', 'web-2'], 'first\n');

    // A person adds notes next to the report, including one inside a directory driftless also writes to.
    const work = tempDir('status-owned-work');
    await git(tempDir('status-owned-clone-parent'), 'clone', '--quiet', '--branch', BRANCH, url, work);
    await git(work, 'config', 'user.email', 'ops@example.test');
    await git(work, 'config', 'user.name', 'ops');
    await mkdir(join(work, 'notes'), { recursive: true });
    await writeFile(join(work, 'notes', 'runbook.md'), '# runbook\n');
    await writeFile(join(work, 'OWNERS'), 'ops\n');
    await commitAll(work, 'notes by a person');
    await git(work, 'push', '--quiet', 'origin', `HEAD:refs/heads/${BRANCH}`);

    await report(['web-1'], 'second\n');
    expect(await files()).toEqual(['OWNERS', 'README.md', 'notes/runbook.md', 'resources/Host/web-1.json']);
    expect(await git(bare, 'show', `${BRANCH}:README.md`)).toBe('second');
    expect(await git(bare, 'show', `${BRANCH}:notes/runbook.md`)).toBe('# runbook');
  });

  it('without an ownership rule the tree holds exactly the given files (the default)', async () => {
    await commitStatus({ url, files: { 'status.json': '{}\n' }, message: 'status: exact', cacheDir: tempDir('status-exact') });
    expect(await files()).toEqual(['status.json']);
  });
});
