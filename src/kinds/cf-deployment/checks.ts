/**
 * Pre-flight checks (the seed's 部署前安全性检查) against what was observed on each host: reachability, hardware
 * minimums per component, the deployment user. Pure, so `plan` and `apply` reach the same verdict, and every
 * message names the host, the component and the resource that fell short.
 */
import { COMPONENT_TABLE, DEFAULT_MINIMUMS, type Minimums } from './components.js';
import type { Placement } from './resolve.js';
import type { CFDeploymentSpec, HostObservation } from './spec.js';

/** The minimums that apply to a placement: default, then the seed's table, then the spec's overrides and disksize. */
export function minimumsFor(spec: CFDeploymentSpec, p: Placement): Minimums {
  const m: Minimums = { ...DEFAULT_MINIMUMS, ...COMPONENT_TABLE[p.component].minimums, ...p.spec.minimums };
  if (spec.properties.disksize !== undefined) m.diskMiB = Math.max(m.diskMiB, Math.round(spec.properties.disksize * 1024));
  return m;
}

export function preflight(spec: CFDeploymentSpec, placements: Placement[], hosts: HostObservation[]): string[] {
  const problems: string[] = [];
  const byName = new Map(hosts.map((h) => [h.host, h]));
  const checkDisk = spec.properties.checkdisk !== false;
  const user = spec.properties.user;
  for (const p of placements) {
    const at = `host ${p.host} (${p.address}), component ${p.component}`;
    const h = byName.get(p.host);
    if (!h || !h.reachable) {
      problems.push(`${at}: unreachable${h?.error ? `: ${h.error}` : ''}`);
      continue;
    }
    const min = minimumsFor(spec, p);
    const f = h.facts;
    if (f.cpus === undefined || f.cpus < min.cpus) problems.push(`${at}: cpu ${f.cpus ?? 'unknown'} below the minimum of ${min.cpus}`);
    if (f.memoryMiB === undefined || f.memoryMiB < min.memoryMiB) {
      problems.push(`${at}: memory ${f.memoryMiB ?? 'unknown'} MiB below the minimum of ${min.memoryMiB} MiB`);
    }
    if (checkDisk && (f.diskMiB === undefined || f.diskMiB < min.diskMiB)) {
      problems.push(`${at}: disk ${f.diskMiB ?? 'unknown'} MiB below the minimum of ${min.diskMiB} MiB`);
    }
    if (user && spec.properties.adduser === false && !h.usersPresent.includes(user)) {
      problems.push(`${at}: user ${user} does not exist and adduser is off`);
    }
  }
  return [...new Set(problems)];
}
