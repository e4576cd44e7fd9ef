/**
 * Pure diff and health of a machine set: which machines would be created (and which the quota refuses), which
 * deleted, which brought up to ready. Field changes name machines only — never addresses of keys.
 */
import type { HealthReport } from '../../model/health.js';
import type { DiffOutcome, FieldChange } from '../../model/plan.js';
import type { Resource } from '../../model/resource.js';
import { admitted, describeUsage } from '../shared/machines/quota.js';
import type { MachineSetObserved, MachineSetSpec } from './spec.js';

export interface SetPlan {
  create: string[];
  refused: string[];
  remove: string[];
  bringUp: string[];
}

export function setPlan(name: string, count: number, o: MachineSetObserved): SetPlan {
  const seen = new Set<string>();
  const remove: string[] = [];
  const bringUp: string[] = [];
  for (const m of o.machines) {
    if (m.ordinal < 0 || m.ordinal >= count || seen.has(m.name)) remove.push(m.name);
    else {
      seen.add(m.name);
      if (m.state !== 'ready') bringUp.push(`${m.name} (${m.state})`);
    }
  }
  const missing = Array.from({ length: count }, (_, i) => `${name}-${i}`).filter((n) => !seen.has(n));
  const n = admitted(o.usage, missing.length);
  return { create: missing.slice(0, n), refused: missing.slice(n), remove, bringUp };
}

export function diffMachineSet(desired: Resource<MachineSetSpec>, o: MachineSetObserved | undefined): DiffOutcome {
  if (!o) return { action: 'create', changes: [{ path: 'machines', after: `${desired.spec.count} machine(s)` }] };
  const p = setPlan(desired.metadata.name, desired.spec.count, o);
  const changes: FieldChange[] = [];
  if (p.create.length > 0) changes.push({ path: 'machines.create', after: p.create });
  if (p.refused.length > 0) changes.push({ path: 'machines.refusedByQuota', after: p.refused });
  if (p.remove.length > 0) changes.push({ path: 'machines.delete', before: p.remove });
  if (p.bringUp.length > 0) changes.push({ path: 'machines.bringUp', before: p.bringUp, after: 'ready' });
  if (changes.length === 0) return { action: 'noop', changes: [] };
  return {
    action: o.machines.length === 0 ? 'create' : 'update',
    changes,
    ...(p.refused.length > 0 ? { reason: `QuotaExceeded: ${describeUsage(o.usage)}` } : {}),
  };
}

export function machineSetHealth(o: MachineSetObserved | undefined): HealthReport {
  if (!o) return { status: 'Unknown', message: 'not observed' };
  const ready = o.machines.filter((m) => m.state === 'ready' && m.ordinal >= 0 && m.ordinal < o.count);
  const bad = o.machines.filter((m) => m.state === 'failed' || m.state === 'init timeout');
  const usage = describeUsage(o.usage);
  if (bad.length > 0) {
    return { status: 'Degraded', message: `${bad.map((m) => `${m.name}: ${m.state}${m.error ? ` (${m.error})` : ''}`).join('; ')}; ${usage}` };
  }
  if (o.machines.length === 0 && o.count > 0) return { status: 'Missing', message: `no machines; ${usage}` };
  if (ready.length === o.count && o.machines.length === o.count) return { status: 'Healthy', message: `${ready.length}/${o.count} machines ready; ${usage}` };
  const states = o.machines.map((m) => `${m.name}: ${m.state}`).join(', ');
  return { status: 'Progressing', message: `${ready.length}/${o.count} machines ready (${states}); ${usage}` };
}
