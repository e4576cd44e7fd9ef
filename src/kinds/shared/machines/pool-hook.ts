/**
 * The pools' machines drawn from a MachineTemplate (OpenDCP's expand with `vm_type_id`). A pool that declares
 * `machines.template` gets its hosts here: machines tagged with the pool, observed by those tags (a machine made
 * just before a crash is adopted, never made twice), provisioned within the template's quota and returned (stop,
 * then delete) once the shrink steps left them empty. `createVm`/`returnVm` keep the per-node form (a machine
 * named after the node). Wire it with `createPoolKind({ machines: createMachineHook() })`.
 */
import { StalledError } from '../../../errors.js';
import type { MachineHook, NodeRef, PoolMachine } from '../../pool/public.js';
import type { MachineTemplateSpec } from '../../machine-template/public.js';
import type { KindContext } from '../../types.js';
import { bringUp, createMachine, deleteMachine, ensureMachine, returnMachine } from './converge.js';
import { readMachineKey } from './key-store.js';
import { admitted, describeUsage } from './quota.js';
import { groupDir, machineTarget, observeGroup, type MachineGroup, type MachineObserved } from './observe.js';
import { providerFor } from './provider.js';

function groupOf(pool: string, name: string, ctx: KindContext): MachineGroup {
  const template = ctx.resources.get<MachineTemplateSpec>('MachineTemplate', name);
  if (!template) throw new StalledError('ReferenceInvalid', `pool ${pool}: MachineTemplate/${name} is not declared`);
  return { ref: { pool }, prefix: pool, count: 0, template };
}

function groupFor(node: NodeRef, params: Record<string, unknown>, ctx: KindContext): MachineGroup {
  const name = params.template ?? params.vm_type_id;
  if (typeof name !== 'string' || name === '') {
    throw new StalledError('ReferenceInvalid', `pool ${node.pool}: create_vm/return_vm needs a template parameter naming a MachineTemplate`);
  }
  return groupOf(node.pool, name, ctx);
}

async function toPoolMachine(m: MachineObserved, group: MachineGroup, ctx: KindContext): Promise<PoolMachine> {
  const base: PoolMachine = {
    name: m.name,
    state: m.state,
    ready: false,
    instance: { provider: group.template.spec.provider, id: m.id },
    ...(m.address ? { address: m.address } : {}),
    ...(m.error ? { error: m.error } : {}),
  };
  if (m.state !== 'ready' || !m.address) return base;
  const key = await readMachineKey(ctx.store, groupDir(group.ref), m.name);
  const driver = await providerFor(group.template, ctx);
  const inst = await driver.describe(m.id);
  if (!key || !inst) return base;
  return { ...base, ready: true, target: await machineTarget(inst, group.template, key.privateKey) };
}

async function observeMachines(group: MachineGroup, ctx: KindContext): Promise<PoolMachine[]> {
  const observed = await observeGroup(group, ctx);
  return Promise.all(observed.machines.map((m) => toPoolMachine(m, group, ctx)));
}

/** The machines hook for pools (see the file comment). */
export function createMachineHook(): MachineHook {
  return {
    async createVm(nodes, params, ctx) {
      for (const node of nodes) await ensureMachine(groupFor(node, params, ctx), node.name, ctx);
    },
    async returnVm(nodes, params, ctx) {
      for (const node of nodes) await returnMachine(groupFor(node, params, ctx), node.name, ctx);
    },
    observe: (pool, template, ctx) => observeMachines(groupOf(pool, template, ctx), ctx),
    async provision(pool, template, names, ctx) {
      const group = groupOf(pool, template, ctx);
      const observed = await observeGroup(group, ctx);
      const driver = await providerFor(group.template, ctx);
      const found = new Map(observed.machines.map((m) => [m.name, m]));
      const missing = names.filter((n) => !found.has(n));
      const allowed = admitted(observed.usage, missing.length);
      const refused = missing.slice(allowed);
      const create = missing.slice(0, allowed);
      ctx.logger.info({ pool, template, create, adopt: names.filter((n) => found.has(n)), refused }, 'pool machines provisioning');
      const work = [
        ...names.flatMap((n) => {
          const m = found.get(n);
          return m && m.state !== 'ready' ? [bringUp(driver, group, m.id, n, ctx)] : [];
        }),
        ...create.map((n) => createMachine(driver, group, observed.owner, n, ctx)),
      ];
      const failed = (await Promise.allSettled(work)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      const wanted = new Set(names);
      const ready = (await observeMachines(group, ctx)).filter((m) => wanted.has(m.name) && m.ready);
      return {
        ready,
        refused,
        ...(refused.length > 0
          ? { quotaMessage: `quota of MachineTemplate/${template} exhausted: ${describeUsage(observed.usage)}; ${refused.length} machine(s) not created (${refused.join(', ')}); raise quota.hours or set quota.allowOverdraft` }
          : {}),
      };
    },
    async release(pool, template, names, ctx) {
      const group = groupOf(pool, template, ctx);
      const observed = await observeGroup(group, ctx);
      const driver = await providerFor(group.template, ctx);
      const gone = observed.machines.filter((m) => names.includes(m.name));
      await Promise.all(gone.map((m) => deleteMachine(driver, group, m.id, m.name, m.createdAt, ctx)));
    },
  };
}
