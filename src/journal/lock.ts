/**
 * A process-level advisory lock on a state directory, so two applies never write the same journal or touch the
 * same hosts at once. The lock file holds the owner's pid and, on Linux, that process's start time; a lock whose
 * pid is dead, or now belongs to a process started at another time, is stale and taken over. The start time
 * matters after a kill -9: with pid_max at 32768 a busy machine hands the dead owner's pid to some other process
 * within minutes, and a pid-only check then refused every apply until that unrelated process ended (found by
 * bench/reliability/crash-anywhere).
 * Taking over a stale lock has a small race between two processes both seeing it stale; it errs on refusing.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const LOCK_FILE = 'driftless.lock';

/** The directory is locked by a live process. */
export class LockBusyError extends Error {
  constructor(
    readonly pid: number,
    path: string,
  ) {
    super(`state directory is locked by pid ${pid} (${path}): another driftless apply is running`);
    this.name = 'LockBusyError';
  }
}

export interface Lock {
  readonly path: string;
  /** Removes the lock file if it is still ours. */
  release(): Promise<void>;
}

/** True when a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** When the kernel started `pid` (clock ticks since boot, field 22 of /proc/<pid>/stat); undefined off Linux. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** True while the lock's owner runs: its pid is alive and, when both are known, started when the lock says. */
function ownerAlive(owner: { pid: number; start?: string }): boolean {
  if (!pidAlive(owner.pid)) return false;
  const now = owner.start === undefined ? undefined : processStart(owner.pid);
  return now === undefined || now === owner.start;
}

async function readOwner(path: string): Promise<{ pid: number; token?: string; start?: string } | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { pid?: unknown; token?: unknown; start?: unknown };
    return {
      pid: Number(parsed.pid),
      token: typeof parsed.token === 'string' ? parsed.token : undefined,
      ...(typeof parsed.start === 'string' ? { start: parsed.start } : {}),
    };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { pid: -1 };
  }
}

/** Takes the lock in `dir` or throws LockBusyError; a second call in the same process is busy too. */
export async function acquireLock(dir: string): Promise<Lock> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const token = randomUUID();
  // written whole first, then hard-linked into place: the lock appears atomically with its content or not at all
  const temp = `${path}.${token}.tmp`;
  const start = processStart(process.pid);
  await writeFile(temp, JSON.stringify({ pid: process.pid, token, since: new Date().toISOString(), ...(start ? { start } : {}) }), { mode: 0o600 });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await link(temp, path);
      await unlink(temp).catch(() => undefined);
      return {
        path,
        async release() {
          const owner = await readOwner(path);
          if (owner?.token === token) await unlink(path).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        await unlink(temp).catch(() => undefined);
        throw new Error(`cannot create lock ${path}`, { cause: err });
      }
      const owner = await readOwner(path);
      if (owner && ownerAlive(owner)) {
        await unlink(temp).catch(() => undefined);
        throw new LockBusyError(owner.pid, path);
      }
      await unlink(path).catch(() => undefined);
    }
  }
  await unlink(temp).catch(() => undefined);
  const owner = await readOwner(path);
  throw new LockBusyError(owner?.pid ?? -1, path);
}
