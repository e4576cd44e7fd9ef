/**
 * Finds the YAML files of a config repo: every `.yaml`/`.yml` below the root except dot-dirs, node_modules, the
 * root settings file, SOPS files (`*.sops.yaml`: values that resources reference, not resources) and what
 * `.driftlessignore` excludes (gitignore-like globs, without negation).
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveInside } from '../util/confine.js';

/** Root files holding repo-wide settings rather than resources. */
export const SETTINGS_FILES = ['driftless.yaml', 'driftless.yml'] as const;
export const IGNORE_FILE = '.driftlessignore';

type Matcher = (relPath: string, isDir: boolean) => boolean;

function globToRegExp(glob: string): string {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return re;
}

/**
 * Compiles `.driftlessignore` lines (an ignored directory is not descended into): `#` comments and blanks skipped; a pattern containing `/` (other than a
 * trailing one) is anchored at the root, otherwise it matches a name at any depth; a trailing `/` matches
 * directories only; `*`, `**` and `?` as in gitignore.
 */
export function compileIgnore(text: string): Matcher {
  const rules: { re: RegExp; dirOnly: boolean }[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const dirOnly = line.endsWith('/');
    if (dirOnly) line = line.slice(0, -1);
    const anchored = line.includes('/');
    line = line.replace(/^\//, '');
    const body = globToRegExp(line);
    rules.push({ re: new RegExp(anchored ? `^${body}$` : `(?:^|/)${body}$`), dirOnly });
  }
  return (rel, isDir) => rules.some((r) => (isDir || !r.dirOnly) && r.re.test(rel));
}

/** The ignore rules; a `.driftlessignore` that is a symlink leading out of the repo fails the load (UnsafePath). */
async function readIgnore(root: string): Promise<Matcher> {
  try {
    await lstat(join(root, IGNORE_FILE));
  } catch {
    return () => false;
  }
  try {
    return compileIgnore(await readFile(resolveInside(root, IGNORE_FILE, 'file', IGNORE_FILE), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return () => false;
  }
}

function isResourceName(rel: string, name: string): boolean {
  if (/\.sops\.ya?ml$/i.test(name)) return false;
  return /\.ya?ml$/i.test(name) && !(rel === '' && (SETTINGS_FILES as readonly string[]).includes(name));
}

/**
 * The same selection as listResourceFiles, from a listing the source already has (a Git tree: regular files
 * only, `/`-separated), so a checkout of thousands of files is not walked again. Directory verdicts are memoised.
 */
export async function selectResourceFiles(root: string, paths: Iterable<string>): Promise<string[]> {
  const ignore = await readIgnore(root);
  const dirOk = new Map<string, boolean>([['', true]]);
  const allowedDir = (dir: string): boolean => {
    const known = dirOk.get(dir);
    if (known !== undefined) return known;
    const cut = dir.lastIndexOf('/');
    const name = dir.slice(cut + 1);
    const ok =
      allowedDir(cut < 0 ? '' : dir.slice(0, cut)) && !name.startsWith('.') && name !== 'node_modules' && !ignore(dir, true);
    dirOk.set(dir, ok);
    return ok;
  };
  const out: string[] = [];
  for (const path of paths) {
    const cut = path.lastIndexOf('/');
    const rel = cut < 0 ? '' : path.slice(0, cut);
    const name = path.slice(cut + 1);
    if (name.startsWith('.') || !allowedDir(rel) || !isResourceName(rel, name)) continue;
    if (!ignore(path, false)) out.push(path);
  }
  return out.sort();
}

/** Lists resource files relative to `root` with `/` separators, sorted, so problems come out in a stable order. */
export async function listResourceFiles(root: string): Promise<string[]> {
  const ignore = await readIgnore(root);
  const out: string[] = [];
  const visit = async (rel: string): Promise<void> => {
    const entries = await readdir(join(root, rel), { withFileTypes: true });
    for (const e of entries) {
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) {
        if (e.name === 'node_modules' || ignore(path, true)) continue;
        await visit(path);
      } else if (e.isFile() && isResourceName(rel, e.name)) {
        if (!ignore(path, false)) out.push(path);
      }
    }
  };
  await visit('');
  return out.sort();
}
