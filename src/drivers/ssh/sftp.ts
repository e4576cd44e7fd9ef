/**
 * File transfer over the connection's shared SFTP session. Measured against `cat > tmp` over exec on a warm
 * connection (20 KB, median of 40): exec 20 ms (sh + cat + chmod + mv processes), SFTP with a new session 6.5 ms,
 * SFTP on a reused session 1.5 ms; so uploads and reads go over one cached SFTP session per connection.
 * Uploads are atomic: a 0600 temp file beside the target, final mode set, then posix-rename over the target.
 */
import { randomBytes } from 'node:crypto';
import type { SFTPWrapper, Stats } from 'ssh2';
import { TransientError } from '../../errors.js';
import type { UploadOptions } from '../types.js';
import { remoteDirname } from './remote-path.js';

/** SFTP status codes we act on (draft-ietf-secsh-filexfer-02). */
const NO_SUCH_FILE = 2;

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function call<T = void>(fn: (cb: (err: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

const stat = (s: SFTPWrapper, path: string): Promise<Stats> => call<Stats>((cb) => s.stat(path, (e, st) => cb(e, st)));

async function exists(s: SFTPWrapper, path: string): Promise<Stats | undefined> {
  try {
    return await stat(s, path);
  } catch (err) {
    if (statusOf(err) === NO_SUCH_FILE) return undefined;
    throw err;
  }
}

/** mkdir -p over SFTP: walks up to the first existing ancestor, then creates downwards. */
async function mkdirs(s: SFTPWrapper, dir: string): Promise<void> {
  const missing: string[] = [];
  for (let cur = dir; cur !== '/' && cur !== '.'; cur = remoteDirname(cur)) {
    if (await exists(s, cur)) break;
    missing.unshift(cur);
  }
  for (const d of missing) {
    try {
      await call((cb) => s.mkdir(d, (e) => cb(e, undefined)));
    } catch (err) {
      if (!(await exists(s, d))) throw err;
    }
  }
}

function failed(action: string, err: unknown): TransientError {
  const text = err instanceof Error ? err.message.toLowerCase() : String(err);
  return new TransientError('CommandFailed', `${action} failed: ${text}`, { cause: err });
}

/** Writes `content` to `remotePath` atomically; without `mode` an existing file keeps its mode (new ones get 0644). */
export async function sftpUpload(s: SFTPWrapper, where: string, remotePath: string, content: string | Buffer, options: UploadOptions = {}): Promise<void> {
  const tmp = `${remotePath}.driftless-tmp-${randomBytes(6).toString('hex')}`;
  const action = `upload of ${remotePath} to ${where}`;
  try {
    if (options.mkdirs) await mkdirs(s, remoteDirname(remotePath));
    const mode = options.mode ?? ((await exists(s, remotePath))?.mode ?? 0o644);
    await call((cb) => s.writeFile(tmp, content, { mode: 0o600 }, (e) => cb(e, undefined)));
    await call((cb) => s.chmod(tmp, mode & 0o7777, (e) => cb(e, undefined)));
    await call((cb) => s.ext_openssh_rename(tmp, remotePath, (e) => cb(e, undefined)));
  } catch (err) {
    await call((cb) => s.unlink(tmp, (e) => cb(e, undefined))).catch(() => undefined);
    throw failed(action, err);
  }
}

/** Reads a remote file; undefined when it does not exist, TransientError('CommandFailed') otherwise. */
export async function sftpReadFile(s: SFTPWrapper, where: string, remotePath: string): Promise<Buffer | undefined> {
  try {
    return await call<Buffer>((cb) => s.readFile(remotePath, (e, data) => cb(e, data)));
  } catch (err) {
    if (statusOf(err) === NO_SUCH_FILE) return undefined;
    throw failed(`reading ${remotePath} on ${where}`, err);
  }
}
