/** POSIX path helpers for remote paths (always `/`-separated, whatever the local platform). */

/** The directory part of a remote POSIX path (`/a/b` -> `/a`, `b` -> `.`). */
export function remoteDirname(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const idx = trimmed.lastIndexOf('/');
  if (idx < 0) return '.';
  if (idx === 0) return '/';
  return trimmed.slice(0, idx);
}
