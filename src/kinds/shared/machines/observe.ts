/**
 * Observes a group of machines (a MachineSet's or a pool's) where they are: the provider's list by tags, then one
 * SSH round trip per running machine for the same facts a declared Host reports. The state of each machine is
 * told in the seed's words (creating, created, uninitialized, initializing, init timeout) plus ready / deleting /
 * failed.
 */
import type { ProviderDriver, ProviderInstance, SshTarget } from '../../../drivers/types.js';
import { describe, TransientError } from '../../../errors.js';
import type { Resource } from '../../../model/resource.js';
import { type Facts, FACTS_COMMAND, parseFacts, planSteps } from '../../host/public.js';
import type { MachineTemplateSpec } from '../../machine-template/public.js';
import type { KindContext } from '../../types.js';
import { TAG, groupTags, type MachineOwnerRef } from './tags.js';
import { sshAddress } from './lifecycle.js';
import { initTimeouts, ownerId, readMachineKey } from './key-store.js';
import { quotaUsage, readLedger, type QuotaUsage } from './quota.js';
import { providerFor } from './provider.js';

export type MachineState = 'creating' | 'created' | 'uninitialized' | 'initializing' | 'init timeout' | 'ready' | 'deleting' | 'failed';

export interface MachineObserved {
  name: string;
  id: string;
  ordinal: number;
  state: MachineState;
  providerState: string;
  createdAt: string;
  address?: string;
  port?: number;
  facts?: Omit<Facts, 'initDone'>;
  initDone: string[];
  initTimeouts: number;
  error?: string;
}

export interface GroupObserved {
  template: string;
  owner: string;
  group: string;
  machines: MachineObserved[];
  /** Digests of the template's init steps, in order (copied so health stays pure). */
  initWanted: string[];
  count: number;
  usage: QuotaUsage;
}

export interface MachineGroup {
  ref: MachineOwnerRef;
  /** Machine names are `<prefix>-<ordinal>`. */
  prefix: string;
  count: number;
  template: Resource<MachineTemplateSpec>;
}

/** Key-store folder of a group: `set-<name>` or `pool-<name>`. */
export function groupDir(ref: MachineOwnerRef): string {
  return 'set' in ref ? `set-${ref.set}` : `pool-${ref.pool}`;
}

export function ordinalOf(prefix: string, name: string): number {
  const m = name.startsWith(`${prefix}-`) ? /^\d+$/.exec(name.slice(prefix.length + 1)) : null;
  return m ? Number(m[0]) : -1;
}

export async function machineTarget(
  inst: ProviderInstance,
  template: Resource<MachineTemplateSpec>,
  privateKey: string,
): Promise<SshTarget> {
  const { host, port } = sshAddress(inst, template.spec.ssh?.address);
  return {
    id: `Machine/${inst.tags[TAG.machine] ?? inst.name}`,
    host,
    port,
    username: template.spec.ssh?.user ?? 'root',
    privateKey,
    // Addresses are recycled by clouds: pin the key by the instance, not by [host]:port.
    hostKeyId: `${template.spec.provider}:${inst.id}`,
  };
}

export async function observeGroup(group: MachineGroup, ctx: KindContext): Promise<GroupObserved> {
  const owner = await ownerId(ctx.store);
  const driver = await providerFor(group.template, ctx);
  const tplName = group.template.metadata.name;
  const [instances, forTemplate, closed] = await Promise.all([
    driver.list(groupTags(owner, group.ref)),
    driver.list({ [TAG.owner]: owner, [TAG.template]: tplName }),
    readLedger(ctx.store, tplName),
  ]);
  const initWanted = planSteps(group.template.spec.init).map((s) => s.digest);
  const machines = await Promise.all(instances.map((i) => observeMachine(i, group, initWanted, ctx)));
  return {
    template: tplName,
    owner,
    group: groupDir(group.ref),
    machines: machines.sort((a, b) => a.ordinal - b.ordinal || (a.createdAt < b.createdAt ? -1 : 1)),
    initWanted,
    count: group.count,
    usage: quotaUsage({
      closed,
      live: forTemplate,
      quotaHours: group.template.spec.quota.hours,
      allowOverdraft: group.template.spec.quota.allowOverdraft ?? false,
      nowMs: Date.now(),
    }),
  };
}

async function observeMachine(inst: ProviderInstance, group: MachineGroup, initWanted: string[], ctx: KindContext): Promise<MachineObserved> {
  const name = inst.tags[TAG.machine] ?? inst.name;
  const dir = groupDir(group.ref);
  const base: MachineObserved = {
    name,
    id: inst.id,
    ordinal: ordinalOf(group.prefix, name),
    state: 'failed',
    providerState: inst.rawState,
    createdAt: inst.createdAt,
    initDone: [],
    initTimeouts: await initTimeouts(ctx.store, dir, name).catch(() => 0),
  };
  if (inst.state === 'pending') return { ...base, state: 'creating' };
  if (inst.state === 'stopped' || inst.state === 'starting') return { ...base, state: 'created' };
  if (inst.state === 'stopping') return { ...base, state: 'deleting' };
  if (inst.state !== 'running') return { ...base, error: `provider reports ${inst.rawState}` };
  const key = await readMachineKey(ctx.store, dir, name).catch(() => undefined);
  if (!key) return { ...base, error: 'no private key for this machine in the local key store' };
  try {
    const target = await machineTarget(inst, group.template, key.privateKey);
    const withAddr = { ...base, address: target.host, port: target.port };
    try {
      const r = await ctx.drivers.ssh.exec(target, FACTS_COMMAND, { timeoutMs: 20_000, signal: ctx.signal });
      if (r.code !== 0) return { ...withAddr, state: 'uninitialized', error: `facts command exited ${r.code}` };
      const { initDone, ...facts } = parseFacts(r.stdout);
      return { ...withAddr, facts, initDone, state: initState(initWanted, initDone, base.initTimeouts) };
    } catch (err) {
      if (err instanceof TransientError) return { ...withAddr, state: 'uninitialized', error: err.message };
      throw err;
    }
  } catch (err) {
    return { ...base, error: describe(err) };
  }
}

export function initState(wanted: string[], done: string[], timeouts: number): MachineState {
  const set = new Set(done);
  const missing = wanted.filter((d) => !set.has(d)).length;
  if (missing === 0) return 'ready';
  if (timeouts > 0) return 'init timeout';
  return missing === wanted.length ? 'uninitialized' : 'initializing';
}

export type { ProviderDriver };
