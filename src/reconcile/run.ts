/**
 * The steps of one reconcile, shared by the CLI and the daemon: load -> plan -> apply -> summarise. Each step is
 * a function so `validate` stops after load, `plan` after plan, and the daemon's loop composes all of them.
 */
import { randomUUID } from 'node:crypto';
import { createEngine } from '../engine/index.js';
import type { EngineEvent, EngineOptions } from '../engine/types.js';
import type { InventoryEntry } from '../model/inventory.js';
import type { Plan, Problem, RunRecord, TaskResult } from '../model/plan.js';
import type { LoadResult, Settings } from '../loader/index.js';
import type { Revision } from '../source/types.js';
import { loadChecked } from './check.js';
import { createThrottledSaver } from './throttle.js';
import { createKindContext, type Runtime } from './runtime.js';
import { outcomeOf, summarize } from './summarize.js';

export function engineOptions(settings: Settings): EngineOptions {
  return {
    concurrency: settings.concurrency,
    retry: settings.retry,
    health: { timeoutMs: settings.health.timeoutSeconds * 1000, intervalMs: settings.health.intervalMs },
  };
}

export async function loadRevision(rt: Runtime, revision: Revision): Promise<LoadResult> {
  return loadChecked(revision.dir, rt.registry, {
    cache: rt.loadCache,
    ...(revision.files ? { files: revision.files } : {}),
    ...(rt.catalogue ? { catalogue: rt.catalogue } : {}),
  });
}

export interface PlanArgs {
  revision: Revision;
  load: LoadResult;
  signal: AbortSignal;
}

export async function planRevision(rt: Runtime, args: PlanArgs): Promise<Plan> {
  const inventory = inventoryMap(rt);
  const { engine, ctx } = engineFor(rt, args, inventory);
  return engine.plan({
    revision: args.revision.commit,
    resources: args.load.resources,
    inventory: [...inventory.values()],
    prune: args.load.settings.prune,
    ctx,
  });
}

/** One engine and kind context per step, configured from the revision's driftless.yaml. */
function engineFor(rt: Runtime, args: PlanArgs, inventory: ReadonlyMap<string, InventoryEntry>, runId?: string) {
  const engine = createEngine({ registry: rt.registry, options: engineOptions(args.load.settings) });
  const ctx = createKindContext(rt, {
    resources: args.load.resources,
    revision: args.revision.commit,
    ...(runId ? { runId } : { planning: true }),
    repoDir: args.revision.dir,
    signal: args.signal,
    inventory,
  });
  return { engine, ctx };
}

/** A copy of the inventory alone: the engine and kinds may hold it, and the rest of the journal is not needed. */
function inventoryMap(rt: Runtime): Map<string, InventoryEntry> {
  return new Map(Object.entries(rt.journal.peek((d) => structuredClone(d.inventory))));
}

export interface ApplyArgs extends PlanArgs {
  plan: Plan;
  trigger: string;
  onEvent?: (event: EngineEvent) => void;
  /** Called once the run has its id, before any task runs: lets the daemon list the run while it is going on. */
  onStart?: (run: { id: string; startedAt: string }) => void;
}

/** Inventory writes during an apply are at most this far apart (see throttle.ts for why losing them is safe). */
const INVENTORY_SAVE_MS = 250;

/** Applies exactly `plan`, persisting the inventory as tasks finish, then summarises into the journal. */
export async function applyRevision(rt: Runtime, args: ApplyArgs): Promise<RunRecord> {
  const startedAt = new Date();
  const live = inventoryMap(rt);
  // The id is known from the start, so what kinds record during the apply (e.g. nginx's operation log) names it.
  const runId = randomUUID();
  const { engine, ctx } = engineFor(rt, args, live, runId);
  args.onStart?.({ id: runId, startedAt: startedAt.toISOString() });
  await rt.journal.update((d) => {
    d.lastAttemptedRevision = args.revision.commit;
  });
  const saver = createThrottledSaver((inventory: InventoryEntry[]) => saveInventory(rt, inventory), INVENTORY_SAVE_MS);
  const outcome = await engine.apply({
    plan: args.plan,
    inventory: [...live.values()],
    prune: args.load.settings.prune,
    ctx,
    onEvent: args.onEvent,
    onInventory: (inventory) => {
      live.clear();
      for (const e of inventory) live.set(e.key, e);
      return saver.save(inventory);
    },
  });
  await saver.save(outcome.inventory);
  await saver.flush();
  return record(rt, { id: runId, revision: args.revision, trigger: args.trigger, startedAt, plan: args.plan, results: outcome.results });
}

/** Records a revision that failed to load: no resource status changes, the last good revision stays in force. */
export async function recordProblems(rt: Runtime, args: { revision: Revision; problems: Problem[]; trigger: string }): Promise<RunRecord> {
  return record(rt, { revision: args.revision, trigger: args.trigger, startedAt: new Date(), results: [], problems: args.problems });
}

async function saveInventory(rt: Runtime, inventory: InventoryEntry[]): Promise<void> {
  await rt.journal.update((d) => {
    d.inventory = Object.fromEntries(inventory.map((e) => [e.key, e]));
  });
}

async function record(
  rt: Runtime,
  args: { id?: string; revision: Revision; trigger: string; startedAt: Date; plan?: Plan; results: TaskResult[]; problems?: Problem[] },
): Promise<RunRecord> {
  const finishedAt = new Date();
  const problems = args.problems ?? [];
  const run: RunRecord = {
    id: args.id ?? randomUUID(),
    trigger: args.trigger,
    revision: args.revision.commit,
    startedAt: args.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - args.startedAt.getTime(),
    outcome: problems.length > 0 ? 'Stalled' : outcomeOf(args.results),
    counts: countBy(args.results),
    results: args.results,
    ...(problems.length > 0 ? { problems, message: `${problems.length} problem(s) in the config repo` } : {}),
  };
  await rt.journal.update((prev) =>
    summarize(prev, { run, plan: args.plan, results: args.results, problems, revision: args.revision.commit, now: run.finishedAt }),
  );
  return run;
}

function countBy(results: TaskResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}
