/**
 * Host-key pinning (trust on first use). The first key a `[host]:port` presents is recorded; any later different key
 * refuses the connection with a StalledError, because a silently accepted key is how a man in the middle gets in.
 * File format, one host per line: `[host]:port <algorithm> SHA256:<base64 fingerprint>`; `#` starts a comment.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StalledError } from '../../errors.js';
import type { Logger } from '../../util/logger.js';

export interface HostKeyInfo {
  algorithm: string;
  /** OpenSSH style: `SHA256:` + unpadded base64 of the SHA-256 of the key blob. */
  fingerprint: string;
}

export interface KnownHosts {
  /** Resolves when the key is known or was just recorded; throws StalledError('HostKeyMismatch') otherwise. */
  verify(hostId: string, keyBlob: Buffer): Promise<'known' | 'recorded'>;
}

/** `[host]:port`, the key of a known-hosts line (the form OpenSSH uses for non-default ports). */
export function hostIdOf(host: string, port: number): string {
  return `[${host}]:${port}`;
}

/** Reads the algorithm name and fingerprint from an SSH wire-format public key blob. */
export function describeHostKey(keyBlob: Buffer): HostKeyInfo {
  let algorithm = 'unknown';
  if (keyBlob.length >= 4) {
    const len = keyBlob.readUInt32BE(0);
    if (len > 0 && len < 64 && keyBlob.length >= 4 + len) algorithm = keyBlob.subarray(4, 4 + len).toString('latin1');
  }
  const fingerprint = `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
  return { algorithm, fingerprint };
}

/**
 * Where the pins live: the state dir's file by default, or a shared state store (HA replicas must all trust the
 * keys the first of them pinned). `where` is what a mismatch tells a human to edit.
 */
export interface KnownHostsStorage {
  readonly where: string;
  read(): Promise<string | undefined>;
  write(text: string): Promise<void>;
}

/** The file backend: read whole, written beside and renamed. */
export function fileKnownHosts(path: string): KnownHostsStorage {
  return {
    where: path,
    async read() {
      try {
        return await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new StalledError('HostKeyMismatch', `cannot read known hosts file ${path}`, { cause: err });
      }
    },
    write: (text) => writeAtomic(path, text),
  };
}

async function load(storage: KnownHostsStorage): Promise<Map<string, HostKeyInfo>> {
  const entries = new Map<string, HostKeyInfo>();
  const text = await storage.read();
  if (text === undefined) return entries;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [host, algorithm, fingerprint] = line.split(/\s+/);
    if (host && algorithm && fingerprint) entries.set(host, { algorithm, fingerprint });
  }
  return entries;
}

function render(entries: Map<string, HostKeyInfo>): string {
  const lines = ['# driftless known hosts: [host]:port algorithm fingerprint; delete a line to accept a new key'];
  for (const [host, info] of entries) lines.push(`${host} ${info.algorithm} ${info.fingerprint}`);
  return `${lines.join('\n')}\n`;
}

/** Writes beside the file and renames, so a crash never leaves half a known-hosts file; mode 0600. */
async function writeAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

function mismatch(path: string, hostId: string, expected: HostKeyInfo, presented: HostKeyInfo): StalledError {
  return new StalledError(
    'HostKeyMismatch',
    `host key for ${hostId} changed: expected ${expected.algorithm} ${expected.fingerprint}, ` +
      `presented ${presented.algorithm} ${presented.fingerprint}; refusing to connect. ` +
      `if the host was legitimately rebuilt, delete the line for ${hostId} from ${path} to accept the new key`,
  );
}

/**
 * Opens the pin store at `path`. The file is re-read on every check (a human may delete a line to accept a new
 * key while the daemon runs); writes are serialised within the process and re-read before merging.
 */
export function createKnownHosts(pathOrStorage: string | KnownHostsStorage, logger?: Logger): KnownHosts {
  const storage = typeof pathOrStorage === 'string' ? fileKnownHosts(pathOrStorage) : pathOrStorage;
  const path = storage.where;
  let chain: Promise<unknown> = Promise.resolve();
  const serialised = <T>(task: () => Promise<T>): Promise<T> => {
    const run = chain.then(task, task);
    chain = run.catch(() => undefined);
    return run;
  };

  const check = (entries: Map<string, HostKeyInfo>, hostId: string, presented: HostKeyInfo): boolean => {
    const expected = entries.get(hostId);
    if (!expected) return false;
    if (expected.algorithm === presented.algorithm && expected.fingerprint === presented.fingerprint) return true;
    logger?.warn({ host: hostId, expected: expected.fingerprint, presented: presented.fingerprint }, 'ssh host key mismatch');
    throw mismatch(path, hostId, expected, presented);
  };

  return {
    async verify(hostId, keyBlob) {
      const presented = describeHostKey(keyBlob);
      if (check(await load(storage), hostId, presented)) return 'known';
      return serialised(async () => {
        const entries = await load(storage);
        if (check(entries, hostId, presented)) return 'known' as const;
        entries.set(hostId, presented);
        await storage.write(render(entries));
        logger?.info({ host: hostId, algorithm: presented.algorithm, fingerprint: presented.fingerprint }, 'ssh host key recorded');
        return 'recorded' as const;
      });
    },
  };
}
