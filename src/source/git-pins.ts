/**
 * Host-key pins of SSH Git remotes shared by HA replicas. OpenSSH pins them itself, in a file (`git_known_hosts`,
 * `StrictHostKeyChecking=accept-new`), so the shared copy is kept beside it: before each git command the file is
 * made the shared text (the store is the authority: a key one replica pinned binds every replica, and a changed
 * key is refused by all alike); after it, lines ssh added are merged into the shared text by compare-and-set.
 * Lines are merged as text (Debian hashes host names, so lines cannot be matched per host): two replicas meeting
 * a new remote at the same moment each keep what they saw. Registered by the daemon in HA mode only (the
 * unfenced store: previews on followers fetch too); the embedded daemon keeps its file as it always did.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { TransientError } from '../errors.js';
import type { StateStore } from '../store/index.js';

export const GIT_PINS_NS = 'ssh';
export const GIT_PINS_KEY = 'git_known_hosts';

const shared = new Map<string, StateStore>();

/** Shares the pins of `file` through `store` until the returned function is called. */
export function shareGitPins(file: string, store: StateStore): () => void {
  const path = resolve(file);
  shared.set(path, store);
  return () => {
    if (shared.get(path) === store) shared.delete(path);
  };
}

const linesOf = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');

/**
 * Around one git command on `file`: `before` writes the shared pins to the file, `after` merges what ssh added.
 * Undefined when the file's pins are not shared.
 */
export async function pinSync(file: string): Promise<{ after(): Promise<void> } | undefined> {
  const store = shared.get(resolve(file));
  if (!store) return undefined;
  const fail = (err: unknown) => new TransientError('StateStoreUnavailable', `shared SSH Git host-key pins (${store.location} ${GIT_PINS_NS}/${GIT_PINS_KEY}): ${(err as Error).message}`, { cause: err });
  const text = await store.get(GIT_PINS_NS, GIT_PINS_KEY).then((b) => b?.toString('utf8'), (err: unknown) => Promise.reject(fail(err)));
  // Nothing shared yet: this replica's own pins (from before HA) are offered as they are.
  const before = text ?? '';
  if (text !== undefined) await writeFile(file, text, { mode: 0o600 });
  return {
    async after() {
      const now = existsSync(file) ? await readFile(file, 'utf8') : '';
      const known = new Set(linesOf(before));
      const added = linesOf(now).filter((l) => !known.has(l));
      if (added.length === 0) return;
      await store
        .update(GIT_PINS_NS, GIT_PINS_KEY, (cur) => {
          const have = linesOf(cur?.toString('utf8') ?? '');
          const fresh = added.filter((l) => !have.includes(l));
          return fresh.length === 0 ? undefined : `${[...have, ...fresh].join('\n')}\n`;
        })
        .catch((err: unknown) => Promise.reject(fail(err)));
    },
  };
}
