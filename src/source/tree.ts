/**
 * A commit's tree as a flat listing, and the writing of listings into directories. Objects are read through the
 * pack reader (native zlib, see pack-reader.ts) with isomorphic-git as the fallback for loose objects.
 */
import * as fs from 'node:fs';
import { closeSync, fchmodSync, linkSync, lstatSync, mkdirSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { git } from './isogit.js';
import pLimit from 'p-limit';
import { StalledError } from '../errors.js';
import { openPackStore, type Pack, type PackStore } from './pack-reader.js';
import { refusedEntryName } from './tree-names.js';

/** `path -> mode:oid` of every blob and symlink of a commit (submodules are not fetched and not listed). */
export type Listing = Map<string, string>;

export interface ReadContext {
  gitdir: string;
  cache: object;
  store: PackStore | undefined;
}

/** The pack reader over the store, or none when the store has no pack directory (everything loose). */
export function openStore(gitdir: string, packs: Map<string, Pack | null> | undefined): PackStore | undefined {
  try {
    return openPackStore(gitdir, packs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Reads an object through the pack reader, falling back to isomorphic-git (loose objects, bases elsewhere). */
async function readObject(ctx: ReadContext, oid: string, type: 'commit' | 'tree' | 'blob'): Promise<Buffer> {
  const fast = ctx.store?.read(oid);
  if (fast) {
    if (fast.type !== type) throw new Error(`object ${oid} is a ${fast.type}, not a ${type}`);
    return fast.content;
  }
  const obj = await git.readObject({ fs, gitdir: ctx.gitdir, oid, cache: ctx.cache, format: 'content' });
  if (obj.type !== type) throw new Error(`object ${oid} is a ${obj.type}, not a ${type}`);
  return Buffer.from(obj.object as Uint8Array);
}

/** Tree entries in git's binary format: `<mode> <name>\0<20-byte id>`; a truncated entry is a corrupt tree. */
function* treeEntries(tree: Buffer, oid: string): Generator<{ mode: string; name: string; oid: string }> {
  let pos = 0;
  while (pos < tree.length) {
    const space = tree.indexOf(0x20, pos);
    const nul = space < 0 ? -1 : tree.indexOf(0, space);
    if (nul < 0 || nul + 21 > tree.length) throw new Error(`tree ${oid} is corrupt at byte ${pos}`);
    const mode = tree.toString('latin1', pos, space).padStart(6, '0');
    yield { mode, name: tree.toString('utf8', space + 1, nul), oid: tree.toString('hex', nul + 1, nul + 21) };
    pos = nul + 21;
  }
}

/**
 * Lists a commit's tree from the object store: tree objects only, no blob is read. Every entry name is checked
 * (see tree-names.ts) before anything is written: a refused name or a name twice in one tree fails the whole
 * commit with StalledError `UnsafePath` naming the commit and the entry, so a crafted tree writes nothing at all.
 */
export async function listCommit(ctx: ReadContext, commit: string): Promise<Listing> {
  const listing: Listing = new Map();
  const head = (await readObject(ctx, commit, 'commit')).toString('latin1', 0, 46);
  const root = /^tree ([0-9a-f]{40})/.exec(head)?.[1];
  if (!root) throw new Error(`commit ${commit} names no tree`);
  const refuse = (rel: string, why: string): never => {
    throw new StalledError('UnsafePath', `commit ${commit}: tree entry ${JSON.stringify(rel)} refused (${why}); nothing was checked out`);
  };
  const walkTree = async (oid: string, prefix: string): Promise<void> => {
    const names = new Set<string>();
    for (const e of treeEntries(await readObject(ctx, oid, 'tree'), oid)) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      const why = refusedEntryName(e.name);
      if (why) refuse(rel, why);
      if (names.has(e.name)) refuse(rel, 'the name appears twice in its tree');
      names.add(e.name);
      if (e.mode === '040000') await walkTree(e.oid, rel);
      else if (e.mode !== '160000') listing.set(rel, `${e.mode}:${e.oid}`);
    }
  };
  await walkTree(root, '');
  return listing;
}

/** The regular files of a listing with their blob ids (symlinks are left out: the loader never follows them). */
export function regularFiles(listing: Listing): Map<string, string> {
  const files = new Map<string, string>();
  for (const [rel, v] of listing) if (!v.startsWith('120000:')) files.set(rel, v.slice(v.indexOf(':') + 1));
  return files;
}

export interface WriteContext extends ReadContext {
  root: string;
  listing: Listing;
  /** Previous checkout: its directory and listing, for hard-linking unchanged files. */
  reuse: { dir: string; listing: Listing } | undefined;
}

const NEW_FILE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/** Creates a regular file that must not exist yet: never truncates a file or follows a link already at `abs`. */
function writeNewFile(abs: string, blob: Buffer, executable: boolean): void {
  const fd = openSync(abs, NEW_FILE, 0o666);
  try {
    writeFileSync(fd, blob);
    if (executable) fchmodSync(fd, 0o755);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes every entry of the listing. Unchanged files are hard-linked with synchronous calls (measured: a few µs each,
 * where fs/promises pays a thread-pool round trip per call, ~10x more for 3,000 files); only changed blobs are read
 * from the object store, with bounded concurrency.
 *
 * Nothing is written through a link: directories are made one level at a time and an existing one must be a real
 * directory (not a symlink an earlier commit left in a recycled checkout), files are created exclusively with
 * O_NOFOLLOW, and every path is checked to stay under the root. Names were checked by listCommit; these checks hold
 * even for a listing that did not come from it.
 */
export async function writeListing(ctx: WriteContext): Promise<void> {
  const root = resolve(ctx.root);
  const inside = (rel: string): string => {
    const abs = join(root, rel);
    if (!abs.startsWith(root + sep)) throw new StalledError('UnsafePath', `checkout path ${JSON.stringify(rel)} leaves the checkout`);
    return abs;
  };
  const made = new Set<string>(['']);
  const ensureDir = (rel: string): void => {
    const cut = rel.lastIndexOf('/');
    const dir = cut < 0 ? '' : rel.slice(0, cut);
    if (made.has(dir)) return;
    ensureDir(dir);
    const abs = inside(dir);
    try {
      mkdirSync(abs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const st = lstatSync(abs);
      if (!st.isDirectory()) {
        throw new StalledError('UnsafePath', `checkout path ${JSON.stringify(dir)} is ${st.isSymbolicLink() ? 'a symlink' : 'not a directory'}; refusing to write below it`);
      }
    }
    made.add(dir);
  };
  const toRead: [string, string][] = [];
  for (const [rel, v] of ctx.listing) {
    ensureDir(rel);
    if (ctx.reuse?.listing.get(rel) === v && !v.startsWith('120000:')) {
      try {
        linkSync(join(ctx.reuse.dir, rel), inside(rel));
        continue;
      } catch {
        // The previous checkout lost the file (pruned meanwhile): read it from Git instead.
      }
    }
    toRead.push([rel, v]);
  }
  const limit = pLimit(16);
  await Promise.all(
    toRead.map(([rel, v]) =>
      limit(async () => {
        const [mode, oid] = v.split(':') as [string, string];
        const blob = await readObject(ctx, oid, 'blob');
        const abs = inside(rel);
        if (mode === '120000') symlinkSync(Buffer.from(blob).toString('utf8'), abs);
        else writeNewFile(abs, blob, mode === '100755');
      }),
    ),
  );
}
