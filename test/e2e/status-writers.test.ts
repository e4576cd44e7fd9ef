/**
 * Two daemons and a person write to the same status branch at the same time. Pushes are never forced: every commit
 * any writer made stays reachable from the branch tip (checked with the git CLI), and the watched branch is never
 * touched.
 */
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/config/index.js';
import { startDaemon, type Daemon } from '../../src/reconcile/daemon.js';
import { createLogger } from '../../src/util/logger.js';
import { commitAll, git } from '../harness/git-cli.js';
import { startGitServer, type GitServer } from '../harness/git-server.js';
import { tempDir } from '../harness/tmp.js';
import { createConfigRepo, getJson, settingsYaml, waitFor, type ConfigRepo, type StatusBody } from './fixture.js';

let server: GitServer;
let repo: ConfigRepo;
let mainCommit: string;
const daemons: Daemon[] = [];

async function start(): Promise<Daemon> {
  const config = loadDaemonConfig({
    env: {},
    flags: { repo: repo.url, interval: '1h', driftInterval: '0s', listen: '127.0.0.1:0', stateDir: tempDir('writer-state'), statusInterval: '0s' },
  });
  const d = await startDaemon(config, { logger: createLogger({ level: 'warn' }) });
  daemons.push(d);
  return d;
}

/** A person adds a note to the status branch with plain git: fetch, commit on top, push; rebase and retry if rejected. */
async function personPush(dir: string, n: number): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    await git(dir, 'fetch', '--quiet', repo.url, '+refs/heads/driftless/status:refs/remotes/status');
    await git(dir, 'checkout', '--quiet', '-B', 'work', 'refs/remotes/status');
    await git(dir, 'clean', '-fdq');
    await writeFile(`${dir}/person-${n}.txt`, `note ${n}\n`);
    const commit = await commitAll(dir, `person note ${n}`);
    try {
      await git(dir, 'push', '--quiet', repo.url, 'HEAD:refs/heads/driftless/status');
      return commit;
    } catch {
      // rejected because a daemon pushed first: start again from the new tip
    }
  }
  throw new Error('person could not push in 20 attempts');
}

beforeAll(async () => {
  server = await startGitServer();
  repo = await createConfigRepo(server, 'writers');
  await repo.write('driftless.yaml', settingsYaml());
  mainCommit = await repo.commitAndPush('settings only');
});

afterAll(async () => {
  for (const d of daemons) await d.stop();
  await server?.dispose();
});

describe('status branch writers', () => {
  it('two daemons and a person pushing at once lose no commit and never force-push', async () => {
    const [a, b] = [await start(), await start()];
    for (const d of [a, b]) {
      await waitFor('first run', async () => (await getJson<StatusBody>(`${d.url}/status`)).revision.inForce === mainCommit);
    }
    await Promise.all([a.reporter.flush(), b.reporter.flush()]);
    const person = tempDir('person');
    await git(person, 'init', '--quiet');
    const written = new Set<string>([a.reporter.lastCommit!, b.reporter.lastCommit!]);
    for (let round = 0; round < 5; round++) {
      a.reporter.report(true, `a round ${round}`);
      b.reporter.report(true, `b round ${round}`);
      const [p] = await Promise.all([personPush(person, round), a.reporter.flush(), b.reporter.flush()]);
      written.add(p);
      written.add(a.reporter.lastCommit!);
      written.add(b.reporter.lastCommit!);
      expect(a.reporter.lastError).toBeUndefined();
      expect(b.reporter.lastError).toBeUndefined();
    }
    await git(person, 'fetch', '--quiet', repo.url, '+refs/heads/driftless/status:refs/remotes/status');
    for (const c of written) {
      await expect(git(person, 'merge-base', '--is-ancestor', c, 'refs/remotes/status')).resolves.toBe('');
    }
    const log = (await git(person, 'log', '--format=%an %s', 'refs/remotes/status')).split('\n');
    expect(log.filter((l) => l.startsWith('driftless-test person note')).length).toBe(5);
    // A report equal to the tip's is not committed again (no noise commits), and a status commit only touches the
    // report's own files: every note the person pushed is still in the branch's tree.
    expect(log.filter((l) => l.startsWith('driftless ')).length).toBeGreaterThanOrEqual(1);
    const tree = (await git(person, 'ls-tree', '-r', '--name-only', 'refs/remotes/status')).split('\n');
    expect(tree.filter((f) => /^person-\d\.txt$/.test(f)).sort()).toEqual(['person-0.txt', 'person-1.txt', 'person-2.txt', 'person-3.txt', 'person-4.txt']);
    expect(tree).toContain('README.md');
    expect((await git(person, 'ls-remote', repo.url, 'refs/heads/main')).split('\t')[0]).toBe(mainCommit);
  });
});
