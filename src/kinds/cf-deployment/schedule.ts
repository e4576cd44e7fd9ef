/**
 * The install schedule: components in dependency order (independent ones in parallel), BOSH's update semantics
 * inside each component (canaries first, then batches of maxInFlight; a failure stops that component and skips
 * what depends on it), `serial` components alone, and one task per host at a time (a host lock).
 */
import pLimit from 'p-limit';
import { needsOf, type ComponentName } from './components.js';
import type { CountOrPercent, Instance, UpdatePolicy } from './spec.js';

export interface ScheduleResult {
  failed: { instance: Instance; error: string }[];
  skipped: { instance: Instance; reason: string }[];
}

/** BOSH: a percentage is `floor(pct * size / 100)`, capped at size. */
export function countOf(v: CountOrPercent | undefined, size: number, fallback: number): number {
  if (v === undefined) return Math.min(fallback, size);
  if (typeof v === 'number') return Math.min(v, size);
  return Math.min(Math.floor((parseInt(v, 10) * size) / 100), size);
}

/** Serialises work per key: the same host never runs two install steps at once. */
export function createKeyedLock(): <T>(key: string, fn: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<unknown>>();
  return async (key, fn) => {
    const prev = tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    tails.set(key, prev.then(() => mine));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  };
}

export type InstallOne = (inst: Instance, canary: boolean) => Promise<void>;

async function runComponent(
  list: Instance[],
  policy: UpdatePolicy,
  install: InstallOne,
  errors: ScheduleResult['failed'],
  attempted: Set<Instance>,
): Promise<boolean> {
  const ordered = [...list].sort((a, b) => a.index - b.index);
  const inFlight = Math.max(1, countOf(policy.maxInFlight, ordered.length, 1));
  const limit = pLimit(inFlight);
  const run = async (batch: Instance[], canary: boolean): Promise<boolean> => {
    const results = await Promise.all(
      batch.map((i) =>
        limit(async () => {
          attempted.add(i);
          try {
            await install(i, canary);
            return true;
          } catch (err) {
            errors.push({ instance: i, error: err instanceof Error ? err.message : String(err) });
            return false;
          }
        }),
      ),
    );
    return results.every(Boolean);
  };
  // etcd: the first host leads and is installed alone before the members join it.
  if (ordered[0]?.component === 'etcd' && ordered[0].index === 0 && ordered.length > 1) {
    if (!(await run([ordered.shift() as Instance], true))) return false;
  }
  const canaries = countOf(policy.canaries, ordered.length, 1);
  if (!(await run(ordered.slice(0, canaries), true))) return false;
  return run(ordered.slice(canaries), false);
}

/** Runs every install; resolves when all are done, failed or skipped. */
export async function runSchedule(
  instances: Instance[],
  declared: ComponentName[],
  policyOf: (c: ComponentName) => UpdatePolicy,
  install: InstallOne,
): Promise<ScheduleResult> {
  const result: ScheduleResult = { failed: [], skipped: [] };
  const declaredSet = new Set<string>(declared);
  const todo = new Map<ComponentName, Instance[]>();
  for (const i of instances) {
    const c = i.component as ComponentName;
    todo.set(c, [...(todo.get(c) ?? []), i]);
  }
  const done = new Set<ComponentName>(declared.filter((c) => !todo.has(c)));
  const failed = new Set<ComponentName>();
  const running = new Map<ComponentName, Promise<void>>();
  let serialRunning = false;
  const attempted = new Set<Instance>();
  while (todo.size > 0 || running.size > 0) {
    for (const [c, list] of [...todo]) {
      const needs = needsOf(c, declaredSet);
      const broken = needs.find((n) => failed.has(n));
      if (broken) {
        todo.delete(c);
        failed.add(c);
        for (const i of list) result.skipped.push({ instance: i, reason: `dependency ${broken} failed` });
        continue;
      }
      if (!needs.every((n) => done.has(n))) continue;
      const serial = policyOf(c).serial === true;
      if (serialRunning || (serial && running.size > 0)) continue;
      todo.delete(c);
      if (serial) serialRunning = true;
      running.set(
        c,
        runComponent(list, policyOf(c), install, result.failed, attempted).then((ok) => {
          (ok ? done : failed).add(c);
          if (!ok) {
            for (const i of list) if (!attempted.has(i)) result.skipped.push({ instance: i, reason: `${c} stopped after a failed canary or batch` });
          }
          if (serial) serialRunning = false;
          running.delete(c);
        }),
      );
    }
    if (running.size === 0) {
      // Nothing can start: the rest wait on components that cannot finish (should not happen with a known graph).
      for (const [c, list] of todo) for (const i of list) result.skipped.push({ instance: i, reason: `${c} waits on components that did not finish` });
      break;
    }
    await Promise.race(running.values());
  }
  return result;
}
