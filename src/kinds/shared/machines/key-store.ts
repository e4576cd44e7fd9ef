/**
 * The key store: one SSH key pair per machine, generated here and written to the state store (namespace `machines`,
 * the private key and client token as secrets) BEFORE the provider is asked for the machine, together with the
 * client token of that attempt. So a crash between "create" and "record" leaves everything the next run needs to
 * adopt the machine and log in; nothing private ever goes to Git, logs, status or HTTP (jupiter kept private keys
 * in MySQL and served them over HTTP). On the file backend the layout is the state dir's old one:
 * `machines/owner`, `machines/keys/<group>/<machine>/{id_ed25519,id_ed25519.pub,token,init-timeouts}`.
 */
import { randomBytes } from 'node:crypto';
import { StalledError } from '../../../errors.js';
import type { StateStore } from '../../../store/index.js';
import { generateEd25519 } from '../../../util/ssh-keygen.js';

export interface MachineKey {
  privateKey: string;
  publicKey: string;
  /** Client token of the current generation of this machine; a new one after the machine is deleted. */
  clientToken: string;
}

const NAME_RE = /^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$/;
const NS = 'machines';
const OWNER = 'owner';

/** `<group>` is `set-<name>` or `pool-<name>`; both parts are resource names, so safe as key segments. */
function prefixOf(group: string, machine: string): string {
  if (!/^(set|pool)-/.test(group) || !NAME_RE.test(machine)) throw new StalledError('InternalError', `invalid machine key path ${group}/${machine}`);
  return `keys/${group}/${machine}/`;
}

/** Per store: in-flight work shared by concurrent callers (one owner id, one key per machine). */
const owners = new WeakMap<StateStore, Promise<string>>();
const ensuring = new WeakMap<StateStore, Map<string, Promise<MachineKey>>>();

/** The owner id of a store that has made machines; undefined when it never has (nothing is created). */
export async function readOwnerId(store: StateStore): Promise<string | undefined> {
  return (await store.get(NS, OWNER))?.toString('utf8').trim() || undefined;
}

/** This installation's owner id (tag value), created once per store (read-or-create in one `update`). */
export function ownerId(store: StateStore): Promise<string> {
  let pending = owners.get(store);
  if (!pending) {
    pending = store
      .update(NS, OWNER, (cur) => (cur && cur.toString('utf8').trim() ? undefined : `dl-${randomBytes(5).toString('hex')}\n`))
      .then((v) => (v?.toString('utf8') ?? '').trim());
    owners.set(store, pending);
    pending.catch(() => owners.delete(store));
  }
  return pending;
}

export async function readMachineKey(store: StateStore, group: string, machine: string): Promise<MachineKey | undefined> {
  const p = prefixOf(group, machine);
  const [privateKey, publicKey, clientToken] = await Promise.all(['id_ed25519', 'id_ed25519.pub', 'token'].map((f) => store.get(NS, p + f)));
  if (!privateKey || !publicKey || !clientToken) return undefined;
  return { privateKey: privateKey.toString('utf8'), publicKey: publicKey.toString('utf8').trim(), clientToken: clientToken.toString('utf8').trim() };
}

/**
 * The machine's key and token, generating and writing them first when this is a new machine. Concurrent callers
 * for one machine share one generation: two would mint two keys and race each other's writes.
 */
export function ensureMachineKey(store: StateStore, group: string, machine: string): Promise<MachineKey> {
  const p = prefixOf(group, machine);
  let inFlight = ensuring.get(store);
  if (!inFlight) ensuring.set(store, (inFlight = new Map()));
  let pending = inFlight.get(p);
  if (!pending) {
    const map = inFlight;
    pending = createMachineKey(store, group, machine).finally(() => map.delete(p));
    map.set(p, pending);
  }
  return pending;
}

async function createMachineKey(store: StateStore, group: string, machine: string): Promise<MachineKey> {
  const existing = await readMachineKey(store, group, machine);
  if (existing) return existing;
  const p = prefixOf(group, machine);
  const { default: ssh2 } = await import('ssh2');
  const pair = generateEd25519(ssh2, `driftless-${machine}`);
  const key = { privateKey: pair.private, publicKey: pair.public.trim(), clientToken: randomBytes(16).toString('hex') };
  await store.put(NS, `${p}id_ed25519`, key.privateKey, { secret: true });
  await store.put(NS, `${p}id_ed25519.pub`, `${key.publicKey}\n`);
  // The token last: readMachineKey sees a key only once all three parts are there.
  await store.put(NS, `${p}token`, `${key.clientToken}\n`, { secret: true });
  return key;
}

/** Forgets a deleted machine: the next machine of that name gets a new key and a new client token. */
export async function removeMachineKey(store: StateStore, group: string, machine: string): Promise<void> {
  const p = prefixOf(group, machine);
  for (const k of await store.list(NS, p)) await store.delete(NS, k);
}

/** Init attempts that timed out, kept beside the key so the retry policy survives restarts. */
export async function initTimeouts(store: StateStore, group: string, machine: string): Promise<number> {
  return Number((await store.get(NS, `${prefixOf(group, machine)}init-timeouts`))?.toString('utf8').trim()) || 0;
}

/** Sets the count of a machine that has a key; a machine forgotten meanwhile stays forgotten. */
export async function setInitTimeouts(store: StateStore, group: string, machine: string, n: number): Promise<void> {
  const p = prefixOf(group, machine);
  if (!(await store.get(NS, `${p}token`))) return;
  await store.put(NS, `${p}init-timeouts`, `${n}\n`);
}
