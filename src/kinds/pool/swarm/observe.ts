/**
 * Observe a swarm-run pool on a manager of its cluster: the pinned image (the registry's digest for the tag, as
 * `docker service create` pins it; a followed ImageProject's build digest), the owned networks, secrets and
 * configs, the service with its version and update state, and its running-desired tasks. The result is a
 * PoolObserved whose hosts mirror the tasks (one node per task, on the host the swarm node was joined from), so
 * status and nginx/SLB membership follow Swarm's own placement.
 */
import { createHash } from 'node:crypto';
import { WaitingError } from '../../../errors.js';
import type { SwarmEngine } from '../../../drivers/types.js';
import type { Resource } from '../../../model/resource.js';
import { digestOf } from '../../../util/digest.js';
import { parseReference } from '../../../util/image-reference.js';
import { HOST_LABEL, swarmManager } from '../../swarm-cluster/public.js';
import type { KindContext } from '../../types.js';
import { poolImage } from '../image.js';
import type { HostNodes, PoolObserved, PoolSpec } from '../spec.js';
import { buildServiceSpec, type ResolvedRefs } from './service-spec.js';
import { OWNER_LABEL, type SwarmFileRef, type SwarmObserved } from './spec.js';
import { serviceView } from './view.js';

/** A Swarm object name for a secret value: pool, target and a digest of the value (a new value = a new name). */
export function objectName(pool: string, target: string, value: string): string {
  const digest = createHash('sha256').update(`${pool}\0${target}\0${value}`).digest('hex').slice(0, 12);
  const base = `${pool}-${target.replace(/[^A-Za-z0-9_.-]/g, '_')}`.slice(0, 50);
  return `${base}-${digest}`;
}

/** Resolved secret values by target (kept out of the observation: apply reads them again to create objects). */
export async function fileValues(refs: SwarmFileRef[] | undefined, manager: string, ctx: KindContext): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const r of refs ?? []) out.set(r.target, await ctx.secrets.resolve(r.secret, { ssh: manager }));
  return out;
}

export interface SwarmView {
  observed: PoolObserved;
  engine: SwarmEngine;
  refs: ResolvedRefs;
  /** The manager's address: where secret values are sent (the destination their binding must allow). */
  managerAddress: string;
}

export async function viewSwarmPool(res: Resource<PoolSpec>, ctx: KindContext): Promise<SwarmView> {
  const pool = res.metadata.name;
  const s = res.spec.swarm!;
  const mgr = await swarmManager(s.cluster, ctx);
  const engine = mgr.engine;
  const owned = { label: [`${OWNER_LABEL}=${pool}`] };
  const [image, networks, secrets, configs, services, nodes] = await Promise.all([
    pinnedImage(res, engine, ctx),
    engine.networks({ name: s.networks ?? [] }),
    engine.secrets(owned),
    engine.configs(owned),
    engine.services({ name: [pool] }),
    engine.nodes(),
  ]);
  const netIds = Object.fromEntries(networks.filter((n) => (s.networks ?? []).includes(n.name)).map((n) => [n.name, n.id]));
  const netNames = Object.fromEntries(Object.entries(netIds).map(([n, id]) => [id, n]));
  const secretIds = Object.fromEntries(secrets.map((x) => [x.name, x.id]));
  const configIds = Object.fromEntries(configs.map((x) => [x.name, x.id]));
  const secretValues = await fileValues(s.secrets, mgr.address, ctx);
  const configValues = await fileValues(s.configs, mgr.address, ctx);
  const named = (list: SwarmFileRef[] | undefined, values: Map<string, string>, ids: Record<string, string>) =>
    (list ?? []).map((r) => {
      const name = objectName(pool, r.target, values.get(r.target) ?? '');
      return { target: r.target, name, ...(ids[name] ? { id: ids[name] } : {}), ...(r.mode ? { mode: r.mode } : {}) };
    });
  const refs: ResolvedRefs = {
    image,
    networks: (s.networks ?? []).map((name) => ({ name, ...(netIds[name] ? { id: netIds[name] } : {}) })),
    secrets: named(s.secrets, secretValues, secretIds),
    configs: named(s.configs, configValues, configIds),
  };
  const draft = buildServiceSpec(res, refs, '');
  const desired = buildServiceSpec(res, refs, specDigestOf(draft, netNames));
  const service = services.find((x) => x.name === pool);
  const tasks = service ? await engine.tasks({ service: [service.id], 'desired-state': ['running'] }) : [];
  const hostOf = (nodeId: string | undefined): string => {
    const n = nodes.find((x) => x.id === nodeId);
    return n ? (n.labels[HOST_LABEL] ?? n.hostname) : (nodeId ?? '');
  };
  // A task on a node the managers see down is not serving, whatever its last reported state: Swarm reschedules it.
  const nodeReady = (nodeId: string | undefined): boolean => nodes.find((x) => x.id === nodeId)?.state === 'ready';
  const addrOf = (nodeId: string | undefined): string | undefined => nodes.find((x) => x.id === nodeId)?.addr;
  const swarm: SwarmObserved = {
    cluster: s.cluster,
    manager: mgr.host,
    desired,
    ...(service
      ? { service: { id: service.id, version: service.version, spec: service.spec, ...(service.updateState ? { updateState: service.updateState } : {}), ...(service.updateMessage ? { updateMessage: service.updateMessage } : {}) } }
      : {}),
    networks: netIds,
    secrets: secretIds,
    configs: configIds,
    tasks: tasks.map((t) => ({
      id: t.id,
      ...(t.slot !== undefined ? { slot: t.slot } : {}),
      node: t.nodeId ?? '',
      host: hostOf(t.nodeId),
      ...(addrOf(t.nodeId) ? { address: addrOf(t.nodeId) } : {}),
      state: t.state === 'running' && !nodeReady(t.nodeId) ? 'node-down' : t.state,
      ...(t.health ? { health: t.health } : {}),
      ...(t.message ? { message: t.message } : {}),
      ...(t.image ? { image: t.image } : {}),
    })),
    desiredCount: (s.mode ?? 'replicated') === 'global' ? nodes.filter((n) => n.state === 'ready' && n.availability === 'active').length : (res.spec.replicas ?? 1),
  };
  return { observed: mirror(res, swarm, image), engine, refs, managerAddress: mgr.address };
}

