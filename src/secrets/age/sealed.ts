/**
 * Encrypted values a config repo carries: `{ age: ARMOR }` inline, or `{ sops: { file, key } }` naming a SOPS file
 * of the repo. Opened in memory with the operator's age identities; every value opened is registered with the
 * sanitiser before anyone sees it, so it is masked in logs, plans, status, HTTP answers and in the output of remote
 * commands that echo it, exactly like an operator secret.
 */
import { readFileSync, statSync } from 'node:fs';
import { StalledError } from '../../errors.js';
import type { OperatorSecretRef, SealedSecretRef } from '../../model/resource.js';
import { resolveInside } from '../../util/confine.js';
import { registerSecret } from '../../util/sanitize.js';
import { readOperatorSecret } from '../operator.js';
import type { SecretBinding } from '../destination.js';
import { createKeyring, parseIdentities, type AgeKeyring } from './keyring.js';
import { openSops, parseSops, valueAt } from './sops.js';

/** The operator's `age:` settings: where the identities live and, optionally, where opened values may go. */
export interface AgeSettings {
  identities: OperatorSecretRef;
  /**
   * Destinations for values encrypted in the repo. Absent: a value may go to the destination of the resource that
   * holds it (the Host's address, the registry the resource pushes to, its Git URL), and nowhere else, because the
   * resolver is only ever asked for that destination. That is the same trust the operator gives the repo's authors
   * for commands on their hosts; but anyone who can push can also COPY a ciphertext into a resource of their own,
   * pointing at a host they control, and encryption does not tell who wrote the resource. An operator who shares
   * one set of recipients between teams, or whose values must only reach known machines, sets `allow`: then every
   * repo-encrypted value is held to it, as an operator secret is to its binding.
   */
  allow?: SecretBinding;
}

/** Largest SOPS file read (the loader's own per-file cap). */
const MAX_SOPS_BYTES = 1024 * 1024;

/** Reads the identities the settings name and builds a keyring. */
export async function openKeyring(age: AgeSettings, env?: NodeJS.ProcessEnv): Promise<AgeKeyring> {
  const text = await readOperatorSecret(age.identities, env ? { env } : {});
  const origin = 'env' in age.identities ? `in $${age.identities.env}` : `in ${age.identities.file}`;
  return createKeyring(parseIdentities(text, origin));
}

/** Opens one sealed value; `repoDir` is the checkout a `{ sops }` file is read from (confined, no symlinks out). */
export async function openSealed(ref: SealedSecretRef, keyring: AgeKeyring, repoDir: string): Promise<string> {
  if ('age' in ref) {
    const value = Buffer.from(await keyring.decrypt(ref.age)).toString('utf8');
    registerSecret(value);
    return value;
  }
  const { file, key } = ref.sops;
  const path = resolveInside(repoDir, file, 'file', 'sops file');
  const size = statSync(path).size;
  if (size > MAX_SOPS_BYTES) throw new StalledError('SecretUnavailable', `${file}: ${size} bytes, more than the ${MAX_SOPS_BYTES} a SOPS file may have`);
  const opened = await openSops(parseSops(readFileSync(path, 'utf8'), file), keyring, file);
  const value = valueAt(opened.tree, key, file);
  registerSecret(value);
  return value;
}

/** How a sealed reference is named in messages, never quoting ciphertext. */
export function describeSealed(ref: SealedSecretRef): string {
  return 'age' in ref ? 'an age-encrypted value' : `${ref.sops.file}#${ref.sops.key}`;
}
