/**
 * Which pool nodes are out of rotation: being drained by `unregister`, or started and not registered yet. Service
 * discovery (nginx upstreams, SLB backends) leaves them out whatever their health says, so membership follows
 * completed registration and health, not health alone: after a failed expand the next run used to find the node
 * healthy and put it in the upstream although its `register` step never ran.
 *
 * Kept in `<state-dir>/pools/rotation.json` (written on every change, atomically) so a crash or restart between
 * "held" and "registered" keeps the node out until a run registers it. Keys are `<pool>/<node>`.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A set of `<pool>/<node>` keys that writes itself through to the state dir. */
export interface RotationSet {
  has(key: string): boolean;
  add(key: string): void;
  delete(key: string): void;
  /** Keys of one pool's nodes. */
  ofPool(pool: string): string[];
}

const sets = new Map<string, RotationSet>();

/** The out-of-rotation set of a state dir (one per process and state dir). */
export function outOfRotation(stateDir: string): RotationSet {
  let set = sets.get(stateDir);
  if (!set) sets.set(stateDir, (set = openRotation(join(stateDir, 'pools', 'rotation.json'))));
  return set;
}

function openRotation(file: string): RotationSet {
  const keys = new Set<string>(readKeys(file));
  const save = (): void => {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify([...keys].sort())}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  };
  return {
    has: (key) => keys.has(key),
    add(key) {
      if (keys.has(key)) return;
      keys.add(key);
      save();
    },
    delete(key) {
      if (!keys.delete(key)) return;
      save();
    },
    ofPool: (pool) => [...keys].filter((k) => k.startsWith(`${pool}/`)),
  };
}

function readKeys(file: string): string[] {
  try {
    const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return Array.isArray(data) ? data.filter((k): k is string => typeof k === 'string') : [];
  } catch {
    return [];
  }
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
