/**
 * The providers a driftless process offers: `lab` (containers on the lab engine, started on first use) and
 * `aliyun` (ECS through pop-core). Wired once in the runtime; kinds reach them through Drivers.providers.
 */
import { ensureDockerEngine } from '../../lab/engine.js';
import { ensureHostImage } from '../../lab/host-image.js';
import { createLabProvider } from '../lab-provider/index.js';
import type { ProviderRegistry } from '../types.js';
import { createProviderRegistry } from './registry.js';
import { createAliyunProvider } from '../aliyun/index.js';

export function createDefaultProviders(opts: { persistentLabMachines?: boolean } = {}): ProviderRegistry {
  return createProviderRegistry({
    lab: () =>
      createLabProvider({
        persistent: opts.persistentLabMachines ?? true,
        engine: async () => {
          const engine = await ensureDockerEngine();
          const { default: Docker } = await import('dockerode'); // loaded only when a lab machine is asked for
          const docker = new Docker({ socketPath: engine.socketPath });
          return { docker, socketPath: engine.socketPath, image: process.env.DRIFTLESS_HOST_IMAGE ?? (await ensureHostImage(docker)) };
        },
      }),
    aliyun: (account) => createAliyunProvider(account),
  });
}
