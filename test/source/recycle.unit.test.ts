/**
 * Checkouts written fresh, hard-linked from the previous one, and recycled from an older one must all equal what
 * git itself has for the commit, and recycling must never change the checkouts that stay (they share inodes).
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { materialise } from '../../src/source/checkout.js';
import { commitAll, git, initWorkRepo } from '../harness/git-cli.js';
import { tempDir } from '../harness/tmp.js';

/** path -> content (or `-> target` for symlinks, `+x` suffix for executables) of every file below `dir`. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (d: string): void => {
    for (const name of readdirSync(d)) {
      const abs = join(d, name);
      const st = lstatSync(abs);
      const rel = relative(dir, abs);
      if (st.isSymbolicLink()) out[rel] = `-> ${readlinkSync(abs)}`;
      else if (st.isDirectory()) {
        if (readdirSync(abs).length === 0) out[`${rel}/`] = 'EMPTY DIR';
        visit(abs);
      } else out[rel] = `${readFileSync(abs, 'utf8')}${st.mode & 0o100 ? ' +x' : ''}`;
    }
  };
  visit(dir);
  return out;
}

/** What git has at `commit`, checked out by git itself into a scratch worktree. */
async function gitSnapshot(repo: string, commit: string): Promise<Record<string, string>> {
  const wt = tempDir('driftless-wt-');
  await git(repo, `--work-tree=${wt}`, 'checkout', '--quiet', '-f', commit, '--', '.');
  return snapshot(wt);
}

describe('checkout recycling', () => {
  it('fresh, linked and recycled checkouts all equal git, and the kept checkouts are untouched', async () => {
    const repo = tempDir('driftless-recycle-');
    await initWorkRepo(repo);
    const put = (rel: string, text: string): void => {
      mkdirSync(join(repo, rel, '..'), { recursive: true });
      writeFileSync(join(repo, rel), text);
    };
    put('a.yaml', 'a1\n');
    put('deep/x/y/z.yaml', 'z1\n');
    put('swap', 'file first\n');
    put('run.sh', 'echo 1\n');
    for (let i = 0; i < 50; i++) put(`many/f${i}.yaml`, `f${i}\n`);
    const c1 = await commitAll(repo, 'c1');
    put('a.yaml', 'a2\n');
    rmSync(join(repo, 'deep'), { recursive: true });
    rmSync(join(repo, 'swap'));
    put('swap/inside.yaml', 'now a dir\n');
    chmodSync(join(repo, 'run.sh'), 0o755);
    symlinkSync('a.yaml', join(repo, 'link'));
    const c2 = await commitAll(repo, 'c2');
    put('many/f7.yaml', 'f7 changed\n');
    put('deep/x/new.yaml', 'back again\n');
    rmSync(join(repo, 'swap'), { recursive: true });
    put('swap', 'file again\n');
    rmSync(join(repo, 'link'));
    symlinkSync('run.sh', join(repo, 'link'));
    const c3 = await commitAll(repo, 'c3');

    const gitdir = join(repo, '.git');
    const checkouts = join(tempDir('driftless-co-'), 'checkouts');
    const cache = {};
    const r1 = await materialise(gitdir, c1, checkouts, cache);
    const r2 = await materialise(gitdir, c2, checkouts, cache, { previous: { commit: c1, listing: r1.listing } });
    const before2 = snapshot(r2.dir);
    const r3 = await materialise(gitdir, c3, checkouts, cache, {
      previous: { commit: c2, listing: r2.listing },
      recycle: { commit: c1, listing: r1.listing },
    });
    expect(snapshot(r2.dir)).toEqual(await gitSnapshot(repo, c2));
    expect(snapshot(r3.dir)).toEqual(await gitSnapshot(repo, c3));
    expect(snapshot(r2.dir)).toEqual(before2);
    // c1's directory became c3's: nothing else is left behind.
    expect(readdirSync(checkouts).sort()).toEqual([c2, c3].sort());
    expect(r3.files.get('many/f7.yaml')).toBe(await git(repo, 'rev-parse', `${c3}:many/f7.yaml`));
    expect(r3.files.has('link')).toBe(false); // symlinks are not loader files
  });
});
