/**
 * Kind `MachineTemplate` (OpenDCP 机型模板): how machines are made (provider, region, network, type, image,
 * disks), how they are initialised, and the machine-hours they may consume. Applying it only records it; its
 * observed state is the quota usage and the orphans, so `plan --json` shows both before anything is created.
 */
import type { HealthReport } from '../../model/health.js';
import type { Resource } from '../../model/resource.js';
import { digestOf } from '../../util/digest.js';
import { diffDeclaration } from '../shared/declaration.js';
import { quotaDetails, quotaLine } from '../shared/machines/details.js';
import { describeUsage } from '../shared/machines/quota.js';
import type { KindModule } from '../types.js';
import { observeTemplate } from './observe.js';
import type { MachineTemplateObserved, MachineTemplateSpec } from './spec.js';
import { validateTemplate } from './validate.js';

export function templateHealth(o: MachineTemplateObserved | undefined): HealthReport {
  if (!o) return { status: 'Missing', message: 'not observed' };
  if (!o.appliedDigest) return { status: 'Missing', message: 'not applied yet' };
  const orphans = o.orphans.length > 0 ? `; ${o.orphans.length} orphan machine(s): ${o.orphans.map((m) => `${m.name} (${m.owner})`).join(', ')}` : '';
  const error = o.error ? `; provider not answering: ${o.error}` : '';
  return { status: 'Healthy', message: `${describeUsage(o.usage)}${orphans}${error}` };
}

export const machineTemplateKind: KindModule<MachineTemplateSpec, MachineTemplateObserved> = {
  kind: 'MachineTemplate',
  schemaId: 'https://driftless.dev/schemas/machine-template.schema.json',
  order: 5,
  dependencies: () => [],
  validate: (res, _all) => validateTemplate(res),
  observe: observeTemplate,
  diff: (desired: Resource<MachineTemplateSpec>, o) =>
    diffDeclaration(desired as Resource, o?.appliedDigest ? { spec: o.appliedSpec, digest: o.appliedDigest } : undefined),
  async apply() {
    // Recording it in the inventory is the whole effect; machines are made by sets and pools.
  },
  async remove() {
    // Nothing outside driftless; machines made from it belong to their sets and pools.
  },
  health: templateHealth,
  statusDetails: (o) => ({
    summary: `${quotaLine(o.usage)}, ${o.usage.liveMachines} live${o.orphans.length > 0 ? `, ${o.orphans.length} orphan(s)` : ''}${o.error ? ', provider not answering' : ''}`,
    ...quotaDetails(o.usage),
    orphans: o.orphans.map((m) => ({ name: m.name, owner: m.owner })),
    ...(o.error ? { error: o.error.slice(0, 200) } : {}),
  }),
  observedDigest: (o) => (o?.appliedDigest ? digestOf({ applied: o.appliedDigest, orphans: o.orphans.map((m) => m.id).sort() }) : undefined),
};

export type { MachineTemplateSpec, MachineTemplateObserved } from './spec.js';
