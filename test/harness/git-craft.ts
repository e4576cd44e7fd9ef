/**
 * Hand-made Git objects written by the REAL git CLI, for trees git itself would never produce (`..` entries,
 * names with `/`, the same name twice). `git mktree` refuses such names, so the tree object is built byte by byte
 * and stored with `git hash-object -t tree --literally`; the commit is made with `git commit-tree`. This is what an
 * attacker with push rights does against a forge that does not fsck pushes.
 */
import { spawn } from 'node:child_process';

const ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'attacker',
  GIT_AUTHOR_EMAIL: 'attacker@driftless.invalid',
  GIT_COMMITTER_NAME: 'attacker',
  GIT_COMMITTER_EMAIL: 'attacker@driftless.invalid',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
};

/** Runs git in the repo at `gitdir` (bare or `.git`) with `input` on stdin; resolves with trimmed stdout. */
function gitIn(gitdir: string, args: string[], input?: Buffer | string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['--git-dir', gitdir, ...args], { env: ENV, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`git ${args.join(' ')} failed (${code}): ${err.trim()}`))));
    child.stdin?.end(input);
  });
}

/** One entry of a crafted tree: mode `100644`, `100755`, `120000` (symlink) or `40000` (tree), any name. */
export interface CraftEntry {
  mode: '100644' | '100755' | '120000' | '40000';
  name: string;
  oid: string;
}

/** Stores a blob (file content, or a symlink's target) and returns its id. */
export function craftBlob(gitdir: string, content: string): Promise<string> {
  return gitIn(gitdir, ['hash-object', '-w', '--stdin'], content);
}

/** Stores a tree with exactly these entries, in this order, unchecked; returns its id. */
export function craftTree(gitdir: string, entries: CraftEntry[]): Promise<string> {
  const body = Buffer.concat(entries.map((e) => Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`, 'utf8'), Buffer.from(e.oid, 'hex')])));
  return gitIn(gitdir, ['hash-object', '-t', 'tree', '--literally', '-w', '--stdin'], body);
}

/** Commits `tree` (with `parent`, if any) and points `refs/heads/<branch>` at it; returns the commit id. */
export async function craftCommit(gitdir: string, tree: string, branch: string, parent?: string): Promise<string> {
  const commit = await gitIn(gitdir, ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', 'crafted']);
  await gitIn(gitdir, ['update-ref', `refs/heads/${branch}`, commit]);
  return commit;
}

/** A chain of trees, each holding only the next under `name`, ending in `leaf`: e.g. `..` five times deep. */
export async function craftChain(gitdir: string, names: string[], leaf: CraftEntry): Promise<string> {
  let entry = leaf;
  for (const name of [...names].reverse()) entry = { mode: '40000', name, oid: await craftTree(gitdir, [entry]) };
  return craftTree(gitdir, [entry]);
}
