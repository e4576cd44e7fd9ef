/** From a MachineTemplate to the provider driver that makes its machines, credentials resolved just before use. */
import { StalledError } from '../../../errors.js';
import { DEFAULT_ECS_ENDPOINT, type ProviderDriver } from '../../../drivers/types.js';
import type { Resource } from '../../../model/resource.js';
import type { MachineTemplateSpec } from '../../machine-template/public.js';
import type { KindContext } from '../../types.js';

export async function providerFor(template: Resource<MachineTemplateSpec>, ctx: KindContext): Promise<ProviderDriver> {
  const registry = ctx.drivers.providers;
  if (!registry) throw new StalledError('ReferenceInvalid', 'no machine providers are wired in this process');
  const spec = template.spec;
  const account = spec.account;
  // The key goes where the API calls go: the account's endpoint (the lab provider takes no account).
  const to = { url: account?.endpoint ?? DEFAULT_ECS_ENDPOINT };
  return registry.get({
    provider: spec.provider,
    ...(spec.region ? { region: spec.region } : {}),
    ...(account
      ? {
          accessKeyId: await ctx.secrets.resolve(account.accessKeyId, to),
          accessKeySecret: await ctx.secrets.resolve(account.accessKeySecret, to),
          ...(account.endpoint ? { endpoint: account.endpoint } : {}),
        }
      : {}),
  });
}

export function waitOptions(spec: MachineTemplateSpec, signal: AbortSignal): { timeoutMs: number; intervalMs: number; signal: AbortSignal } {
  return { timeoutMs: (spec.waitTimeoutSeconds ?? 600) * 1000, intervalMs: 500, signal };
}
