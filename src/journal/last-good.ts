/**
 * The last good copy of the journal (`journal.last-good.json` next to it), refreshed after every load that passed
 * the shape check and after every write, by copy + rename so it is always whole. When the journal turns out
 * unreadable, the error says whether that copy exists, whether it is itself valid, and the command to restore it.
 *
 * It is not restored automatically: the journal is the only record of what driftless applied (prune works from
 * it), and a file that changed under a running system means something else writes the state dir: a disk fault, a
 * tool, a person. Carrying on from a copy would hide that, and the copy may be a run behind (a run whose record was
 * lost); a human looks once, restores with one `cp`, and the daemon goes on. Until then nothing is applied.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { copyFile, rename, unlink } from 'node:fs/promises';
import { migrate } from './migrations.js';

/** `<dir>/journal.last-good.json` for `<dir>/journal.json`. */
export function lastGoodPath(path: string): string {
  return `${path.replace(/\.json$/, '')}.last-good.json`;
}

/** Copies the journal (just loaded or written, hence valid) to its last good copy, atomically. */
export async function saveLastGood(path: string): Promise<void> {
  const dest = lastGoodPath(path);
  const tmp = `${dest}.${process.pid}.tmp`;
  try {
    await copyFile(path, tmp);
    await rename(tmp, dest);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new Error(`cannot keep the last good copy of the journal at ${dest}`, { cause: err });
  }
}

/** What to do about a broken journal at `path`: restore the last good copy if it is valid, else start empty. */
export function restoreHint(path: string): string {
  const copy = lastGoodPath(path);
  const fresh = `to start from an empty journal instead, move ${path} away (what driftless applied is then forgotten: prune will not remove it)`;
  if (!existsSync(copy)) return `Nothing was applied. No last good copy exists; ${fresh}`;
  try {
    migrate(JSON.parse(readFileSync(copy, 'utf8')) as unknown, copy);
  } catch (err) {
    return `Nothing was applied. The last good copy ${copy} is not valid either (${err instanceof Error ? err.message : String(err)}); ${fresh}`;
  }
  const at = statSync(copy).mtime.toISOString();
  return (
    `Nothing was applied. The last good copy ${copy} (written ${at}) is a valid journal: stop driftless, find what ` +
    `changed the journal, then restore it with: cp ${copy} ${path}`
  );
}
