/**
 * Kind `Pool` (OpenDCP 服务池): containers running a Service on hosts, kept at the declared count and rolled out in
 * health-checked batches. A reconciler, not buttons: the hosts are observed every run and the difference drives
 * expand, shrink, restore and deploy through the pool's task templates.
 */
import type { Problem } from '../../model/plan.js';
import type { Resource, ResourceRef } from '../../model/resource.js';
import { substitute } from '../../render/substitute.js';
import { digestOf } from '../../util/digest.js';
import { problemAt } from '../shared/problem.js';
import type { KindModule, ResourceIndex } from '../types.js';
import { applyPool } from './apply.js';
import { diffPool, poolHealth } from './diff.js';
import type { PoolHooks } from './hooks.js';
import { machineTemplateOf } from './hosts.js';
import { knownNodes, observePool } from './observe.js';
import { removePool } from './remove.js';
import { followedProject, resolveFlows } from './resolve.js';
import type { PoolObserved, PoolSpec } from './spec.js';
import { applySwarmPool } from './swarm/apply.js';
import { diffSwarmPool, swarmPoolHealth } from './swarm/diff.js';
import { removeSwarmPool } from './swarm/remove.js';
import { validateSwarmPool } from './swarm/validate.js';

const onSwarm = (spec: PoolSpec): boolean => spec.runtime === 'swarm';

function dependencies(res: Resource<PoolSpec>): ResourceRef[] {
  const refs: ResourceRef[] = [{ kind: 'Service', name: res.spec.service, path: '/spec/service' }];
  (res.spec.hosts?.names ?? []).forEach((name, i) => refs.push({ kind: 'Host', name, path: `/spec/hosts/names/${i}` }));
  if (res.spec.machines) refs.push({ kind: 'MachineTemplate', name: res.spec.machines.template, path: '/spec/machines/template' });
  for (const flow of ['expand', 'shrink', 'deploy'] as const) {
    const name = res.spec.tasks?.[flow];
    if (name) refs.push({ kind: 'TaskTemplate', name, path: `/spec/tasks/${flow}` });
  }
  const image = res.spec.container.image;
  if (typeof image !== 'string') refs.push({ kind: 'ImageProject', name: image.project, path: '/spec/container/image/project' });
  if (res.spec.swarm && onSwarm(res.spec)) refs.push({ kind: 'SwarmCluster', name: res.spec.swarm.cluster, path: '/spec/swarm/cluster' });
  return refs;
}

