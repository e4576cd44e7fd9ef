/**
 * Kind `MachineSet` (OpenDCP 创建机器, as a declaration): `count` machines from a MachineTemplate, kept at that
 * count. A ready machine is a host like a declared Host (same facts, same SSH driver); see shared/hosts.ts.
 * Removing a set from Git deletes its machines only when prune allows it AND the set carried the explicit mark
 * `driftless.dev/prune: "true"` — machines cost money and hold data.
 */
import { StalledError } from '../../errors.js';
import { PRUNE_ANNOTATION, type InventoryEntry } from '../../model/inventory.js';
import type { Problem } from '../../model/plan.js';
import type { Resource, ResourceRef } from '../../model/resource.js';
import { digestOf } from '../../util/digest.js';
import type { MachineTemplateSpec } from '../machine-template/public.js';
import { convergeGroup } from '../shared/machines/converge.js';
import { countByState, quotaDetails, quotaLine, statesLine } from '../shared/machines/details.js';
import { observeGroup, type MachineGroup } from '../shared/machines/observe.js';
import { problemAt } from '../shared/problem.js';
import type { KindContext, KindModule, ResourceIndex } from '../types.js';
import { diffMachineSet, machineSetHealth } from './diff.js';
import type { MachineSetObserved, MachineSetSpec } from './spec.js';

function dependencies(res: Resource<MachineSetSpec>): ResourceRef[] {
  const refs: ResourceRef[] = [{ kind: 'MachineTemplate', name: res.spec.template, path: '/spec/template' }];
  if (res.spec.cluster) refs.push({ kind: 'Cluster', name: res.spec.cluster, path: '/spec/cluster' });
  return refs;
}

function validate(res: Resource<MachineSetSpec>, all: ResourceIndex): Problem[] {
  const clash = all.list('Host').find((h) => h.metadata.name.startsWith(`${res.metadata.name}-`) && /-\d+$/.test(h.metadata.name));
  return clash ? [problemAt(res, `machine names ${res.metadata.name}-<n> would clash with Host/${clash.metadata.name}`)] : [];
}

/** The group a set manages; the template comes from the revision, or from the inventory when pruning. */
export function setGroup(res: Resource<MachineSetSpec>, ctx: KindContext, count = res.spec.count): MachineGroup {
  const template =
    ctx.resources.get<MachineTemplateSpec>('MachineTemplate', res.spec.template) ??
    (ctx.inventory.get(`MachineTemplate/${res.spec.template}`)?.resource as Resource<MachineTemplateSpec> | undefined);
  if (!template) throw new StalledError('ReferenceInvalid', `MachineSet/${res.metadata.name}: MachineTemplate/${res.spec.template} is not known`);
  return { ref: { set: res.metadata.name }, prefix: res.metadata.name, count, template };
}

async function remove(entry: InventoryEntry, ctx: KindContext): Promise<void> {
  const res = entry.resource as Resource<MachineSetSpec>;
  if (res.metadata.annotations?.[PRUNE_ANNOTATION] !== 'true') {
    throw new StalledError('PruneDisabled', `MachineSet/${res.metadata.name}: machines are deleted only when the set was marked ${PRUNE_ANNOTATION}: "true"`);
  }
  await convergeGroup(setGroup(res, ctx, 0), ctx);
}

export const machineSetKind: KindModule<MachineSetSpec, MachineSetObserved> = {
  kind: 'MachineSet',
  schemaId: 'https://driftless.dev/schemas/machine-set.schema.json',
  order: 8,
  dependencies,
  validate,
  observe: (res, ctx) => observeGroup(setGroup(res, ctx), ctx),
  diff: diffMachineSet,
  async apply(task, ctx) {
    await convergeGroup(setGroup(task.desired, ctx), ctx);
  },
  remove,
  health: machineSetHealth,
  statusDetails: (o) => {
    const machines = countByState(o.machines);
    const states = statesLine(machines);
    return {
      summary: `${quotaLine(o.usage)}, ${o.machines.length}/${o.count} machine(s)${states ? `: ${states}` : ''}`,
      template: o.template,
      count: o.count,
      machines,
      quota: quotaDetails(o.usage),
    };
  },
  observedDigest: (o) => (o ? digestOf(o.machines.map((m) => ({ name: m.name, id: m.id, state: m.state, init: m.initDone }))) : undefined),
};

export type { MachineSetSpec, MachineSetObserved } from './spec.js';
