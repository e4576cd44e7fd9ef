/**
 * Status write-back against a real smart-HTTP server: orphan first commit, fast-forward commits, no-op when
 * unchanged, and concurrent writers (two daemons and a human with the git CLI) all landing without a force push.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitStatus } from '../../src/source/status-branch.js';
import { commitAll, git, initWorkRepo, push, revParse } from '../harness/git-cli.js';
import { startGitServer, type GitServer } from '../harness/git-server.js';
import { tempDir } from '../harness/tmp.js';

const BRANCH = 'driftless/status';
let server: GitServer;
let work: string;
let bare: string;
let url: string;
let mainTip: string;

/** Subjects of the status branch history, newest first, read with the real git CLI from the server's repo. */
async function statusLog(): Promise<string[]> {
  return (await git(bare, 'log', '--format=%H %s', BRANCH)).split('\n');
}

beforeAll(async () => {
  server = await startGitServer();
  bare = await server.createBareRepo('status.git');
  url = server.url('status.git');
  // The server itself refuses any non-fast-forward update, so a passing test proves nothing was forced.
  await git(bare, 'config', 'receive.denyNonFastForwards', 'true');
  work = tempDir('status-work');
  await initWorkRepo(work);
  await writeFile(join(work, 'driftless.yaml'), 'apiVersion: driftless.dev/v1\n');
  mainTip = await commitAll(work, 'config');
  await push(work, url, 'main');
});

afterAll(async () => {
  await server.dispose();
});

describe('commitStatus', () => {
  it('creates the status branch as an orphan commit holding exactly the given files', async () => {
    const oid = await commitStatus({
      url,
      files: { 'status.json': '{"ready":true}\n', 'resources/Host/web-1.yaml': 'ready: true\n' },
      message: 'status: first',
      cacheDir: tempDir('status-a'),
    });
    expect(await git(bare, 'rev-parse', BRANCH)).toBe(oid);
    expect(await git(bare, 'rev-list', '--count', BRANCH)).toBe('1');
    expect((await git(bare, 'ls-tree', '-r', '--name-only', BRANCH)).split('\n').sort()).toEqual([
      'resources/Host/web-1.yaml',
      'status.json',
    ]);
    expect(await git(bare, 'log', '-1', '--format=%an <%ae>', BRANCH)).toBe('driftless <driftless@localhost>');
    expect(await git(bare, 'show', `${BRANCH}:status.json`)).toBe('{"ready":true}');
  });

  it('replaces the previous report with a fast-forward commit and skips an unchanged report', async () => {
    const cacheDir = tempDir('status-b');
    const before = await git(bare, 'rev-parse', BRANCH);
    const oid = await commitStatus({ url, files: { 'status.json': '{"ready":false}\n' }, message: 'status: second', cacheDir });
    expect(await git(bare, 'rev-parse', `${oid}^`)).toBe(before);
    expect(await git(bare, 'ls-tree', '-r', '--name-only', BRANCH)).toBe('status.json');
    const again = await commitStatus({ url, files: { 'status.json': '{"ready":false}\n' }, message: 'status: same', cacheDir });
    expect(again).toBe(oid);
    expect(await git(bare, 'rev-parse', BRANCH)).toBe(oid);
  });

  it('rebuilds on the new tip when someone pushed in between (no force)', async () => {
    const human = tempDir('status-human');
    await git(human, 'clone', '--quiet', '--branch', BRANCH, url, '.');
    let humanCommit = '';
    const oid = await commitStatus({
      url,
      files: { 'status.json': '{"ready":"raced"}\n' },
      message: 'status: raced',
      cacheDir: tempDir('status-c'),
      beforePush: async (attempt) => {
        if (attempt !== 1) return;
        await writeFile(join(human, 'NOTE.md'), 'pushed by a human\n');
        humanCommit = await commitAll(human, 'human note');
        await push(human, url, BRANCH);
      },
    });
    expect(await git(bare, 'rev-parse', `${oid}^`)).toBe(humanCommit);
    expect(await git(bare, 'rev-parse', BRANCH)).toBe(oid);
  });

  it('lands two concurrent writers and a git CLI push, and leaves the watched branch alone', async () => {
    const human = tempDir('status-human-2');
    await git(human, 'clone', '--quiet', '--branch', BRANCH, url, '.');
    await writeFile(join(human, 'NOTE.md'), 'second human note\n');
    await commitAll(human, 'human concurrent');
    const humanPush = async (): Promise<void> => {
      for (let i = 0; i < 10; i++) {
        try {
          await push(human, url, BRANCH);
          return;
        } catch {
          await git(human, 'pull', '--quiet', '--rebase', url, BRANCH);
        }
      }
      throw new Error('human push never landed');
    };
    const [a, b] = await Promise.all([
      commitStatus({ url, files: { 'status.json': '{"writer":"a"}\n' }, message: 'status: writer a', cacheDir: tempDir('status-d1') }),
      commitStatus({ url, files: { 'status.json': '{"writer":"b"}\n' }, message: 'status: writer b', cacheDir: tempDir('status-d2') }),
      humanPush(),
    ]);
    const log = await statusLog();
    expect(log.some((l) => l.startsWith(a))).toBe(true);
    expect(log.some((l) => l.startsWith(b))).toBe(true);
    expect(log.some((l) => l.endsWith('human concurrent'))).toBe(true);
    expect(log.some((l) => l.endsWith('human note'))).toBe(true);
    expect(log.some((l) => l.endsWith('status: first'))).toBe(true);
    expect(await revParse(bare, 'main')).toBe(mainTip);
    expect((await git(bare, 'for-each-ref', '--format=%(refname)')).split('\n').sort()).toEqual([
      'refs/heads/driftless/status',
      'refs/heads/main',
    ]);
  });
});
