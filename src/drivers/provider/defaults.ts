/**
 * The providers a driftless process offers: `lab` (containers on the lab engine) when the composition root hands
 * in the engine, and `aliyun` (ECS through pop-core). Wired once (src/main.ts); kinds reach them through
 * Drivers.providers. The lab engine is injected so that production drivers do not depend on src/lab/.
 */
import { createLabProvider, type LabEngine } from '../lab-provider/index.js';
import type { ProviderRegistry } from '../types.js';
import { createProviderRegistry } from './registry.js';
import { createAliyunProvider } from '../aliyun/index.js';

/** Where lab machines run: an engine and the image lab hosts are made from. */
export type LabEngineFactory = () => Promise<LabEngine>;

export function createDefaultProviders(opts: { persistentLabMachines?: boolean; labEngine?: LabEngineFactory } = {}): ProviderRegistry {
  const labEngine = opts.labEngine;
  return createProviderRegistry({
    ...(labEngine ? { lab: () => createLabProvider({ persistent: opts.persistentLabMachines ?? true, engine: labEngine }) } : {}),
    aliyun: (account) => createAliyunProvider(account),
  });
}
