/**
 * Directory source for local work (`driftless plan ./repo`) and watch mode: the directory itself is the tree.
 * Its revision is a content digest, so the same content is the same revision (no spurious runs on touch) and any
 * edit is a new one, whether or not the directory is a git work tree.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { StalledError } from '../errors.js';
import type { Revision, Source } from './types.js';

/** Directories that never hold desired state and may be huge or change on their own. */
const SKIP_DIRS = new Set(['.git', 'node_modules', '.driftless']);

/**
 * sha256 over every file's relative path (POSIX separators, sorted) and content, including non-YAML files because
 * resources may point at templates or scripts in the repo. Symlinks contribute their target, not what it points at.
 */
export async function digestDir(root: string): Promise<{ digest: string; files: number }> {
  const files: string[] = [];
  async function walk(dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      const abs = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) await walk(abs);
      } else if (e.isFile() || e.isSymbolicLink()) files.push(abs);
    }
  }
  await walk(root);
  const rels = files.map((f) => ({ abs: f, rel: relative(root, f).split(sep).join('/') }));
  rels.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const hash = createHash('sha256');
  for (const { abs, rel } of rels) {
    const isLink = (await readlink(abs).catch(() => undefined)) !== undefined;
    const content = isLink ? Buffer.from(`link:${await readlink(abs)}`) : await readFile(abs);
    hash.update(`${rel}\0${content.length}\0`);
    hash.update(content);
  }
  return { digest: hash.digest('hex'), files: rels.length };
}

/** A source over a local directory; `poll` and `fetch` both digest the content (cheap for config-sized repos). */
export function createDirSource(path: string): Source {
  const fetch = async (): Promise<Revision> => {
    const st = await stat(path).catch((err: unknown) => {
      throw new StalledError('SourceUnavailable', `directory ${path} is not readable`, { cause: err });
    });
    if (!st.isDirectory()) throw new StalledError('SourceUnavailable', `${path} is not a directory`);
    const { digest, files } = await digestDir(path);
    if (files === 0) throw new StalledError('SourceUnavailable', `directory ${path} is empty; refusing to use it`);
    return { commit: `dir:${digest}`, ref: 'dir', dir: path };
  };
  return {
    describe: () => `dir ${path}`,
    poll: async () => (await fetch()).commit,
    fetch,
  };
}
