/**
 * Planning: observe every declared resource (bounded concurrency), diff each purely, and list what prune would
 * do. Nothing changes in the world. A resource that cannot be observed does not sink the plan: its task carries
 * an `error` and apply reports it failed and skips its dependents.
 */
import pLimit from 'p-limit';
import { classify, describe } from '../errors.js';
import type { KindRegistry } from '../kinds/types.js';
import type { Plan, Task, TaskError } from '../model/plan.js';
import type { Resource, ResourceKey } from '../model/resource.js';
import { resourceDigest } from './digest.js';
import { buildGraph, moduleOf, type ResourceGraph } from './graph.js';
import { applyOrder } from './order.js';
import { planPrune } from './prune.js';
import type { PlanInput } from './types.js';

function taskError(stage: 'observe' | 'diff', err: unknown): TaskError {
  const e = classify(err);
  return { reason: e.reason, message: `${stage} failed: ${describe(err)}`, disposition: e.disposition };
}

const placeOf = (graph: ResourceGraph, key: ResourceKey) => ({ wave: graph.wave.get(key) ?? 0, dependsOn: graph.deps.get(key) ?? [] });

/** Observes and diffs one resource at its place in the graph (wave, what it depends on). */
async function planOne(res: Resource, place: { wave: number; dependsOn: ResourceKey[] }, registry: KindRegistry, ctx: PlanInput['ctx']): Promise<Task> {
  const key = `${res.kind}/${res.metadata.name}`;
  const base = { key, kind: res.kind, name: res.metadata.name, ...place, digest: resourceDigest(res), desired: res };
  const mod = moduleOf(registry, res.kind);
  let observed: unknown;
  try {
    observed = await mod.observe(res, ctx);
  } catch (err) {
    return { ...base, action: 'noop', changes: [], reason: 'ObserveFailed', error: taskError('observe', err) };
  }
  try {
    const outcome = mod.diff(res, observed);
    const task: Task = { ...base, action: outcome.action, changes: outcome.changes, observed };
    if (outcome.reason !== undefined) task.reason = outcome.reason;
    if (outcome.message !== undefined) task.message = outcome.message;
    return task;
  } catch (err) {
    return { ...base, action: 'noop', changes: [], observed, reason: 'InternalError', error: taskError('diff', err) };
  }
}

/** Observes and diffs one task's resource again (after a kind said its plan is stale), keeping its place in the graph. */
export function replanTask(task: Task, registry: KindRegistry, ctx: PlanInput['ctx']): Promise<Task> {
  return planOne(task.desired, { wave: task.wave, dependsOn: task.dependsOn }, registry, ctx);
}

/** Builds the plan; throws only for whole-revision problems (a dependency cycle, an unregistered kind). */
export async function planRevision(
  input: PlanInput,
  registry: KindRegistry,
  concurrency: number,
  now: () => Date = () => new Date(),
): Promise<Plan> {
  const graph = buildGraph(input.resources, registry);
  const limit = pLimit(Math.max(1, concurrency));
  const tasks = await Promise.all(input.resources.map((res) => limit(() => planOne(res, placeOf(graph, `${res.kind}/${res.metadata.name}`), registry, input.ctx))));
  const ordered = applyOrder(tasks, registry);
  const waves: string[][] = graph.waves.map(() => []);
  for (const t of ordered) waves[t.wave]?.push(t.key);
  return {
    revision: input.revision,
    createdAt: now().toISOString(),
    waves,
    tasks: ordered,
    prune: planPrune(input.resources, input.inventory, input.prune, registry),
  };
}
