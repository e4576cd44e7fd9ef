/** Turns a Host resource into an SSH target; other kinds (pools, nginx, CF) reach hosts through this too. */
import type { SshTarget } from '../../drivers/types.js';
import type { Resource } from '../../model/resource.js';
import type { SecretResolver } from '../types.js';
import type { HostSpec } from '../host/public.js';

export async function hostTarget(res: Resource<HostSpec>, secrets: SecretResolver): Promise<SshTarget> {
  return {
    id: `Host/${res.metadata.name}`,
    host: res.spec.address,
    port: res.spec.port ?? 22,
    username: res.spec.user ?? 'root',
    privateKey: await secrets.resolve(res.spec.privateKey, { ssh: res.spec.address }),
  };
}
