/**
 * A cross-process lock on a file, so two test runs (or workers) never debootstrap the same image at once.
 * The holder's pid is written into the file; a lock whose holder is gone is taken over.
 */
import { openSync, writeSync, closeSync, readFileSync, unlinkSync } from 'node:fs';

/** Runs `fn` while holding the lock at `path`; waits at most `timeoutMs` for another holder. */
export async function withFileLock<T>(path: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (tryAcquire(path)) break;
    if (holderGone(path)) {
      removeQuietly(path);
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${path} (held by pid ${readHolder(path)})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  try {
    return await fn();
  } finally {
    removeQuietly(path);
  }
}

function tryAcquire(path: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new Error(`could not create lock ${path}`, { cause: err });
  }
}

function readHolder(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function holderGone(path: string): boolean {
  const pid = readHolder(path);
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    return;
  }
}
