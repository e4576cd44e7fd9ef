/**
 * Observe a pool where it runs: one `docker ps` per host filtered by the pool's labels, then one probe per host
 * for its running nodes. A host that does not answer is reported, and its nodes are neither counted nor touched,
 * so an outage of one host never makes driftless start or stop anything on the others by mistake.
 */
import type { SshTarget } from '../../drivers/types.js';
import { describe } from '../../errors.js';
import type { Resource } from '../../model/resource.js';
import { substitute } from '../../render/substitute.js';
import type { KindContext } from '../types.js';
import { desiredCount } from './placement.js';
import type { PoolHooks } from './hooks.js';
import { poolHosts, type PoolHost } from './hosts.js';
import { poolImage } from './image.js';
import { nodeSpecDigest } from './resolve.js';
import { attachVerdicts, readExits } from './managed-restarts.js';
import { listScript, parseList, probeScript } from './scripts.js';
import type { HealthCheckSpec, HostNodes, NodeObserved, PoolObserved, PoolSpec } from './spec.js';
import { outputTail } from '../../util/output-tail.js';
import { outOfRotation } from './rotation.js';
import { viewSwarmPool } from './swarm/observe.js';

const LIST_TIMEOUT_MS = 30_000;

/** A pool observed, with the hosts' SSH targets apply needs (kept out of PoolObserved: they hold private keys). */
export interface PoolView {
  observed: PoolObserved;
  hosts: Map<string, PoolHost>;
  template?: string;
}

/** Observes a pool on its eligible hosts and on hosts it ran on when last applied (so it can leave them). */
export async function observePool(res: Resource<PoolSpec>, ctx: KindContext, hooks: PoolHooks = {}): Promise<PoolObserved> {
  return (await viewPool(res, ctx, hooks)).observed;
}

/** observePool plus the targets of every host, as apply uses them. */
export async function viewPool(res: Resource<PoolSpec>, ctx: KindContext, hooks: PoolHooks, requireHook = false): Promise<PoolView> {
  // A swarm-run pool is one Swarm service: its tasks, as the manager reports them, are the nodes.
  if (res.spec.runtime === 'swarm') return { observed: (await viewSwarmPool(res, ctx)).observed, hosts: new Map() };
  const ph = await poolHosts(res, ctx, hooks, requireHook);
  const { ref: image, source } = await poolImage(res, ctx);
  const read = [...ph.eligible, ...ph.former];
  const hosts = await Promise.all(
    read.map(async (h): Promise<HostNodes> => {
      if (h.pending) return { host: h.name, reachable: true, nodes: [], machine: true };
      const seen = await observeHostNodes(res, h, ctx);
      return h.machine ? { ...seen, machine: true } : seen;
    }),
  );
  const unreadable = ph.unreadable.map((h): HostNodes => ({ host: h.name, reachable: false, error: h.error ?? 'machine not usable', nodes: [], machine: true }));
  const answered = new Set(hosts.filter((h) => h.reachable).map((h) => h.host));
  const reachableEligible = ph.eligible.map((h) => h.name).filter((n) => answered.has(n));
  const grow = ph.template !== undefined && ph.machines !== undefined && unreadable.length === 0;
  const specDigest = nodeSpecDigest(res, image);
  await attachVerdicts(res, hosts.flatMap((h) => h.nodes), specDigest, ctx);
  const out = new Set(await outOfRotation(ctx.store).ofPool(res.metadata.name));
  const held = hosts
    .flatMap((h) => h.nodes)
    .filter((n) => out.has(`${res.metadata.name}/${n.name}`) && n.state === 'running' && n.healthy === true && n.specDigest === specDigest)
    .map((n) => n.name)
    .sort();
  const observed: PoolObserved = {
    eligible: reachableEligible,
    hosts: [...hosts, ...unreadable].sort((a, b) => (a.host < b.host ? -1 : 1)),
    specDigest,
    image,
    ...(source ? { imageSource: source } : {}),
    desiredCount: desiredCount(res.spec, reachableEligible.length, grow),
    ...(held.length > 0 ? { held } : {}),
    ...(ph.machines ? { machines: ph.machines.map((m) => ({ name: m.name, state: m.state, ...(m.error ? { error: m.error } : {}) })), grow } : {}),
  };
  return { observed, hosts: new Map(read.map((h) => [h.name, h])), ...(ph.template ? { template: ph.template } : {}) };
}

/** Reads one host's nodes and probes the running ones. */
export async function observeHostNodes(res: Resource<PoolSpec>, host: PoolHost, ctx: KindContext): Promise<HostNodes> {
  const name = host.name;
  try {
    const target = host.target;
    if (!target) return { host: name, reachable: false, error: host.error ?? 'no ssh target', nodes: [] };
    const listed = await ctx.drivers.ssh.exec(target, listScript(res.metadata.name), { timeoutMs: LIST_TIMEOUT_MS, signal: ctx.signal });
    if (listed.code !== 0) {
      return { host: name, reachable: false, error: `docker ps failed (exit ${listed.code}): ${outputTail(listed.stderr)}`, nodes: [] };
    }
    const nodes: NodeObserved[] = parseList(listed.stdout).map((n) => ({
      id: n.id,
      name: n.name,
      host: name,
      ordinal: n.ordinal,
      state: n.state,
      specDigest: n.spec,
      createdAt: n.created,
      ...(n.image ? { image: n.image } : {}),
    }));
    await readExits(res, target, nodes, ctx);
    const hc = res.spec.healthCheck;
    const running = nodes.filter((n) => n.state === 'running');
    if (running.length > 0) {
      const verdicts = hc ? await probeNodes(target, res, hc, running.map((n) => n.name), host.address, ctx) : undefined;
      for (const n of running) n.healthy = verdicts ? verdicts.get(n.name) === 'ok' : true;
    }
    return { host: name, reachable: true, nodes };
  } catch (err) {
    return { host: name, reachable: false, error: describe(err), nodes: [] };
  }
}

/** A node's probe answer: serving, not serving, or not running at all. */
export type ProbeVerdict = 'ok' | 'fail' | 'down';

/** One probe round for the named nodes on one host (one SSH exec); a node missing from the answer is absent. */
export async function probeNodes(
  target: SshTarget,
  res: Resource<PoolSpec>,
  hc: HealthCheckSpec | undefined,
  names: string[],
  address: string,
  ctx: KindContext,
  checkRunning = false,
): Promise<Map<string, ProbeVerdict>> {
  const network = res.spec.container.network ?? 'host';
  const render = (name: string): string =>
    substitute(hc?.command ?? '', { node: { name, address }, pool: res.metadata.name, service: res.spec.service });
  const script = probeScript(hc, names, network, render, checkRunning);
  const r = await ctx.drivers.ssh.exec(target, script, { timeoutMs: LIST_TIMEOUT_MS, signal: ctx.signal });
  const out = new Map<string, ProbeVerdict>();
  for (const line of r.stdout.split('\n')) {
    const [n, verdict] = line.trim().split(' ');
    if (n && (verdict === 'ok' || verdict === 'fail' || verdict === 'down')) out.set(n, verdict);
  }
  return out;
}

/** Every node on a host that answered. */
export function knownNodes(observed: PoolObserved): NodeObserved[] {
  return observed.hosts.filter((h) => h.reachable).flatMap((h) => h.nodes);
}
