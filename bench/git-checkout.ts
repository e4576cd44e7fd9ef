/**
 * Compares the two ways to materialise a commit: a fresh directory per commit written from the tree
 * (src/source/checkout.ts, what the source uses) versus isomorphic-git `checkout --force` of one work tree.
 * Usage: npx tsx bench/git-checkout.ts [files]   (default 500 files of ~1 KiB; 20 change between commits;
 * objects packed as after a fetch, PACKED=0 keeps them loose)
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { materialise } from '../src/source/checkout.js';

const files = Number(process.argv[2] ?? 500);
const root = mkdtempSync(join(tmpdir(), 'driftless-bench-checkout-'));
const run = (...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', '-C', root, ...args]).toString().trim();

async function time(label: string, fn: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  await fn();
  process.stderr.write(`${label.padEnd(44)} ${(performance.now() - t0).toFixed(0)} ms\n`);
}

async function main(): Promise<void> {
  run('init', '-q', '--initial-branch=main');
  for (let i = 0; i < files; i++) {
    mkdirSync(join(root, `d${i % 20}`), { recursive: true });
    writeFileSync(join(root, `d${i % 20}`, `f${i}.yaml`), `name: f${i}\n${'x'.repeat(1000)}\n`);
  }
  run('add', '-A');
  run('commit', '-qm', 'one');
  const c1 = run('rev-parse', 'HEAD');
  for (let i = 0; i < 20; i++) writeFileSync(join(root, `d${i % 20}`, `f${i}.yaml`), `name: f${i} changed\n`);
  run('commit', '-qam', 'two');
  const c2 = run('rev-parse', 'HEAD');
  if (process.env.PACKED !== '0') run('gc', '-q');
  const gitdir = join(root, '.git');
  const out = join(root, '..', `${root.split('/').pop()}-out`);
  const cache = {};
  await time(`fresh dir per commit, ${files} files (c1)`, () => materialise(gitdir, c1, join(out, 'fresh'), cache));
  await time(`(copy of c1 for the linked case)`, () => materialise(gitdir, c1, join(out, 'linked'), cache));
  await time(`fresh dir per commit, ${files} files (c2)`, () => materialise(gitdir, c2, join(out, 'fresh'), cache));
  await time(`fresh dir, c2 linking unchanged from c1`, () => materialise(gitdir, c2, join(out, 'linked'), cache, { previous: { commit: c1 } }));
  const wt = join(out, 'worktree');
  mkdirSync(wt, { recursive: true });
  await time('isomorphic-git checkout --force into empty (c1)', () =>
    git.checkout({ fs, dir: wt, gitdir, ref: c1, force: true, cache }),
  );
  await time('isomorphic-git checkout --force c1 -> c2', () =>
    git.checkout({ fs, dir: wt, gitdir, ref: c2, force: true, cache }),
  );
  rmSync(out, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
}

await main();
