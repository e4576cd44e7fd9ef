/**
 * Which pool nodes are out of rotation: being drained by `unregister`, or started and not registered yet. Service
 * discovery (nginx upstreams, SLB backends) leaves them out whatever their health says, so membership follows
 * completed registration and health, not health alone: after a failed expand the next run used to find the node
 * healthy and put it in the upstream although its `register` step never ran.
 *
 * Kept in the state store (`pools/rotation.json`, changed by read-modify-write) so a crash or restart between "held"
 * and "registered" keeps the node out until a run registers it. Keys are `<pool>/<node>`. Every call reads the
 * store: no copy in memory goes stale when another process (a later leader) changed the set.
 */
import { getJson, updateJson, type StateStore } from '../../store/index.js';

/** A set of `<pool>/<node>` keys held in the state store. */
export interface RotationSet {
  /** The keys out of rotation now. */
  keys(): Promise<ReadonlySet<string>>;
  add(...keys: string[]): Promise<void>;
  delete(...keys: string[]): Promise<void>;
  /** Keys of one pool's nodes. */
  ofPool(pool: string): Promise<string[]>;
}

const NS = 'pools';
const KEY = 'rotation.json';

const asKeys = (data: unknown): string[] => (Array.isArray(data) ? data.filter((k): k is string => typeof k === 'string') : []);

/** The out-of-rotation set kept in `store`. */
export function outOfRotation(store: StateStore): RotationSet {
  const change = async (fn: (keys: Set<string>) => boolean): Promise<void> => {
    await updateJson<unknown>(store, NS, KEY, (cur) => {
      const keys = new Set(asKeys(cur));
      return fn(keys) ? [...keys].sort() : undefined;
    });
  };
  const keys = async (): Promise<ReadonlySet<string>> => new Set(asKeys(await getJson<unknown>(store, NS, KEY)));
  return {
    keys,
    add: (...add) => change((set) => add.filter((k) => !set.has(k) && set.add(k)).length > 0),
    delete: (...del) => change((set) => del.filter((k) => set.delete(k)).length > 0),
    ofPool: async (pool) => [...(await keys())].filter((k) => k.startsWith(`${pool}/`)),
  };
}

/** What a flow does about rotation beyond its own steps (see `rotationPlan`). */
export interface RotationPlan {
  /** Index of the step before which the node is taken out of rotation (unregister), when the flow does not. */
  drainBefore?: number;
  /** Register the node once the whole flow succeeded, since no step of it does. */
  registerAtEnd: boolean;
}

interface StepLike {
  builtin?: string;
}

/**
 * Membership stays health-gated whatever the template says: a flow that stops a node without unregistering it first
 * (OpenDCP's own default upgrade is just stop + start) gets an implicit unregister before the stop, and a flow that
 * starts a node without a register step registers it once every step passed. Without a discovery hook, nothing.
 */
export function rotationPlan(steps: readonly StepLike[], discovery: boolean): RotationPlan {
  if (!discovery) return { registerAtEnd: false };
  const firstStop = steps.findIndex((s) => s.builtin === 'stop_service');
  const unregisteredFirst = firstStop >= 0 && steps.slice(0, firstStop).some((s) => s.builtin === 'unregister');
  const starts = steps.some((s) => s.builtin === 'start_service');
  const registers = steps.some((s) => s.builtin === 'register');
  return {
    ...(firstStop >= 0 && !unregisteredFirst ? { drainBefore: firstStop } : {}),
    registerAtEnd: starts && !registers,
  };
}
