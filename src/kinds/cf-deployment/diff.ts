/**
 * Pure diff and health. The diff prints the run's work per instance (`nats_0@lab-1`); failed pre-flight checks
 * make it throw a StalledError, so `plan` shows them and `apply` installs nothing until the repo or hosts change.
 */
import { StalledError } from '../../errors.js';
import type { HealthReport } from '../../model/health.js';
import type { DiffOutcome, FieldChange } from '../../model/plan.js';
import type { Resource } from '../../model/resource.js';
import type { CFDeploymentSpec, CFObserved } from './spec.js';
import { instanceId, workOf } from './work.js';

export function diffDeployment(_desired: Resource<CFDeploymentSpec>, observed: CFObserved | undefined): DiffOutcome {
  if (!observed) return { action: 'create', changes: [{ path: 'instances', after: 'unknown until observed' }] };
  if (observed.preflight.length > 0) {
    throw new StalledError('ApplyFailed', `pre-flight checks failed, nothing will be installed: ${observed.preflight.join('; ')}`);
  }
  const w = workOf(observed);
  const changes: FieldChange[] = [];
  const hosts = new Map(observed.hosts.map((h) => [h.host, h]));
  const fresh = w.install.filter((i) => hosts.get(i.host)?.installed[i.component] === undefined);
  const changed = w.install.filter((i) => !fresh.includes(i));
  if (fresh.length > 0) changes.push({ path: 'instances.install', after: fresh.map(instanceId) });
  if (changed.length > 0) changes.push({ path: 'instances.update', after: changed.map(instanceId) });
  if (w.stop.length > 0) changes.push({ path: 'instances.stop', after: w.stop.map(instanceId) });
  if (w.start.length > 0) changes.push({ path: 'instances.start', after: w.start.map(instanceId) });
  if (w.resurrect.length > 0) {
    changes.push({ path: 'instances.resurrect', after: w.meltdown ? `held: ${w.meltdown}` : w.resurrect.map(instanceId) });
  }
  if (w.remove.length > 0) changes.push({ path: 'instances.remove', before: w.remove.map(instanceId) });
  if (changes.length === 0) return { action: 'noop', changes: [] };
  const nothingInstalled = observed.hosts.every((h) => Object.keys(h.installed).length === 0);
  const drift = w.resurrect.length > 0 || w.start.length > 0;
  return { action: nothingInstalled ? 'create' : 'update', changes, ...(drift && !changed.length && !fresh.length ? { reason: 'DriftDetected' } : {}) };
}

/** Ready per instance: installed at the desired digest and in its desired monit state. */
export function deploymentHealth(observed: CFObserved | undefined): HealthReport {
  if (!observed) return { status: 'Unknown', message: 'not observed' };
  if (observed.preflight.length > 0) return { status: 'Degraded', message: observed.preflight.join('; ') };
  const hosts = new Map(observed.hosts.map((h) => [h.host, h]));
  const unreachable = observed.hosts.filter((h) => !h.reachable);
  if (unreachable.length > 0) return { status: 'Degraded', message: `hosts not answering: ${unreachable.map((h) => `${h.host} (${h.error ?? 'unknown'})`).join('; ')}` };
  const w = workOf(observed);
  if (w.meltdown) return { status: 'Degraded', message: w.meltdown };
  if (w.resurrect.length > 0) {
    const detail = w.resurrect.map((i) => `${instanceId(i)}: ${hosts.get(i.host)?.processes[i.component]?.detail ?? 'down'}`);
    return { status: 'Degraded', message: `instances down: ${detail.join(', ')}` };
  }
  const pending = [...w.install, ...w.start, ...w.stop];
  const starting = observed.instances.filter((i) => hosts.get(i.host)?.processes[i.component]?.state === 'initializing');
  if (w.install.length === observed.instances.length && observed.instances.length > 0) return { status: 'Missing', message: 'nothing installed' };
  if (pending.length > 0 || starting.length > 0 || w.remove.length > 0) {
    return { status: 'Progressing', message: `not ready: ${[...pending, ...starting].map(instanceId).join(', ') || w.remove.map(instanceId).join(', ')}` };
  }
  const stopped = observed.instances.filter((i) => i.state === 'stopped').length;
  return { status: 'Healthy', message: `${observed.instances.length - stopped} instance(s) running${stopped ? `, ${stopped} stopped as declared` : ''}` };
}
