/**
 * Upstream membership, derived, never edited as text: static servers plus every node of the named pools that is
 * running and passed its health check (the pool's own observe probes it), minus nodes that are draining (being
 * unregistered before they stop). An upstream is never left with zero servers unless every pool it follows is
 * declared empty (or `allowEmpty`): the caller is told, and decides to keep the draining nodes or to wait.
 * A pool's nodes may run on declared Hosts or on machines the pool made from a template: a machine's address (and
 * SSH target, for `addressOf: private`) comes from the pool's view, which finds the machines by their tags.
 */
import type { Resource } from '../../model/resource.js';
import type { HostSpec } from '../host/public.js';
import { hostTarget } from '../shared/host-target.js';
import {
  knownNodes,
  outOfRotation,
  type PoolHooks,
  type PoolHost,
  type PoolSpec,
  type PoolView,
  type RotationSet,
  viewPool,
} from '../pool/public.js';
import { createMachineHook } from '../shared/machines/pool-hook.js';
import type { KindContext } from '../types.js';
import { checkedIp, hostPort } from '../../util/ip.js';
import { tuned, upstreamFile, upstreamName, type NginxUpstreamSpec, type RenderedServer, type RenderedUpstream } from './spec.js';
import { FailedError, StalledError, WaitingError } from '../../errors.js';

/** Lets a pool's view include the machines it made, so nodes on them are members too (observe only). */
export const memberHooks: PoolHooks = { machines: createMachineHook() };


export interface MemberResult {
  upstream: RenderedUpstream;
  /** No server would remain and no pool is declared empty: publishing this would take the service down. */
  wouldBeEmpty: boolean;
  /** Draining nodes kept in because removing them would empty the upstream. */
  keptDraining: string[];
}

/** Per-call cache: a pool observed once and a host's private address asked once, however many upstreams use them. */
export interface MemberCache {
  pools: Map<string, Promise<PoolView>>;
  addresses: Map<string, Promise<string>>;
}

export function createMemberCache(): MemberCache {
  return { pools: new Map(), addresses: new Map() };
}

export async function resolveMembers(res: Resource<NginxUpstreamSpec>, ctx: KindContext, cache: MemberCache): Promise<MemberResult> {
  const spec = res.spec;
  const drain = await outOfRotation(ctx.store).keys();
  const statics = (spec.servers ?? []).map((s) => tuned(s.address, s));
  const members: { server: RenderedServer; key: string }[] = [];
  let declaredEmpty = (spec.pools ?? []).length > 0;
  for (const src of spec.pools ?? []) {
    const pool = ctx.resources.get<PoolSpec>('Pool', src.pool);
    if (!pool) throw new StalledError('ReferenceInvalid', `Pool/${src.pool} is not declared`);
    let viewing = cache.pools.get(src.pool);
    if (!viewing) cache.pools.set(src.pool, (viewing = viewPool(pool, ctx, memberHooks)));
    const view = await viewing;
    const o = view.observed;
    if (o.desiredCount > 0) declaredEmpty = false;
    for (const node of knownNodes(o)) {
      if (node.state !== 'running' || node.healthy === false) continue;
      // A swarm-run pool's node carries the address its swarm node advertises (where its published port answers).
      const address = node.address ?? (await addressOf(node.host, src.addressOf ?? 'host', ctx, cache, view.hosts.get(node.host)));
      members.push({ server: tuned(hostPort(address, src.port), src, `Pool/${src.pool} node ${node.name}`), key: `${src.pool}/${node.name}` });
    }
  }
  const kept = members.filter((m) => !drain.has(m.key));
  const emptyAllowed = declaredEmpty || spec.allowEmpty === true;
  let chosen = kept;
  let keptDraining: string[] = [];
  if (statics.length + kept.length === 0 && members.length > 0 && !emptyAllowed) {
    chosen = members;
    keptDraining = members.map((m) => m.key);
  }
  const servers = [...statics, ...chosen.map((m) => m.server)].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  return {
    upstream: {
      resource: res.metadata.name,
      name: upstreamName(res.metadata.name, spec),
      file: upstreamFile(res.metadata.name, spec),
      balance: spec.balance ?? 'round_robin',
      keepalive: spec.keepalive ?? 16,
      servers,
      directives: (spec.directives ?? []).map((d) => (d.trimEnd().endsWith(';') ? d.trimEnd() : `${d.trimEnd()};`)),
    },
    wouldBeEmpty: servers.length === 0 && !emptyAllowed,
    keptDraining,
  };
}

/** A node host's address: the declared Host's, or the pool machine's; `private` asks the host itself. */
async function addressOf(hostName: string, mode: 'host' | 'private', ctx: KindContext, cache: MemberCache, poolHost: PoolHost | undefined): Promise<string> {
  const host = ctx.resources.get<HostSpec>('Host', hostName);
  const machine = !host && poolHost?.machine ? poolHost : undefined;
  if (!host && !machine) throw new StalledError('ReferenceInvalid', `Host/${hostName} is not declared`);
  if (mode === 'host') {
    const address = host ? host.spec.address : machine?.address;
    if (!address) throw new WaitingError('DependencyNotReady', `machine ${hostName} has no address yet`);
    return address;
  }
  let found = cache.addresses.get(hostName);
  if (!found) {
    found = (async () => {
      const target = host ? await hostTarget(host, ctx.secrets) : machine?.target;
      if (!target) throw new WaitingError('DependencyNotReady', `machine ${hostName} cannot be reached over SSH yet`);
      const r = await ctx.drivers.ssh.exec(target, 'hostname -I', { timeoutMs: 15_000, signal: ctx.signal });
      const first = r.stdout.trim().split(/\s+/)[0];
      if (r.code !== 0 || !first) throw new FailedError('CommandFailed', `Host/${hostName}: hostname -I gave no address (${r.stderr.trim() || r.code})`);
      // the host's own answer goes into other hosts' upstream files: an IP literal or nothing (util/ip.ts)
      return checkedIp(first, host ? `Host/${hostName}` : `machine ${hostName}`, 'hostname -I');
    })();
    cache.addresses.set(hostName, found);
  }
  return found;
}
