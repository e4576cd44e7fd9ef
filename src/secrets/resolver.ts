/**
 * Resolves a config repo's secret references (`{ secret: NAME }`) at the moment a value is needed, for one
 * destination: the name must be in the operator's catalogue and the destination within the secret's binding, else
 * StalledError (`SecretUnavailable`, `SecretNotAllowed`) naming the secret and the destination, never the value.
 * Values are read only after the check, and registered with the sanitiser.
 */
import { StalledError } from '../errors.js';
import type { SecretResolver } from '../kinds/types.js';
import { isSecretRef, type SecretRef } from '../model/resource.js';
import type { SecretCatalogue } from './catalogue.js';
import { describeDestination, refusal, type SecretDestination } from './destination.js';
import { readOperatorSecret } from './operator.js';

export { expandHome } from './operator.js';

export interface SecretResolverOptions {
  /** The operator's catalogue; absent when no settings were found, which makes every name unknown. */
  catalogue?: SecretCatalogue;
  env?: NodeJS.ProcessEnv;
}

export function createSecretResolver(options: SecretResolverOptions = {}): SecretResolver {
  const env = options.env ?? process.env;
  const catalogue = options.catalogue;
  return {
    async resolve(ref: SecretRef, to: SecretDestination): Promise<string> {
      if (!isSecretRef(ref)) throw new StalledError('SecretUnavailable', 'a secret reference must be { secret: NAME }');
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
