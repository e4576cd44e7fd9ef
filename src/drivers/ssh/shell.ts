/** POSIX shell quoting for paths and arguments we splice into remote commands. */

/** Quotes one word for sh: `it's` becomes `'it'\''s'`; safe for any byte string without NUL. */
export function quote(word: string): string {
  if (word.includes('\0')) throw new Error('shell argument contains a nul byte');
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The directory part of a remote POSIX path (`/a/b` -> `/a`, `b` -> `.`). */
export function remoteDirname(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const idx = trimmed.lastIndexOf('/');
  if (idx < 0) return '.';
  if (idx === 0) return '/';
  return trimmed.slice(0, idx);
}
