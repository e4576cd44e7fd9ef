/** Host health (pure): reachable, init complete, and at least the declared hardware. */
import type { HealthReport } from '../../model/health.js';
import type { HostObserved } from './spec.js';

export function hostHealth(observed: HostObserved | undefined): HealthReport {
  if (!observed) return { status: 'Missing', message: 'not observed' };
  if (!observed.reachable) return { status: 'Degraded', message: `unreachable: ${observed.error ?? 'no answer'}` };
  if (observed.error) return { status: 'Degraded', message: observed.error };
  const done = new Set(observed.initDone);
  const missing = observed.initWanted.filter((d) => !done.has(d));
  if (missing.length > 0) return { status: 'Progressing', message: `${missing.length} init step(s) pending` };
  const short = belowMinimums(observed);
  if (short.length > 0) return { status: 'Degraded', message: `below declared minimums: ${short.join(', ')}` };
  return { status: 'Healthy' };
}

function belowMinimums(o: HostObserved): string[] {
  const out: string[] = [];
  const e = o.expect;
  if (!e) return out;
  if (e.cpus !== undefined && (o.cpus ?? 0) < e.cpus) out.push(`cpus ${o.cpus ?? 0} < ${e.cpus}`);
  if (e.memoryMiB !== undefined && (o.memoryMiB ?? 0) < e.memoryMiB) out.push(`memory ${o.memoryMiB ?? 0} MiB < ${e.memoryMiB} MiB`);
  if (e.diskGiB !== undefined && (o.diskGiB ?? 0) < e.diskGiB) out.push(`disk ${o.diskGiB ?? 0} GiB < ${e.diskGiB} GiB`);
  return out;
}
