/**
 * The state directory holds the journal, pinned host keys, machines' private keys and the Git cache: whoever can
 * read it can log in to the fleet, whoever can write it can make driftless trust another host key or forget what
 * it applied. A directory made by us is 0700 from the start; one that already existed (an older driftless, a
 * `mkdir` with the default umask, a restored backup) may be 0755. So, on every open:
 * - a directory owned by us is tightened to 0700, and the files that hold keys (top-level files such as the journal
 *   and known host keys; `machines/keys/**`; the lab's key pair) to 0600, and said so in the log;
 * - a directory owned by another user is refused: we could not tighten it, and that user could read or swap the
 *   keys at any time (chown it, or choose another --state-dir);
 * - a symlink is followed only when the link itself is ours (made by us or root) and leads to a directory we own:
 *   anyone who can write the parent (a shared /tmp, a group-writable /srv) can plant a link, and theirs is refused,
 *   as is a link to something that is not a directory of ours.
 * Not checked: the directories above the state dir (like ssh's StrictModes would); keep them writable by root only.
 */
import { chmod, lstat, mkdir, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StalledError } from '../errors.js';

/** The state dir cannot be used safely; a human must fix ownership or point driftless elsewhere. */
export class StateDirError extends StalledError {
  constructor(message: string) {
    super('StateDirUnsafe', message);
  }
}

/** Everything under these (relative) dirs holds keys: walked recursively. */
const KEY_TREES = [join('machines', 'keys')];
/** Directories whose own top-level files hold keys (not walked: lab/registry holds image blobs). */
const KEY_DIRS = ['', 'lab', 'machines'];

function myUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/** Removes the permission bits beyond `mode` (0700 for a directory), never adds any; records what changed. */
async function tighten(path: string, mode: number, uid: number, changed: string[]): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  // never through a symlink, never someone else's file (we could not, and it would not be ours to change)
  if (!st || st.isSymbolicLink() || st.uid !== uid || !(st.isFile() || st.isDirectory())) return;
  const want = st.isDirectory() ? 0o700 : mode;
  const bits = st.mode & 0o777;
  if ((bits & ~want) === 0) return;
  await chmod(path, bits & want);
  changed.push(path);
}

async function entries(dir: string): Promise<{ name: string; dir: boolean }[]> {
  const list = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return list.filter((e) => e.isFile() || e.isDirectory()).map((e) => ({ name: e.name, dir: e.isDirectory() }));
}

async function tightenTree(dir: string, uid: number, changed: string[]): Promise<void> {
  await tighten(dir, 0o700, uid, changed);
  for (const e of await entries(dir)) {
    const path = join(dir, e.name);
    if (e.dir) await tightenTree(path, uid, changed);
    else await tighten(path, e.name.endsWith('.pub') ? 0o644 : 0o600, uid, changed);
  }
}

/** Refuses a state dir we do not own (or a symlink someone else planted) before anything is read from it. */
async function checkOwner(path: string, uid: number): Promise<void> {
  const link = await lstat(path);
  if (link.isSymbolicLink() && link.uid !== uid && link.uid !== 0) {
    throw new StateDirError(
      `state dir ${path} is a symlink owned by uid ${link.uid}, not by uid ${uid} that runs driftless: whoever can write ` +
        'its parent directory could have redirected it; give the real directory (--state-dir / DRIFTLESS_STATE_DIR)',
    );
  }
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new StateDirError(`state dir ${path} is a symlink that leads nowhere (${err.code ?? err.message})`);
  });
  const what = link.isSymbolicLink() ? `state dir ${path} (a symlink) leads to` : `state dir ${path} is`;
  if (!st.isDirectory()) throw new StateDirError(`${what} something that is not a directory`);
  if (st.uid !== uid) {
    throw new StateDirError(
      `${what} a directory owned by uid ${st.uid}, not by uid ${uid} that runs driftless: that user could read the ` +
        'machine keys in it or change the journal and pinned host keys; chown it to this user or choose another --state-dir',
    );
  }
}

/**
 * Creates the state dir (0700) or checks and tightens an existing one (see the file comment). Returns the paths
 * whose permissions were tightened, for the caller to log; throws StateDirError when the dir cannot be trusted.
 */
export async function secureStateDir(path: string): Promise<string[]> {
  const found = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!found) await mkdir(path, { recursive: true, mode: 0o700 });
  const uid = myUid();
  if (uid === undefined) return [];
  await checkOwner(path, uid);
  const changed: string[] = [];
  const real = await realpath(path);
  await tighten(real, 0o700, uid, changed);
  for (const rel of KEY_DIRS) {
    const dir = join(real, rel);
    if (rel !== '') await tighten(dir, 0o700, uid, changed);
    for (const e of await entries(dir)) if (!e.dir) await tighten(join(dir, e.name), e.name.endsWith('.pub') ? 0o644 : 0o600, uid, changed);
  }
  for (const rel of KEY_TREES) await tightenTree(join(real, rel), uid, changed);
  return changed;
}
