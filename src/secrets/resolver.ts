/**
 * Resolves a config repo's secret references at the moment a value is needed, for one destination:
 * - `{ secret: NAME }`: the name must be in the operator's catalogue and the destination within its binding;
 * - `{ age }` / `{ sops }`: the operator must have given age identities (`age:`), and the destination must be within
 *   `age.allow` when the operator set one (see AgeSettings for why the default is the resource's own destination).
 * Refusals are StalledError (`SecretUnavailable`, `SecretNotAllowed`) naming the secret and the destination, never
 * the value, and happen before any value is read. Values are registered with the sanitiser.
 */
import { StalledError } from '../errors.js';
import type { SecretResolver } from '../kinds/types.js';
import { isNamedSecretRef, isSealedSecretRef, type SealedSecretRef, type SecretRef } from '../model/resource.js';
import type { SecretCatalogue } from './catalogue.js';
import { describeDestination, refusal, type SecretDestination } from './destination.js';
import { readOperatorSecret } from './operator.js';
import { describeSealed, openKeyring, openSealed } from './age/sealed.js';

export { expandHome } from './operator.js';

export interface SecretResolverOptions {
  /** The operator's catalogue; absent when no settings were found, which makes every name unknown. */
  catalogue?: SecretCatalogue;
  env?: NodeJS.ProcessEnv;
}

/** A resolver that can also open `{ sops }` files: those live in a checkout, which the caller names per revision. */
export interface RepoSecretResolver {
  resolve(ref: SecretRef, to: SecretDestination, repoDir?: string): Promise<string>;
}

export function createSecretResolver(options: SecretResolverOptions = {}): RepoSecretResolver {
  const env = options.env ?? process.env;
  const catalogue = options.catalogue;
  const sealed = async (ref: SealedSecretRef, to: SecretDestination, repoDir: string | undefined): Promise<string> => {
    const what = describeSealed(ref);
    const age = catalogue?.age;
    if (!age) {
      const where = catalogue ? `the operator settings (${catalogue.origin})` : 'any operator settings (none were found)';
      throw new StalledError('SecretUnavailable', `${what} cannot be opened: no age identities in ${where}; the operator adds age: { identities: ... }`);
    }
    const why = age.allow ? refusal(age.allow, to) : undefined;
    if (why) throw new StalledError('SecretNotAllowed', `${what} may not be sent to ${describeDestination(to)}: ${why.replace('its', 'age.allow')}`);
    if ('sops' in ref && !repoDir) throw new StalledError('SecretUnavailable', `${what}: no checkout to read the SOPS file from`);
    return openSealed(ref, await openKeyring(age, env), repoDir ?? '.');
  };
  return {
    async resolve(ref: SecretRef, to: SecretDestination, repoDir?: string): Promise<string> {
      if (isSealedSecretRef(ref)) return sealed(ref, to, repoDir);
      if (!isNamedSecretRef(ref)) throw new StalledError('SecretUnavailable', 'a secret reference must be { secret: NAME }, { age: ... } or { sops: { file, key } }');
      const name = ref.secret;
      const entry = catalogue?.entries.get(name);
      if (!entry) {
        const where = catalogue ? `the operator settings (${catalogue.origin})` : 'any operator settings (none were found: --config, $DRIFTLESS_CONFIG or <state dir>/config.yaml)';
        throw new StalledError('SecretUnavailable', `secret ${name} is not declared in ${where}`);
      }
      const why = refusal(entry.allow, to);
      if (why) throw new StalledError('SecretNotAllowed', `secret ${name} may not be sent to ${describeDestination(to)}: ${why}`);
      return readOperatorSecret(entry.ref, { env });
    },
  };
}

/** The resolver a kind sees during one plan or apply: `{ sops }` files are read from that revision's checkout. */
export function forCheckout(resolver: RepoSecretResolver, repoDir: string): SecretResolver {
  return { resolve: (ref, to) => resolver.resolve(ref, to, repoDir) };
}
