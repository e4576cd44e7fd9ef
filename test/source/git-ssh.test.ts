/**
 * Git source over SSH against a real sshd lab host serving a bare repo (git-upload-pack on the host), pushed to by
 * the real git CLI with the test key: exact trees, cheap polls that see new pushes, fail-closed auth and host-key
 * pinning, and the CLI's `--ssh-key-file`.
 */
import { cpSync, writeFileSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { generateEd25519 } from '../../src/util/ssh-keygen.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/config/index.js';
import { ReconcileError, StalledError, TransientError } from '../../src/errors.js';
import { createGitSshSource, isSshGitUrl } from '../../src/source/git-ssh.js';
import { parseSourceArg } from '../../src/source/types.js';
import type { Source } from '../../src/source/types.js';
import { REPO_ROOT, runCli } from '../harness/cli.js';
import { commitAll, git, initWorkRepo, revParse } from '../harness/git-cli.js';
import { startTestHosts, type TestHosts } from '../harness/hosts.js';
import { tempDir } from '../harness/tmp.js';

let lab: TestHosts;
let url: string;
let work: string;
let keyFile: string;
let state: string;

/** Relative path -> content of every file under dir, skipping `.git`. */
async function treeOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const abs = join(e.parentPath, e.name);
    const rel = abs.slice(dir.length + 1);
    if (!e.isFile() || rel === '.git' || rel.startsWith('.git/')) continue;
    out[rel] = await readFile(abs, 'utf8');
  }
  return out;
}

/** Pushes HEAD of a work repo with the real git CLI over SSH (trusting whatever host key the lab host has now). */
async function pushOverSsh(dir = work, to = url): Promise<void> {
  const sshCmd = `ssh -i ${keyFile} -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o LogLevel=ERROR`;
  await git(dir, '-c', `core.sshCommand=${sshCmd}`, 'push', '--quiet', to, 'HEAD:refs/heads/main');
}

function source(privateKey: string, knownHostsFile = join(state, 'git_known_hosts')): Source {
  return createGitSshSource({ url, ref: 'main', cacheDir: join(state, 'cache', Math.random().toString(36).slice(2)), privateKey, knownHostsFile });
}

async function rejection(p: Promise<unknown>): Promise<ReconcileError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ReconcileError);
  return err as ReconcileError;
}

