/**
 * Status write-back over SSH against a real sshd lab host serving a bare repo (git-receive-pack on the host), read
 * back with the real git CLI: orphan first commit, no noise commit, a person's concurrent push kept, two writers
 * and a person at once, and the daemon itself (key from DRIFTLESS_GIT_SSH_KEY_FILE) committing its report without
 * its own commits waking it. The server refuses non-fast-forward updates and logs every ref update, so "never
 * forced" is checked twice: by the server's refusal and by walking the reflog.
 */
import { writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { generateEd25519 } from '../../src/util/ssh-keygen.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/config/index.js';
import { ReconcileError, StalledError } from '../../src/errors.js';
import { startDaemon, type Daemon } from '../../src/reconcile/daemon.js';
import { commitStatusSsh, type CommitStatusSshOptions } from '../../src/source/status-branch-ssh.js';
import { createLogger } from '../../src/util/logger.js';
import { waitFor } from '../e2e/fixture.js';
import { commitAll, git, initWorkRepo } from '../harness/git-cli.js';
import { startTestHosts, type TestHosts } from '../harness/hosts.js';
import { tempDir } from '../harness/tmp.js';

const BRANCH = 'driftless/status';
const BARE = '/srv/config.git';
let lab: TestHosts;
let url: string;
let keyFile: string;
let knownHosts: string;
let mainTip: string;

/** Runs the real git CLI with the test key (the test trusts the lab host; the code under test pins it). */
function sshGit(dir: string, ...args: string[]): Promise<string> {
  const sshCmd = `ssh -i ${keyFile} -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o LogLevel=ERROR`;
  return git(dir, '-c', `core.sshCommand=${sshCmd}`, ...args);
}

/** `git` in the server's bare repo, inside the lab host. */
async function onServer(args: string): Promise<string> {
  const r = await lab.hosts[0]!.exec(`git --git-dir=${BARE} ${args}`);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

function write(files: Record<string, string>, message: string, extra: Partial<CommitStatusSshOptions> = {}): Promise<string> {
  return commitStatusSsh({ url, privateKey: lab.privateKey, knownHostsFile: knownHosts, files, message, branch: BRANCH, cacheDir: tempDir('ssh-status'), ...extra });
}

/** A person's clone of the status branch over SSH, with the real git CLI. */
async function personClone(): Promise<string> {
  const dir = tempDir('ssh-person');
  await sshGit(dir, 'clone', '--quiet', '--branch', BRANCH, url, '.');
  return dir;
}

beforeAll(async () => {
  lab = await startTestHosts(1, { name: 'statusssh' });
  const r = await lab.hosts[0]!.exec(
    `git init --quiet --bare --initial-branch=main ${BARE} && git --git-dir=${BARE} config receive.denyNonFastForwards true && git --git-dir=${BARE} config core.logAllRefUpdates always`,
  );
  expect(r.code, r.stderr).toBe(0);
  url = `ssh://root@127.0.0.1:${lab.hosts[0]!.port}${BARE}`;
  keyFile = join(tempDir('statusssh-keys'), 'id_ed25519');
  writeFileSync(keyFile, lab.privateKey, { mode: 0o600 });
  knownHosts = join(tempDir('statusssh-state'), 'git_known_hosts');
  const work = tempDir('statusssh-work');
  await initWorkRepo(work);
  await writeFile(join(work, 'driftless.yaml'), 'apiVersion: driftless.dev/v1\nstatusBranch: driftless/status\n');
  mainTip = await commitAll(work, 'config');
  await sshGit(work, 'push', '--quiet', url, 'HEAD:refs/heads/main');
});

afterAll(async () => {
  await lab?.teardown();
});

describe('status branch over ssh', () => {
  it('creates the branch as an orphan commit holding exactly the files, with the given author', async () => {
    const oid = await write({ 'README.md': '# status\n', 'resources/Host/web-1.json': '{"ready":true}\n' }, 'status: first', {
      author: { name: 'driftless', email: 'driftless@noreply.invalid' },
    });
    expect(await onServer(`rev-parse ${BRANCH}`)).toBe(oid);
    expect(await onServer(`rev-list --count ${BRANCH}`)).toBe('1');
    expect((await onServer(`ls-tree -r --name-only ${BRANCH}`)).split('\n').sort()).toEqual(['README.md', 'resources/Host/web-1.json']);
    expect(await onServer(`log -1 --format='%an <%ae>|%cn <%ce>' ${BRANCH}`)).toBe('driftless <driftless@noreply.invalid>|driftless <driftless@noreply.invalid>');
    expect(await onServer(`show ${BRANCH}:resources/Host/web-1.json`)).toBe('{"ready":true}');
    expect(await onServer('rev-parse main')).toBe(mainTip);
  });

  it('fast-forwards on the next report and pushes nothing for an unchanged one', async () => {
    const cacheDir = tempDir('ssh-status-b');
    const before = await onServer(`rev-parse ${BRANCH}`);
    const oid = await write({ 'README.md': '# status 2\n' }, 'status: second', { cacheDir });
    expect(await onServer(`rev-parse ${oid}^`)).toBe(before);
    const again = await write({ 'README.md': '# status 2\n' }, 'status: same', { cacheDir });
    expect(again).toBe(oid);
    expect(await onServer(`rev-parse ${BRANCH}`)).toBe(oid);
  });

  it("rebuilds on a person's push that landed between fetch and push, keeping it", async () => {
    const person = await personClone();
    let personCommit = '';
    const oid = await write({ 'README.md': '# raced\n' }, 'status: raced', {
      beforePush: async (attempt) => {
        if (attempt !== 1) return;
        await writeFile(join(person, 'NOTE.md'), 'a person was here\n');
        personCommit = await commitAll(person, 'person note');
        await sshGit(person, 'push', '--quiet', url, `HEAD:refs/heads/${BRANCH}`);
      },
    });
    expect(personCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(await onServer(`rev-parse ${oid}^`)).toBe(personCommit);
    expect(await onServer(`rev-parse ${BRANCH}`)).toBe(oid);
  });

  it('lands two writers and a person pushing at once; every ref update was a fast-forward', async () => {
    const person = await personClone();
    await writeFile(join(person, 'NOTE-2.md'), 'second note\n');
    const personCommit = await commitAll(person, 'person concurrent');
    const personPush = async (): Promise<void> => {
      for (let i = 0; i < 10; i++) {
        try {
          await sshGit(person, 'push', '--quiet', url, `HEAD:refs/heads/${BRANCH}`);
          return;
        } catch {
          await sshGit(person, 'pull', '--quiet', '--rebase', url, BRANCH);
        }
      }
      throw new Error('person push never landed');
    };
    const [a, b] = await Promise.all([
      write({ 'README.md': '# writer a\n' }, 'status: writer a'),
      write({ 'README.md': '# writer b\n' }, 'status: writer b'),
      personPush(),
    ]);
    const subjects = (await onServer(`log --format='%H %s' ${BRANCH}`)).split('\n');
    for (const c of [a, b]) expect(subjects.some((l) => l.startsWith(c))).toBe(true);
    for (const s of ['person concurrent', 'person note', 'status: raced', 'status: first']) {
      expect(subjects.some((l) => l.endsWith(s))).toBe(true);
    }
    expect(personCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(await onServer('rev-parse main')).toBe(mainTip);
    expect((await onServer("for-each-ref --format='%(refname)'")).split('\n').sort()).toEqual(['refs/heads/driftless/status', 'refs/heads/main']);
    // Newest first: each value the branch ever had is an ancestor of the next one.
    const history = (await onServer(`reflog show --format=%H refs/heads/${BRANCH}`)).split('\n');
    expect(history.length).toBeGreaterThanOrEqual(6);
    for (let i = 0; i + 1 < history.length; i++) {
      const r = await lab.hosts[0]!.exec(`git --git-dir=${BARE} merge-base --is-ancestor ${history[i + 1]} ${history[i]}`);
      expect(r.code, `${history[i + 1]} -> ${history[i]}`).toBe(0);
    }
  });

  it('fails closed without pushing: a wrong key is AuthenticationFailed (no key text in the message), a changed host key is refused', async () => {
    const before = await onServer(`rev-parse ${BRANCH}`);
    const other = generateEd25519(ssh2, 'not-authorized');
    const denied = await write({ 'README.md': '# denied\n' }, 'status: denied', { privateKey: other.private }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(denied).toBeInstanceOf(StalledError);
    expect((denied as ReconcileError).reason).toBe('AuthenticationFailed');
    for (const line of other.private.split('\n').filter((l) => l && !l.startsWith('-----'))) expect((denied as Error).message).not.toContain(line);

    // A pinned key that is not the server's: what a changed host key (or an impostor) looks like.
    const pinned = join(tempDir('statusssh-pinned'), 'git_known_hosts');
    const impostor = generateEd25519(ssh2).public.split(' ').slice(0, 2).join(' ');
    writeFileSync(pinned, `[127.0.0.1]:${lab.hosts[0]!.port} ${impostor}\n`);
    const refused = await write({ 'README.md': '# impostor\n' }, 'status: impostor', { knownHostsFile: pinned }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(StalledError);
    expect((refused as ReconcileError).reason).toBe('HostKeyMismatch');
    expect(await onServer(`rev-parse ${BRANCH}`)).toBe(before);
  });

  it('the daemon commits its report over ssh with the key from DRIFTLESS_GIT_SSH_KEY_FILE, and its commits wake nothing', async () => {
    const stateDir = tempDir('statusssh-daemon');
    const config = loadDaemonConfig({
      env: { DRIFTLESS_REPO: url, DRIFTLESS_GIT_SSH_KEY_FILE: keyFile, DRIFTLESS_JITTER: '0' },
      flags: { interval: '300ms', driftInterval: '0s', listen: '127.0.0.1:0', stateDir, statusInterval: '0s' },
    });
    const before = await onServer(`rev-parse ${BRANCH}`);
    let daemon: Daemon | undefined;
    try {
      daemon = await startDaemon(config, { logger: createLogger({ level: 'warn' }) });
      const d = daemon;
      const tip = await waitFor('status commit from the daemon', async () => {
        const now = await onServer(`rev-parse ${BRANCH}`);
        return now !== before && now === d.reporter.lastCommit ? now : undefined;
      });
      expect(d.reporter.lastError).toBeUndefined();
      expect(await onServer(`rev-parse ${tip}^`)).toBe(before);
      expect(await onServer(`log -1 --format='%an <%ae>' ${BRANCH}`)).toBe('driftless <driftless@noreply.invalid>');
      const readme = await onServer(`show ${BRANCH}:README.md`);
      expect(readme).toContain(mainTip.slice(0, 12));
      expect(readme).not.toContain('PRIVATE KEY');
      expect(await onServer('rev-parse main')).toBe(mainTip);

      const outcomes = ['Succeeded', 'Failed', 'Stalled', 'Waiting', 'NoChanges', 'Planned'];
      const runs = (): number => outcomes.reduce((n, outcome) => n + d.metrics.value('driftless_runs_total', { outcome }), 0);
      const polls = (): number => d.metrics.value('driftless_git_requests_total', { type: 'ls-remote', result: 'ok' });
      const fetches = d.metrics.value('driftless_git_requests_total', { type: 'fetch', result: 'ok' });
      const runsAfterCommit = runs();
      expect(runsAfterCommit).toBe(1);
      const seen = polls();
      await waitFor('three more polls after the status commit', () => polls() >= seen + 3);
      expect(runs()).toBe(runsAfterCommit);
      expect(d.metrics.value('driftless_git_requests_total', { type: 'fetch', result: 'ok' })).toBe(fetches);
      expect(await onServer(`rev-parse ${BRANCH}`)).toBe(tip);
    } finally {
      await daemon?.stop();
    }
  });
});
