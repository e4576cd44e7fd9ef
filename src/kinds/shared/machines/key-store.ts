/**
 * The local key store: one SSH key pair per machine, generated here and written (0600) BEFORE the provider is
 * asked for the machine, together with the client token of that attempt. So a crash between "create" and
 * "record" leaves everything the next run needs to adopt the machine and log in; nothing private ever goes to
 * Git, logs, status or HTTP (jupiter kept private keys in MySQL and served them over HTTP).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateEd25519 } from '../../../util/ssh-keygen.js';

export interface MachineKey {
  privateKey: string;
  publicKey: string;
  /** Client token of the current generation of this machine; a new one after the machine is deleted. */
  clientToken: string;
}

const NAME_RE = /^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$/;

function root(stateDir: string): string {
  return join(stateDir, 'machines');
}

/** `<group>` is `set-<name>` or `pool-<name>`; both parts are resource names, so safe as path segments. */
function dirOf(stateDir: string, group: string, machine: string): string {
  if (!/^(set|pool)-/.test(group) || !NAME_RE.test(machine)) throw new Error(`invalid machine key path ${group}/${machine}`);
  return join(root(stateDir), 'keys', group, machine);
}

const owners = new Map<string, Promise<string>>();

/** The owner id of a state dir that has made machines; undefined when it never has (nothing is created). */
export function readOwnerId(stateDir: string): string | undefined {
  const path = join(root(stateDir), 'owner');
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}

/** This installation's owner id (tag value), created once per state dir. */
export function ownerId(stateDir: string): Promise<string> {
  const path = join(root(stateDir), 'owner');
  let pending = owners.get(path);
  if (!pending) {
    // One read-or-create per state dir in this process: concurrent first calls would mint two ids and race the rename.
    pending = readOrCreateOwner(stateDir, path);
    owners.set(path, pending);
    pending.catch(() => owners.delete(path));
  }
  return pending;
}

async function readOrCreateOwner(stateDir: string, path: string): Promise<string> {
  if (existsSync(path)) return (await readFile(path, 'utf8')).trim();
  await mkdir(root(stateDir), { recursive: true, mode: 0o700 });
  const id = `dl-${randomBytes(5).toString('hex')}`;
  await writeAtomic(path, `${id}\n`, 0o644);
  return id;
}

export async function readMachineKey(stateDir: string, group: string, machine: string): Promise<MachineKey | undefined> {
  const dir = dirOf(stateDir, group, machine);
  try {
    const [privateKey, publicKey, clientToken] = await Promise.all(
      ['id_ed25519', 'id_ed25519.pub', 'token'].map((f) => readFile(join(dir, f), 'utf8')),
    );
    return { privateKey: privateKey!, publicKey: publicKey!.trim(), clientToken: clientToken!.trim() };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const ensuring = new Map<string, Promise<MachineKey>>();

/**
 * The machine's key and token, generating and writing them first when this is a new machine. Concurrent callers
 * for one machine share one generation: two would mint two keys and race each other's writes.
 */
export function ensureMachineKey(stateDir: string, group: string, machine: string): Promise<MachineKey> {
  const dir = dirOf(stateDir, group, machine);
  let pending = ensuring.get(dir);
  if (!pending) {
    pending = createMachineKey(stateDir, group, machine).finally(() => ensuring.delete(dir));
    ensuring.set(dir, pending);
  }
  return pending;
}

async function createMachineKey(stateDir: string, group: string, machine: string): Promise<MachineKey> {
  const existing = await readMachineKey(stateDir, group, machine);
  if (existing) return existing;
  const dir = dirOf(stateDir, group, machine);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(root(stateDir), 0o700);
  const { default: ssh2 } = await import('ssh2');
  const pair = generateEd25519(ssh2, `driftless-${machine}`);
  const key = { privateKey: pair.private, publicKey: pair.public.trim(), clientToken: randomBytes(16).toString('hex') };
  await writeAtomic(join(dir, 'id_ed25519'), key.privateKey, 0o600);
  await writeAtomic(join(dir, 'id_ed25519.pub'), `${key.publicKey}\n`, 0o644);
  await writeAtomic(join(dir, 'token'), `${key.clientToken}\n`, 0o600);
  return key;
}

/** Forgets a deleted machine: the next machine of that name gets a new key and a new client token. */
export async function removeMachineKey(stateDir: string, group: string, machine: string): Promise<void> {
  await rm(dirOf(stateDir, group, machine), { recursive: true, force: true });
}

/** Init attempts that timed out, kept beside the key so the retry policy survives restarts. */
export async function initTimeouts(stateDir: string, group: string, machine: string): Promise<number> {
  try {
    return Number((await readFile(join(dirOf(stateDir, group, machine), 'init-timeouts'), 'utf8')).trim()) || 0;
  } catch {
    return 0;
  }
}

export async function setInitTimeouts(stateDir: string, group: string, machine: string, n: number): Promise<void> {
  const dir = dirOf(stateDir, group, machine);
  if (!existsSync(dir)) return;
  await writeAtomic(join(dir, 'init-timeouts'), `${n}\n`, 0o600);
}

async function writeAtomic(path: string, content: string, mode: number): Promise<void> {
  // A unique temp name: two writers of one path never share (and interleave into) one temp file.
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, content, { mode });
  await rename(tmp, path);
}
