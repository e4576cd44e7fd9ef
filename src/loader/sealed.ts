/**
 * Load-time check of the values a repo carries encrypted (`{ age }`, `{ sops }`): each must open with the operator's
 * age identities, or the revision is refused with a problem at the reference's line naming who it was encrypted for
 * (a SOPS file lists its recipients; an inline age value only its recipient types). Nothing is applied from a
 * revision whose secrets cannot be read, instead of failing half-way through an apply. Only run when the operator's
 * settings are known (as for `{ secret: NAME }`); otherwise an unopenable value is Stalled when it is needed.
 */
import type { SealedSecretRef } from '../model/resource.js';
import type { AgeKeyring } from '../secrets/age/keyring.js';
import { openKeyring, openSealed } from '../secrets/age/sealed.js';
import type { SecretCatalogue } from '../secrets/catalogue.js';
import type { DocLocation, PendingProblem } from './refs.js';

export interface SealedUse {
  doc: DocLocation;
  pointer: string;
  ref: SealedSecretRef;
}

/** One problem per reference that cannot be opened; values that open are registered for redaction on the way. */
export async function checkSealed(uses: readonly SealedUse[], catalogue: SecretCatalogue, dir: string, env?: NodeJS.ProcessEnv): Promise<PendingProblem[]> {
  if (uses.length === 0) return [];
  const field = (u: SealedUse) => `${u.pointer.split('/').slice(1).join('.')}.${'age' in u.ref ? 'age' : 'sops'}`;
  const at = (u: SealedUse, message: string): PendingProblem => ({ doc: u.doc, pointer: `${u.pointer}/${'age' in u.ref ? 'age' : 'sops'}`, message: `${field(u)}: ${message}` });
  if (!catalogue.age) {
    return uses.map((u) => at(u, `an encrypted value, but the operator settings (${catalogue.origin}) give no age identities to open it; the operator adds age: { identities: ... }`));
  }
  let keyring: AgeKeyring;
  try {
    keyring = await openKeyring(catalogue.age, env);
  } catch (err) {
    return uses.map((u) => at(u, `the operator's age identities cannot be read: ${(err as Error).message}`));
  }
  const problems: PendingProblem[] = [];
  const seen = new Map<string, string | undefined>();
  for (const u of uses) {
    const id = 'age' in u.ref ? u.ref.age : `${u.ref.sops.file}#${u.ref.sops.key}`;
    if (!seen.has(id)) {
      try {
        await openSealed(u.ref, keyring, dir);
        seen.set(id, undefined);
      } catch (err) {
        seen.set(id, (err as Error).message);
      }
    }
    const failure = seen.get(id);
    if (failure) problems.push(at(u, `${failure}; nothing is applied (re-encrypt with driftless secret rotate, or ask the operator)`));
  }
  return problems;
}
