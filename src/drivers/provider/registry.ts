/**
 * The provider registry handed to kinds (the seed's RegisterProviderDriver): one factory per provider name, one
 * driver per account and region, created on first use and reused for the life of the process.
 */
import { StalledError } from '../../errors.js';
import type { ProviderAccount, ProviderDriver, ProviderRegistry } from '../types.js';

export type ProviderFactory = (account: ProviderAccount) => ProviderDriver;

export function createProviderRegistry(factories: Record<string, ProviderFactory>): ProviderRegistry {
  const cache = new Map<string, ProviderDriver>();
  return {
    get(account) {
      const factory = factories[account.provider];
      if (!factory) throw new StalledError('ReferenceInvalid', `no machine provider named ${account.provider} is available`);
      const key = JSON.stringify([account.provider, account.region, account.endpoint, account.accessKeyId]);
      let driver = cache.get(key);
      if (!driver) {
        driver = factory(account);
        cache.set(key, driver);
      }
      return driver;
    },
  };
}
