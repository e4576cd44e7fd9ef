/**
 * Where a pool's nodes may run, found the same way for every kind of host: declared Hosts and MachineSet machines
 * through resolveHosts (names or selector), plus the machines the pool made for itself from its template, found
 * by the pool's tags so a machine created just before a crash is adopted. A machine not ready yet counts as an
 * empty host (its nodes cannot exist before it is initialised); one that cannot be read blocks growth.
 */
import { StalledError } from '../../errors.js';
import type { SshTarget } from '../../drivers/types.js';
import type { Resource } from '../../model/resource.js';
import { resolveHosts } from '../shared/hosts.js';
import type { KindContext, ResourceIndex } from '../types.js';
import type { PoolHooks, PoolMachine } from './hooks.js';
import { resolveFlows } from './resolve.js';
import type { PoolSpec } from './spec.js';

/** A host a pool may use: its SSH target when it can be reached now, and whether it is one of the pool's machines. */
export interface PoolHost {
  name: string;
  address: string;
  target?: SshTarget;
  machine: boolean;
  /** A machine's provider instance (see PoolMachine.instance). */
  instance?: { provider: string; id: string };
  /** A machine that is being made or initialised: no nodes yet, brought to ready before a node starts on it. */
  pending?: boolean;
  error?: string;
}

/** What a pool's hosts are this run. */
export interface PoolHosts {
  /** Declared hosts matching the spec, then the pool's usable machines; sorted by name. */
  eligible: PoolHost[];
  /** Declared hosts the last applied spec used and this one does not (so their nodes are shrunk). */
  former: PoolHost[];
  /** The pool's machines that cannot be read (they may carry nodes: nothing grows while they do). */
  unreadable: PoolHost[];
  machines?: PoolMachine[];
  template?: string;
}

const PENDING = new Set(['creating', 'created', 'uninitialized', 'initializing', 'init timeout']);

/** The MachineTemplate a pool draws machines from: `machines.template`, else its expand create_vm step's params. */
export function machineTemplateOf(spec: PoolSpec, index: ResourceIndex): string | undefined {
  if (spec.machines) return spec.machines.template;
  const step = resolveFlows(spec, index).flows.expand.find((s) => s.builtin === 'create_vm');
  const name = step?.params.template ?? step?.params.vm_type_id;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

async function declared(spec: PoolSpec | undefined, ctx: KindContext): Promise<PoolHost[]> {
  if (!spec?.hosts) return [];
  const found = await resolveHosts(spec.hosts, ctx);
  return found.map((h) => ({ name: h.name, address: h.address, target: h.target, machine: false }));
}

/** The pool's hosts (see the file comment); `requireHook` makes a missing machines hook an error (apply). */
export async function poolHosts(res: Resource<PoolSpec>, ctx: KindContext, hooks: PoolHooks, requireHook = false): Promise<PoolHosts> {
  const previous = ctx.inventory.get(`Pool/${res.metadata.name}`)?.resource as Resource<PoolSpec> | undefined;
  const [now, before] = await Promise.all([declared(res.spec, ctx), declared(previous?.spec, ctx)]);
  const names = new Set(now.map((h) => h.name));
  const former = before.filter((h) => !names.has(h.name));
  const template = machineTemplateOf(res.spec, ctx.resources);
  if (!template) return { eligible: now, former, unreadable: [] };
  if (!hooks.machines) {
    if (requireHook) throw new StalledError('ReferenceInvalid', `pool ${res.metadata.name}: machine templates are not wired in this process`);
    return { eligible: now, former, unreadable: [], template };
  }
  const machines = await hooks.machines.observe(res.metadata.name, template, ctx);
  const asHost = (m: PoolMachine): PoolHost => ({
    name: m.name,
    address: m.address ?? '',
    machine: true,
    ...(m.target ? { target: m.target } : {}),
    ...(m.instance ? { instance: m.instance } : {}),
    ...(PENDING.has(m.state) ? { pending: true } : {}),
    ...(m.error ? { error: m.error } : {}),
  });
  const usable = machines.filter((m) => m.ready || PENDING.has(m.state)).map(asHost);
  const unreadable = machines.filter((m) => !m.ready && !PENDING.has(m.state) && m.state !== 'deleting').map(asHost);
  const eligible = [...now, ...usable.filter((m) => !names.has(m.name))].sort((a, b) => (a.name < b.name ? -1 : 1));
  return { eligible, former, unreadable, machines, template };
}
