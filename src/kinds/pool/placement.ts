/**
 * Pure placement: from the nodes found on the hosts and the desired count, which nodes to create (host + ordinal),
 * remove, restore and roll. It is the whole reconciler decision, so plan and apply share it and tests read it as a
 * table. Ordinals are unique per pool (the container is named `<pool>-<ordinal>`), so a node started just before a
 * crash is found by the next observe and never started twice.
 */
import type { NodeObserved, PoolSpec } from './spec.js';

/** What placement decides from: the pool's count knobs, the hosts that answered and the nodes found on them. */
export interface PlacementInput {
  spec: Pick<PoolSpec, 'mode' | 'replicas' | 'maxPerHost' | 'shrinkOrder'> & { container?: Pick<PoolSpec['container'], 'network'> };
  pool: string;
  /** Eligible hosts that answered, sorted by name. */
  eligible: string[];
  /** Every node found on hosts that answered (eligible or not). */
  nodes: NodeObserved[];
  specDigest: string;
  /** New machines may be made for nodes that find no host (the pool draws from a machine template). */
  grow?: boolean;
  /** Which eligible hosts are machines the pool made: returned once no node is left on them. */
  machines?: string[];
}

/** Where a new node goes: host, pool-unique ordinal, container name. */
export interface NodeSlot {
  host: string;
  ordinal: number;
  name: string;
  /** The host is a machine made for this node (named `<pool>-<ordinal>` like it). */
  newMachine?: boolean;
}

/** The whole decision for one run. */
export interface PlacementPlan {
  desired: number;
  create: NodeSlot[];
  remove: NodeObserved[];
  /** Nodes that are not running (stopped or removed by hand counts as drift): recreated in place. */
  restore: NodeObserved[];
  /** Running nodes with another spec digest: replaced by the rolling deploy. */
  stale: NodeObserved[];
  /** Nodes that could not be placed (not enough hosts or maxPerHost reached). */
  unplaced: number;
  /** The pool's machines no node is left on after this run: stopped and deleted once the shrink steps ran. */
  release: string[];
}

/** Desired nodes: in one-per-host mode at most one per eligible host that answered, unless machines can be made. */
export function desiredCount(spec: PlacementInput['spec'], eligible: number, grow = false): number {
  if (grow) return spec.replicas ?? 0;
  if ((spec.mode ?? 'one-per-host') === 'one-per-host') return Math.min(spec.replicas ?? eligible, eligible);
  return spec.replicas ?? 0;
}

/**
 * Removal order: nodes that are down or failing their probe go first, then nodes on an old spec (so a crash during a surge rollout keeps
 * the new nodes), then by shrinkOrder (created time, then ordinal).
 */
function byRemovalPreference(order: 'newest-first' | 'oldest-first', digest: string): (a: NodeObserved, b: NodeObserved) => number {
  const sign = order === 'newest-first' ? -1 : 1;
  return (a, b) => {
    const bad = (n: NodeObserved): number => Number(n.state !== 'running' || n.healthy === false);
    const down = bad(b) - bad(a);
    if (down !== 0) return down;
    const stale = Number(b.specDigest !== digest) - Number(a.specDigest !== digest);
    if (stale !== 0) return stale;
    const t = a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.ordinal - b.ordinal;
    return sign * t;
  };
}

/**
 * The most nodes one host carries. Nodes on the host's network share its ports: two of one pool on one host made the
 * second crash-loop on "address in use" while the first answered its health check for it, so a fixed pool on the
 * host network spreads one per host unless maxPerHost says otherwise (validate refuses that with a port check).
 */
export function perHost(spec: PlacementInput['spec']): number {
  if ((spec.mode ?? 'one-per-host') === 'one-per-host') return 1;
  if (spec.maxPerHost !== undefined) return spec.maxPerHost;
  return spec.container && (spec.container.network ?? 'host') === 'host' ? 1 : Number.POSITIVE_INFINITY;
}

/** Decides creations (least loaded host first), removals (ineligible hosts, per-host excess, surplus), restores and stale nodes. */
export function placeNodes(input: PlacementInput): PlacementPlan {
  const { spec, eligible } = input;
  const mode = spec.mode ?? 'one-per-host';
  const prefer = byRemovalPreference(spec.shrinkOrder ?? 'newest-first', input.specDigest);
  const eligibleSet = new Set(eligible);
  const remove: NodeObserved[] = input.nodes.filter((n) => !eligibleSet.has(n.host));
  let keep = input.nodes.filter((n) => eligibleSet.has(n.host));
  const perHostLimit = perHost(spec);
  for (const host of eligible) {
    const here = keep.filter((n) => n.host === host).sort(prefer);
    const extra = here.slice(0, Math.max(0, here.length - perHostLimit));
    remove.push(...extra);
    keep = keep.filter((n) => !extra.includes(n));
  }
  const desired = desiredCount(spec, eligible.length, input.grow);
  if (keep.length > desired) {
    const surplus = [...keep].sort(prefer).slice(0, keep.length - desired);
    remove.push(...surplus);
    keep = keep.filter((n) => !surplus.includes(n));
  }
  const used = new Set(input.nodes.map((n) => n.ordinal));
  const taken = new Set(eligible);
  const takeOrdinal = (ok: (o: number) => boolean = () => true): number => {
    let o = 0;
    while (used.has(o) || !ok(o)) o++;
    used.add(o);
    return o;
  };
  const ownOrdinal = (host: string): number | undefined => {
    const m = host.startsWith(`${input.pool}-`) ? /^\d+$/.exec(host.slice(input.pool.length + 1)) : null;
    return m && !used.has(Number(m[0])) ? Number(m[0]) : undefined;
  };
  const load = new Map(eligible.map((h) => [h, keep.filter((n) => n.host === h).length]));
  const create: NodeSlot[] = [];
  let missing = desired - keep.length;
  while (missing > 0) {
    const host = [...load.entries()]
      .filter(([, count]) => count < perHostLimit)
      .sort(([ha, a], [hb, b]) => a - b || (ha < hb ? -1 : 1))[0]?.[0];
    if (host === undefined && !input.grow) break;
    if (host === undefined) {
      const ordinal = takeOrdinal((o) => !taken.has(`${input.pool}-${o}`));
      const name = `${input.pool}-${ordinal}`;
      taken.add(name);
      create.push({ host: name, ordinal, name, newMachine: true });
      load.set(name, 1);
    } else {
      const own = input.machines?.includes(host) ? ownOrdinal(host) : undefined;
      const ordinal = own ?? takeOrdinal();
      used.add(ordinal);
      create.push({ host, ordinal, name: `${input.pool}-${ordinal}` });
      load.set(host, (load.get(host) ?? 0) + 1);
    }
    missing--;
  }
  const occupied = new Set([...keep.map((n) => n.host), ...create.map((c) => c.host)]);
  const byOrdinal = (a: NodeObserved, b: NodeObserved): number => a.ordinal - b.ordinal;
  return {
    desired,
    create,
    remove,
    restore: keep.filter((n) => n.state !== 'running').sort(byOrdinal),
    stale: keep.filter((n) => n.state === 'running' && n.specDigest !== input.specDigest).sort(byOrdinal),
    unplaced: missing,
    release: (input.machines ?? []).filter((m) => !occupied.has(m)),
  };
}
