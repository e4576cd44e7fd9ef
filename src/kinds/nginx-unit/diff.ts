/**
 * Pure diff and health of a unit. Per host: in sync, never published, outdated (Git or membership changed), or
 * hand-edited (its files no longer match the digest its dir was published as: DriftDetected). The changes name
 * every file that will change and say which hosts will reload and why, so an upstream-only change reads as such.
 */
import type { HealthReport } from '../../model/health.js';
import type { DiffOutcome, FieldChange } from '../../model/plan.js';
import type { Resource } from '../../model/resource.js';
import type { NginxUnitSpec, UnitHostObserved, UnitObserved } from './spec.js';

export type HostSync = 'in-sync' | 'unpublished' | 'outdated' | 'hand-edited' | 'stopped' | 'no-nginx' | 'unreachable';

export function hostSync(h: UnitHostObserved, desiredDigest: string): HostSync {
  if (!h.reachable) return 'unreachable';
  if (!h.nginx) return 'no-nginx';
  if (!h.current) return 'unpublished';
  if (h.actual !== h.recorded) return 'hand-edited';
  if (h.actual !== desiredDigest) return 'outdated';
  return h.running ? 'in-sync' : 'stopped';
}

/** Files whose content differs between the host and the desired version (added, changed or removed). */
export function changedFiles(host: Record<string, string>, desired: Record<string, string>): string[] {
  const paths = [...new Set([...Object.keys(host), ...Object.keys(desired)])].sort();
  return paths.filter((p) => host[p] !== desired[p]);
}

export function diffUnit(_res: Resource<NginxUnitSpec>, observed: UnitObserved | undefined): DiffOutcome {
  if (!observed) return { action: 'create', changes: [] };
  const want = observed.desired;
  const changes: FieldChange[] = [];
  const reloads: string[] = [];
  const fileChanges = new Map<string, { before: Set<string>; after: string }>();
  let drift = false;
  let anyPublished = false;
  for (const h of observed.hosts) {
    const state = hostSync(h, want.digest);
    if (h.current) anyPublished = true;
    if (state === 'in-sync' || state === 'unreachable') continue;
    if (state === 'hand-edited') {
      drift = true;
      changes.push({ path: `hosts.${h.host}`, before: `hand-edited: ${changedFiles(h.files, want.files).join(', ') || 'files'}`, after: `version ${want.digest}` });
    } else if (state === 'no-nginx') {
      changes.push({ path: `hosts.${h.host}`, before: 'nginx is not installed', after: `version ${want.digest}` });
    } else if (state === 'stopped') {
      changes.push({ path: `hosts.${h.host}`, before: 'nginx is not running', after: 'started' });
    }
    const files = changedFiles(h.files, want.files);
    for (const f of files) {
      const entry = fileChanges.get(f) ?? { before: new Set<string>(), after: short(want.files[f]) };
      entry.before.add(short(h.files[f]));
      fileChanges.set(f, entry);
    }
    const onlyUpstreams = files.length > 0 && files.every((f) => f.startsWith('upstream/'));
    reloads.push(`${h.host}${state === 'unpublished' || state === 'no-nginx' ? ' (start)' : onlyUpstreams ? ' (upstream only)' : ''}`);
  }
  for (const [path, c] of [...fileChanges.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    changes.push({ path: `files.${path}`, before: [...c.before].sort().join(' | '), after: c.after });
  }
  if (reloads.length === 0) return { action: 'noop', changes: [] };
  const upstreamOnly = [...fileChanges.keys()].every((f) => f.startsWith('upstream/'));
  changes.push({ path: 'reload', after: `${reloads.join(', ')}${upstreamOnly && fileChanges.size > 0 ? ': only upstream files change' : ''}` });
  for (const note of want.notes) changes.push({ path: 'note', after: note });
  return { action: anyPublished ? 'update' : 'create', changes, ...(drift ? { reason: 'DriftDetected' } : {}) };
}

function short(sha: string | undefined): string {
  return sha ? sha.slice(0, 12) : 'absent';
}

export function unitHealth(observed: UnitObserved | undefined): HealthReport {
  if (!observed) return { status: 'Missing' };
  const states = observed.hosts.map((h) => [h.host, hostSync(h, observed.desired.digest)] as const);
  const bad = states.filter(([, s]) => s === 'no-nginx' || s === 'unreachable');
  if (bad.length > 0) return { status: 'Degraded', message: bad.map(([h, s]) => `${h}: ${s === 'no-nginx' ? 'nginx is not installed' : 'unreachable'}`).join('; ') };
  const off = states.filter(([, s]) => s !== 'in-sync');
  if (off.length === 0) return { status: 'Healthy', message: `version ${observed.desired.digest} on ${states.length} host(s)` };
  return { status: 'Progressing', message: off.map(([h, s]) => `${h}: ${s}`).join('; ') };
}
