/**
 * The pools' `create_vm` / `return_vm` steps drawing from a MachineTemplate (OpenDCP's expand with `vm_type_id`):
 * the step names the template in its params (`template`, or OpenDCP's `vm_type_id`), and each node gets a machine
 * of the same name tagged with the pool, created idempotently within the template's quota and returned (stop,
 * then delete) on shrink. Wire it with `createPoolKind({ machines: createMachineHook() })`.
 */
import { StalledError } from '../../../errors.js';
import type { MachineHook, NodeRef } from '../../pool/hooks.js';
import type { MachineTemplateSpec } from '../../machine-template/spec.js';
import type { KindContext } from '../../types.js';
import { ensureMachine, returnMachine } from './converge.js';
import type { MachineGroup } from './observe.js';

function groupFor(node: NodeRef, params: Record<string, unknown>, ctx: KindContext): MachineGroup {
  const name = params.template ?? params.vm_type_id;
  if (typeof name !== 'string' || name === '') {
    throw new StalledError('ReferenceInvalid', `pool ${node.pool}: create_vm/return_vm needs a template parameter naming a MachineTemplate`);
  }
  const template = ctx.resources.get<MachineTemplateSpec>('MachineTemplate', name);
  if (!template) throw new StalledError('ReferenceInvalid', `pool ${node.pool}: MachineTemplate/${name} is not declared`);
  return { ref: { pool: node.pool }, prefix: node.pool, count: 0, template };
}

export function createMachineHook(): MachineHook {
  return {
    async createVm(nodes, params, ctx) {
      for (const node of nodes) await ensureMachine(groupFor(node, params, ctx), node.name, ctx);
    },
    async returnVm(nodes, params, ctx) {
      for (const node of nodes) await returnMachine(groupFor(node, params, ctx), node.name, ctx);
    },
  };
}
