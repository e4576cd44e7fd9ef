/**
 * Load-time checks of a Pool with `runtime: swarm`: the SSH runtime's placement, flows and probes do not apply
 * (Swarm places, rolls and health-checks), so declaring them is a mistake named here rather than ignored.
 */
import type { ResourceIndex } from '../../types.js';
import type { PoolSpec } from '../spec.js';

const SSH_ONLY: (keyof PoolSpec)[] = ['hosts', 'machines', 'mode', 'maxPerHost', 'shrinkOrder', 'tasks', 'rollout', 'healthCheck'];
const INSTEAD: Partial<Record<keyof PoolSpec, string>> = {
  hosts: 'swarm.placement.constraints',
  machines: 'a SwarmCluster of MachineSet machines',
  mode: 'swarm.mode',
  rollout: 'swarm.update and swarm.rollback',
  healthCheck: 'swarm.healthCheck',
  maxPerHost: 'swarm.placement.maxReplicasPerNode',
};

/** Values the loader fills in from the schema: present on every pool, so not a declaration of the SSH runtime. */
const SCHEMA_DEFAULTS: Partial<Record<keyof PoolSpec, unknown>> = { mode: 'one-per-host', shrinkOrder: 'newest-first' };

/** Messages (field first, so problemAt places them) for a swarm pool; [] for an SSH pool without a swarm block. */
export function validateSwarmPool(spec: PoolSpec, all: ResourceIndex): string[] {
  const out: string[] = [];
  if ((spec.runtime ?? 'ssh') !== 'swarm') {
    if (spec.swarm) out.push('swarm: only used with runtime: swarm');
    return out;
  }
  if (!spec.swarm) return ['runtime: swarm needs a swarm block naming its cluster (swarm.cluster)'];
  for (const k of SSH_ONLY) {
    if (spec[k] !== undefined && spec[k] !== SCHEMA_DEFAULTS[k]) out.push(`${k}: not used with runtime: swarm${INSTEAD[k] ? `; use ${INSTEAD[k]}` : ''}`);
  }
  if (spec.container.network !== undefined && spec.container.network !== 'host') out.push('container.network: not used with runtime: swarm; use swarm.networks (overlay networks)');
  if (!all.get('SwarmCluster', spec.swarm.cluster)) out.push(`swarm.cluster: SwarmCluster/${spec.swarm.cluster} is not declared`);
  if ((spec.swarm.mode ?? 'replicated') === 'global' && spec.replicas !== undefined) out.push('replicas: a global service runs one task per node; drop replicas or use swarm.mode: replicated');
  if ((spec.swarm.mode ?? 'replicated') === 'replicated' && spec.replicas === undefined) out.push('replicas is required for a replicated swarm service');
  const reserved = Object.keys(spec.swarm.labels ?? {}).filter((k) => k.startsWith('driftless.'));
  if (reserved.length > 0) out.push(`swarm.labels: ${reserved.join(', ')} use the reserved driftless. prefix`);
  const targets = [...(spec.swarm.secrets ?? []), ...(spec.swarm.configs ?? [])].map((x) => x.target);
  const dup = targets.filter((t, i) => targets.indexOf(t) !== i);
  if (dup.length > 0) out.push(`swarm.secrets: target ${[...new Set(dup)].join(', ')} used twice`);
  const ports = (spec.container.ports ?? []).map((p) => `${p.host ?? p.container}/${p.protocol ?? 'tcp'}`);
  const dupPorts = ports.filter((p, i) => ports.indexOf(p) !== i);
  if (dupPorts.length > 0) out.push(`container.ports: published port ${[...new Set(dupPorts)].join(', ')} used twice`);
  const restart = spec.container.restartPolicy;
  if (restart?.condition === 'none' && (restart.maxAttempts !== undefined || restart.window !== undefined)) {
    out.push('container.restartPolicy: maxAttempts and window mean nothing with condition none');
  }
  return out;
}