beforeAll(async () => {
  lab = await startTestHosts(1, { name: 'gitssh' });
  const host = lab.hosts[0]!;
  const r = await host.exec('git init --quiet --bare --initial-branch=main /srv/config.git');
  expect(r.code, r.stderr).toBe(0);
  url = `ssh://root@127.0.0.1:${host.port}/srv/config.git`;
  state = tempDir('gitssh-state');
  keyFile = join(tempDir('gitssh-keys'), 'id_ed25519');
  writeFileSync(keyFile, lab.privateKey, { mode: 0o600 });
  work = tempDir('gitssh-work');
  cpSync(join(REPO_ROOT, 'sample-repo'), work, { recursive: true });
  await writeFile(join(work, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  await initWorkRepo(work);
  await commitAll(work, 'initial');
  await pushOverSsh();
});

afterAll(async () => {
  await lab?.teardown();
});

describe('git source over ssh', () => {
  it('recognises ssh and scp-like urls', () => {
    expect(isSshGitUrl('ssh://git@example.invalid:2222/srv/x.git')).toBe(true);
    expect(isSshGitUrl('git@example.invalid:ops/config.git')).toBe(true);
    expect(isSshGitUrl('http://example.invalid/x.git')).toBe(false);
    expect(parseSourceArg('git@example.invalid:ops/config.git#v1')).toEqual({ type: 'git', url: 'git@example.invalid:ops/config.git', ref: 'v1' });
    expect(parseSourceArg('ssh://root@127.0.0.1:22/srv/config.git', { ref: 'dev' })).toMatchObject({ type: 'git', ref: 'dev' });
    const daemon = loadDaemonConfig({ env: {}, flags: { repo: 'git@example.invalid:ops/config.git', auth: { sshKey: { file: '/k/id' } } } });
    expect(daemon.source).toEqual({ type: 'git', url: 'git@example.invalid:ops/config.git', ref: 'main', auth: { sshKey: { file: '/k/id' } } });
  });

  it('fetches exactly the pushed files, polls the commit and sees a new push', async () => {
    const src = source(lab.privateKey);
    expect(src.describe()).toContain('/srv/config.git#main');
    const first = await revParse(work, 'HEAD');
    expect(await src.poll()).toBe(first);

    const rev = await src.fetch();
    expect(rev.commit).toBe(first);
    expect(await treeOf(rev.dir)).toEqual(await treeOf(work));
    expect((await stat(join(rev.dir, 'run.sh'))).mode & 0o111).not.toBe(0);

    await writeFile(join(work, 'run.sh'), '#!/bin/sh\necho second\n', { mode: 0o755 });
    const second = await commitAll(work, 'second');
    await pushOverSsh();
    expect(await src.poll()).toBe(second);
    const rev2 = await src.fetch();
    expect(rev2.commit).toBe(second);
    expect(rev2.dir).not.toBe(rev.dir);
    expect(await readFile(join(rev2.dir, 'run.sh'), 'utf8')).toBe('#!/bin/sh\necho second\n');
    expect(await treeOf(rev2.dir)).toEqual(await treeOf(work));
  });

  it('fails a wrong key as AuthenticationFailed without key material in the message', async () => {
    const other = generateEd25519(ssh2, 'not-authorized');
    const err = await rejection(source(other.private).poll());
    expect(err).toBeInstanceOf(StalledError);
    expect(err.reason).toBe('AuthenticationFailed');
    const body = other.private.split('\n').filter((l) => l && !l.startsWith('-----'));
    for (const line of body) expect(err.message).not.toContain(line);
    expect(err.message).not.toContain('PRIVATE KEY');
  });

  it('fails closed: an empty tree is refused and a closed port is a transient error', async () => {
    const r = await lab.hosts[0]!.exec('git init --quiet --bare --initial-branch=main /srv/empty.git');
    expect(r.code, r.stderr).toBe(0);
    const emptyWork = tempDir('gitssh-empty');
    await initWorkRepo(emptyWork);
    await commitAll(emptyWork, 'nothing');
    const emptyUrl = url.replace('config.git', 'empty.git');
    await pushOverSsh(emptyWork, emptyUrl);
    const cacheDir = join(state, 'cache', 'empty');
    const empty = createGitSshSource({ url: emptyUrl, cacheDir, privateKey: lab.privateKey, knownHostsFile: join(state, 'git_known_hosts') });
    const err = await rejection(empty.fetch());
    expect(err).toBeInstanceOf(StalledError);
    expect(err.message).toMatch(/empty tree/);
    expect(await readdir(join(cacheDir, 'checkouts')).catch(() => [])).toEqual([]);

    const closed = createGitSshSource({ url: 'ssh://root@127.0.0.1:1/srv/config.git', cacheDir, privateKey: lab.privateKey, knownHostsFile: join(state, 'git_known_hosts') });
    const net = await rejection(closed.poll());
    expect(net).toBeInstanceOf(TransientError);
    expect(net.reason).toBe('SourceUnavailable');
  });

  it('validates through the CLI with --ssh-key-file', async () => {
    const r = await runCli(['validate', url, '--ssh-key-file', keyFile, '--state-dir', tempDir('gitssh-cli')]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok: \d+ resource\(s\) valid/m);
    expect(r.stdout).toContain((await revParse(work, 'HEAD')).slice(0, 12));
  });

  it('refuses a changed host key after pinning the first one', async () => {
    const known = join(state, 'pinned_known_hosts');
    const src = source(lab.privateKey, known);
    expect(await src.poll()).toBe(await revParse(work, 'HEAD'));
    expect(await readFile(known, 'utf8')).toMatch(/ssh-ed25519|ecdsa-sha2|ssh-rsa/);
    await lab.hosts[0]!.regenerateHostKey();
    const err = await rejection(src.fetch());
    expect(err).toBeInstanceOf(StalledError);
    expect(err.reason).toBe('HostKeyMismatch');
    // A fresh pin file (a human accepted the new key) works again: the refusal was about the key, not the host.
    expect(await source(lab.privateKey, join(state, 'fresh_known_hosts')).poll()).toBe(await revParse(work, 'HEAD'));
  });
});
