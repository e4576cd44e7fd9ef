/** The MachineTemplate spec as schemas/machine-template.schema.json defines it (defaults filled by the loader). */
import type { ProviderMachineSpec } from '../../drivers/types.js';
import type { SecretRef } from '../../model/resource.js';
import type { InitStep } from '../host/public.js';
import type { QuotaUsage } from '../shared/machines/quota.js';

export interface MachineTemplateSpec extends ProviderMachineSpec {
  provider: 'aliyun' | 'lab';
  description?: string;
  account?: { accessKeyId: SecretRef; accessKeySecret: SecretRef; endpoint?: string };
  quota: { hours: number; allowOverdraft?: boolean };
  ssh?: { user?: string; address?: 'private' | 'public' };
  init?: InitStep[];
  initTimeoutSeconds?: number;
  initRetries?: number;
  waitTimeoutSeconds?: number;
}

/** A machine tagged as ours and made from this template whose set or pool is no longer declared. */
export interface OrphanMachine {
  id: string;
  name: string;
  owner: string;
}

export interface MachineTemplateObserved {
  /** Digest of the template as last applied (from the inventory), undefined before the first apply. */
  appliedDigest?: string;
  appliedSpec?: unknown;
  usage: QuotaUsage;
  orphans: OrphanMachine[];
  /** Set when the provider could not be asked (usage then counts only the ledger). */
  error?: string;
}