/** The digest label of a desired spec: its view, so only fields driftless manages count. */
export function specDigestOf(spec: Record<string, unknown>, netNames: Record<string, string>): string {
  return digestOf(serviceView(spec, netNames));
}

/** Tasks as pool nodes on their hosts (status, health and nginx/SLB membership read these). */
function mirror(res: Resource<PoolSpec>, swarm: SwarmObserved, image: string): PoolObserved {
  const byHost = new Map<string, HostNodes>();
  for (const t of swarm.tasks) {
    const h = byHost.get(t.host) ?? { host: t.host, reachable: true, nodes: [] };
    h.nodes.push({
      id: t.id,
      name: `${res.metadata.name}.${t.slot ?? t.node}`,
      host: t.host,
      ordinal: t.slot ?? 0,
      state: t.state === 'running' ? 'running' : t.state,
      specDigest: t.image === image ? 'current' : 'stale',
      createdAt: '',
      ...(t.image ? { image: t.image } : {}),
      ...(t.address ? { address: t.address } : {}),
      ...(t.state === 'running' ? { healthy: t.health === undefined ? true : t.health === 'healthy' } : {}),
    });
    byHost.set(t.host, h);
  }
  return {
    eligible: [...byHost.keys()].sort(),
    hosts: [...byHost.values()].sort((a, b) => a.host.localeCompare(b.host)),
    specDigest: 'current',
    image,
    desiredCount: swarm.desiredCount,
    swarm,
  };
}

/** `repo:tag@sha256:...`: a followed ImageProject's build, else the registry's digest asked through the manager. */
async function pinnedImage(res: Resource<PoolSpec>, engine: SwarmEngine, ctx: KindContext): Promise<string> {
  const { ref, source } = await poolImage(res, ctx);
  if (source && !source.built) {
    throw new WaitingError('DependencyNotReady', `pool ${res.metadata.name}: waiting for ImageProject/${source.project} to build its image`, { retryAfterMs: 10_000 });
  }
  if (ref.includes('@sha256:')) return ref;
  const a = res.spec.container.registryAuth;
  const registry = parseReference(ref).registry;
  const auth = a ? { username: a.username, password: await ctx.secrets.resolve(a.password, { registry }), serveraddress: registry } : undefined;
  const pinned = await engine.distribution(ref, auth);
  return pinned ?? ref;
}