function validate(res: Resource<PoolSpec>, all: ResourceIndex): Problem[] {
  if (onSwarm(res.spec)) {
    const messages = validateSwarmPool(res.spec, all);
    try {
      if (typeof res.spec.container.image !== 'string') followedProject(res.spec, all);
    } catch (err) {
      messages.push(`container.image: ${err instanceof Error ? err.message : String(err)}`);
    }
    return messages.map((m) => problemAt(res, m));
  }
  const messages = [...resolveFlows(res.spec, all).problems, ...validateSwarmPool(res.spec, all)];
  try {
    if (typeof res.spec.container.image !== 'string') followedProject(res.spec, all);
  } catch (err) {
    messages.push(`container.image: ${err instanceof Error ? err.message : String(err)}`);
  }
  const probe = res.spec.healthCheck?.command;
  if (probe) {
    try {
      substitute(probe, { node: { name: 'pool-0', address: '127.0.0.1' }, pool: res.metadata.name, service: res.spec.service });
    } catch (err) {
      messages.push(`healthCheck.command: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (res.spec.mode === 'fixed' && res.spec.replicas === undefined) messages.push('replicas is required in fixed mode');
  const template = machineTemplateOf(res.spec, all);
  if (!res.spec.hosts && !template) messages.push('hosts or machines is required');
  if (template && res.spec.replicas === undefined) messages.push('replicas is required when the pool makes machines');
  if (template && !res.spec.machines && !all.get('MachineTemplate', template)) {
    messages.push(`tasks.expand create_vm: MachineTemplate/${template} is not declared`);
  }
  if (res.spec.mode !== 'fixed' && res.spec.maxPerHost !== undefined) messages.push('maxPerHost applies to fixed mode only');
  const hc = res.spec.healthCheck;
  const port = hc?.tcp?.port ?? hc?.http?.port;
  if ((res.spec.container.network ?? 'host') === 'host' && (res.spec.maxPerHost ?? 1) > 1 && port !== undefined) {
    messages.push(
      `maxPerHost ${res.spec.maxPerHost} with host networking: nodes on one host would all bind port ${port} (the second fails with "address in use" while the first answers its health check); use network: bridge with ports, or maxPerHost: 1`,
    );
  }
  const reserved = Object.keys(res.spec.container.labels ?? {}).filter((k) => k.startsWith('driftless.'));
  if (reserved.length > 0) messages.push(`container.labels: ${reserved.join(', ')} use the reserved driftless. prefix`);
  return messages.map((m) => problemAt(res, m));
}

/** Node counts for status: `nodes 2/2 running, 2 healthy, image <ref>`. */
export function poolDetails(o: PoolObserved): Record<string, unknown> {
  const nodes = knownNodes(o);
  const running = nodes.filter((n) => n.state === 'running').length;
  const healthy = nodes.filter((n) => n.healthy === true).length;
  const current = nodes.filter((n) => n.specDigest === o.specDigest && n.state === 'running').length;
  const down = o.hosts.filter((h) => !h.reachable).length;
  const gaveUp = nodes.filter((n) => n.restart?.action === 'give-up').length;
  const restarting = nodes.filter((n) => n.restart?.action === 'restart').length;
  return {
    summary: `nodes ${running}/${o.desiredCount} running, ${healthy} healthy${current < running ? `, ${running - current} stale` : ''}${down > 0 ? `, ${down} host(s) down` : ''}${restarting > 0 ? `, ${restarting} restarting` : ''}${gaveUp > 0 ? `, ${gaveUp} gave up restarting` : ''}`,
    desired: o.desiredCount,
    nodes: nodes.length,
    running,
    healthy,
    current,
    image: o.image,
    hosts: o.eligible.length,
    ...(down > 0 ? { hostsDown: down } : {}),
    ...(restarting > 0 ? { restarting } : {}),
    ...(gaveUp > 0 ? { restartLimit: gaveUp } : {}),
    ...(o.machines ? { machines: o.machines.length } : {}),
  };
}

/** Creates the kind; hooks wire register/unregister and create_vm/return_vm when those issues land. */
export function createPoolKind(hooks: PoolHooks = {}): KindModule<PoolSpec, PoolObserved> {
  return {
    kind: 'Pool',
    schemaId: 'https://driftless.dev/schemas/pool.schema.json',
    order: 20,
    dependencies,
    validate,
    observe: (res, ctx) => observePool(res, ctx, hooks),
    diff: (desired, observed) => (observed?.swarm ? diffSwarmPool(observed) : diffPool(desired, observed)),
    apply: (task, ctx) => (onSwarm(task.desired.spec) ? applySwarmPool(task, ctx) : applyPool(task, ctx, hooks)),
    remove: (entry, ctx) => (onSwarm((entry.resource as Resource<PoolSpec>).spec) ? removeSwarmPool(entry.resource as Resource<PoolSpec>, ctx) : removePool(entry, ctx, hooks)),
    health: (o) => (o?.swarm ? swarmPoolHealth(o) : poolHealth(o)),
    statusDetails: poolDetails,
    observedDigest: (o) =>
      o
        ? digestOf(knownNodes(o).map((n) => ({ name: n.name, host: n.host, state: n.state, spec: n.specDigest, healthy: n.healthy })))
        : undefined,
  };
}

/** The Pool kind without hooks (tests, tools): discovery and machine steps are logged no-ops. */
export const poolKind = createPoolKind();

export type { PoolSpec, PoolObserved } from './spec.js';
export type { PoolHooks, DiscoveryHook, MachineHook, NodeRef, PoolMachine, ProvisionResult } from './hooks.js';
