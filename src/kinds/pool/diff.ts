/**
 * Pure diff and health of a pool. The diff is the placement decision printed as field changes (which nodes would
 * be created, removed, restored, rolled), so `plan` shows exactly what `apply` will do to the hosts.
 */
import type { DiffOutcome, FieldChange } from '../../model/plan.js';
import type { HealthReport } from '../../model/health.js';
import type { Resource } from '../../model/resource.js';
import { shortDigest } from '../../util/digest.js';
import { knownNodes } from './observe.js';
import { placeNodes, type PlacementPlan } from './placement.js';
import { describeImage } from './image.js';
import type { NodeObserved, PoolObserved, PoolSpec } from './spec.js';

/** The placement decision for a desired pool and what was observed; shared by diff (to show) and apply (to do). */
export function placementOf(desired: Resource<PoolSpec>, observed: PoolObserved): PlacementPlan {
  return placeNodes({
    spec: desired.spec,
    pool: desired.metadata.name,
    eligible: observed.eligible,
    nodes: knownNodes(observed),
    specDigest: observed.specDigest,
    grow: observed.grow ?? false,
    machines: observed.hosts.filter((h) => h.machine && observed.eligible.includes(h.host)).map((h) => h.host),
  });
}

const at = (n: { name: string; host: string }): string => `${n.name}@${n.host}`;

/**
 * What differs between the placement the plan showed and the one the hosts call for now, or undefined when they
 * agree: apply must do what was printed, so a difference is a stale plan (the engine re-plans the pool, visibly).
 */
export function placementDrift(planned: PlacementPlan, now: PlacementPlan): string | undefined {
  const sets: [string, string[], string[]][] = [
    ['create', planned.create.map(at), now.create.map(at)],
    ['remove', planned.remove.map(at), now.remove.map(at)],
    ['restore', planned.restore.map(at), now.restore.map(at)],
    ['deploy', planned.stale.map(at), now.stale.map(at)],
  ];
  const differ = sets.filter(([, a, b]) => [...a].sort().join(',') !== [...b].sort().join(','));
  if (differ.length === 0) return undefined;
  return differ.map(([what, a, b]) => `${what}: planned [${a.join(', ')}], now [${b.join(', ')}]`).join('; ');
}

/** Pure diff: node changes as field changes; `create` when the pool has no node anywhere yet. */
export function diffPool(desired: Resource<PoolSpec>, observed: PoolObserved | undefined): DiffOutcome {
  if (!observed) return { action: 'create', changes: [{ path: 'nodes', after: 'unknown until observed' }] };
  const p = placementOf(desired, observed);
  const changes: FieldChange[] = [];
  if (p.create.length > 0) changes.push({ path: 'nodes.create', after: p.create.map(at) });
  const made = p.create.filter((c) => c.newMachine).map((c) => c.host);
  if (made.length > 0) changes.push({ path: 'machines.create', after: made });
  if (p.remove.length > 0) changes.push({ path: 'nodes.remove', before: p.remove.map(at) });
  const restore = p.restore.filter((n) => !n.restart);
  if (restore.length > 0) changes.push({ path: 'nodes.restore', before: restore.map((n) => `${at(n)} (${n.state})`) });
  const restart = p.restore.filter((n) => n.restart?.action === 'restart');
  if (restart.length > 0) changes.push({ path: 'nodes.restart', before: restart.map((n) => n.restart!.message) });
  const gaveUp = p.restore.filter((n) => n.restart?.action === 'give-up');
  if (gaveUp.length > 0) changes.push({ path: 'nodes.restartLimit', before: gaveUp.map((n) => n.restart!.message), after: 'left exited: the pool stalls' });
  if (p.stale.length > 0) {
    changes.push({
      path: 'nodes.deploy',
      before: p.stale.map((n) => `${at(n)} ${shortDigest(n.specDigest)}`),
      after: `${shortDigest(observed.specDigest)} (${observed.image})`,
    });
  }
  const image = imageChange(observed, [...p.stale, ...p.restore], p.create.length > 0);
  if (image) changes.push(image);
  if (p.release.length > 0) changes.push({ path: 'machines.return', before: p.release });
  const touched = new Set([...p.remove, ...p.restore, ...p.stale].map((n) => n.name));
  const held = (observed.held ?? []).filter((n) => !touched.has(n));
  if (held.length > 0) changes.push({ path: 'nodes.register', before: held, after: 'in rotation (healthy; their flow never registered them)' });
  if (changes.length === 0) return { action: 'noop', changes: [] };
  const none = knownNodes(observed).length === 0;
  return {
    action: none ? 'create' : 'update',
    changes,
    ...(restore.length + restart.length > 0 ? { reason: 'DriftDetected' } : {}),
  };
}

/** The image the changed nodes run now and the one they will run, when they differ (or nodes are created). */
function imageChange(observed: PoolObserved, changed: NodeObserved[], creating: boolean): FieldChange | undefined {
  const before = [...new Set(changed.map((n) => n.image).filter((i): i is string => i !== undefined && i !== observed.image))].sort();
  if (before.length === 0 && !(creating && observed.imageSource)) return undefined;
  const after = describeImage(observed.image, observed.imageSource);
  return { path: 'container.image', ...(before.length > 0 ? { before: before.length === 1 ? before[0] : before } : {}), after };
}

/** Pure health: Healthy only when every desired node runs the current spec and passes its probe. */
export function poolHealth(observed: PoolObserved | undefined): HealthReport {
  if (!observed) return { status: 'Unknown', message: 'not observed' };
  const down = observed.hosts.filter((h) => !h.reachable);
  if (down.length > 0) return { status: 'Degraded', message: `hosts not answering: ${down.map((h) => `${h.host} (${h.error ?? 'unknown'})`).join('; ')}` };
  const nodes = knownNodes(observed);
  const restarting = nodes.filter((n) => n.restart);
  if (restarting.length > 0) return { status: 'Degraded', message: restarting.map((n) => n.restart!.message).join('; ') };
  const current = nodes.filter((n) => n.specDigest === observed.specDigest && n.state === 'running');
  const failing = current.filter((n) => n.healthy === false);
  if (failing.length > 0) return { status: 'Degraded', message: `nodes failing their health check: ${failing.map((n) => at(n)).join(', ')}` };
  if (nodes.length === 0 && observed.desiredCount > 0) return { status: 'Missing', message: 'no nodes' };
  if (current.length === observed.desiredCount && nodes.length === current.length) {
    return { status: 'Healthy', message: `${current.length}/${observed.desiredCount} nodes healthy` };
  }
  return { status: 'Progressing', message: `${current.length}/${observed.desiredCount} nodes current and healthy, ${nodes.length} nodes in all` };
}
