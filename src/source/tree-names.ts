/**
 * Which Git tree entry names may become files. A tree is data from whoever can push (or from any URL a config
 * author names), and a hand-made tree object can hold names git itself would never write: `..`, `a/b`, `.git`, or
 * the same name twice. Written with `join(root, rel)` such names escape the checkout (`a/../../x`) or let a symlink
 * entry and a directory entry of the same name share a path (`a -> /etc` plus `a/passwd`). The rules follow git's
 * own `verify_path` with `core.protectNTFS` and `core.protectHFS` on, so a tree git refuses to check out anywhere
 * is refused here too.
 */

/** Code points HFS+ ignores when comparing names, so `.g\u200cit` is `.git` on a Mac (git's `is_hfs_dotgit`). */
const HFS_IGNORABLE = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;

/** NTFS spellings of `.git`: trailing dots and spaces, an alternate data stream, or the 8.3 short name. */
const NTFS_DOTGIT = /^(\.git[. ]*|git~1)(::\$index_allocation)?$|^\.git::\$index_allocation$/;

/**
 * Why `name` (one entry of one tree, as decoded from the tree object) must not be written, or undefined when it is
 * an ordinary file or directory name.
 */
export function refusedEntryName(name: string): string | undefined {
  if (name === '') return 'empty name';
  if (name === '.' || name === '..') return `"${name}" would leave its directory`;
  if (name.includes('/')) return 'name contains "/"';
  if (name.includes('\0')) return 'name contains NUL';
  const folded = name.toLowerCase();
  if (folded === '.git') return '".git" is reserved';
  if (NTFS_DOTGIT.test(folded)) return `"${name}" is ".git" on NTFS`;
  if (folded.replace(HFS_IGNORABLE, '') === '.git') return `"${name}" is ".git" on HFS+`;
  return undefined;
}
