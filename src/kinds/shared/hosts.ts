/**
 * One way for any kind to find "hosts": declared Hosts and the running machines of declared MachineSets, each as
 * an SSH target with its labels. A machine is reached exactly like a Host (same SSH driver, its own key from the
 * local key store), so pools, nginx units and CF components can use either.
 */
import type { SshTarget } from '../../drivers/types.js';
import { groupTags, TAG } from './machines/tags.js';
import type { Resource } from '../../model/resource.js';
import { hostTarget } from './host-target.js';
import type { HostSpec } from '../host/public.js';
import type { MachineSetSpec } from '../machine-set/public.js';
import type { MachineTemplateSpec } from '../machine-template/public.js';
import type { KindContext } from '../types.js';
import { ownerId, readMachineKey } from './machines/key-store.js';
import { groupDir, machineTarget } from './machines/observe.js';
import { providerFor } from './machines/provider.js';

export interface ResolvedHost {
  name: string;
  source: 'Host' | 'MachineSet';
  /** `Host/<name>` or `MachineSet/<set>`. */
  owner: string;
  address: string;
  labels: Record<string, string>;
  target: SshTarget;
}

export interface HostQuery {
  names?: string[];
  selector?: Record<string, string>;
}

function matches(q: HostQuery, name: string, labels: Record<string, string>): boolean {
  if (q.names) return q.names.includes(name);
  return Object.entries(q.selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** Hosts and running machines matching the query, sorted by name. Machines without a local key are skipped. */
export async function resolveHosts(q: HostQuery, ctx: KindContext): Promise<ResolvedHost[]> {
  const out: ResolvedHost[] = [];
  for (const h of ctx.resources.list<HostSpec>('Host')) {
    const labels = h.metadata.labels ?? {};
    if (!matches(q, h.metadata.name, labels)) continue;
    out.push({ name: h.metadata.name, source: 'Host', owner: `Host/${h.metadata.name}`, address: h.spec.address, labels, target: await hostTarget(h, ctx.secrets) });
  }
  for (const set of ctx.resources.list<MachineSetSpec>('MachineSet')) out.push(...(await machinesOf(set, q, ctx)));
  return out.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}

async function machinesOf(set: Resource<MachineSetSpec>, q: HostQuery, ctx: KindContext): Promise<ResolvedHost[]> {
  const template = ctx.resources.get<MachineTemplateSpec>('MachineTemplate', set.spec.template);
  if (!template) return [];
  const labels = { ...(set.spec.hostLabels ?? {}), 'driftless.dev/machine-set': set.metadata.name };
  const ref = { set: set.metadata.name };
  const driver = await providerFor(template, ctx);
  const instances = await driver.list(groupTags(await ownerId(ctx.store), ref));
  const out: ResolvedHost[] = [];
  for (const inst of instances) {
    const name = inst.tags[TAG.machine] ?? inst.name;
    if (inst.state !== 'running' || !matches(q, name, labels)) continue;
    const key = await readMachineKey(ctx.store, groupDir(ref), name);
    if (!key) continue;
    const target = await machineTarget(inst, template, key.privateKey);
    out.push({ name, source: 'MachineSet', owner: `MachineSet/${set.metadata.name}`, address: target.host, labels, target });
  }
  return out;
}
