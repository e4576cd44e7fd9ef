/**
 * Apply executes exactly a plan, wave by wave, and never throws for one bad resource: every task ends as a
 * TaskResult. A failure skips only the resources that depend on it (transitively); independent ones still run.
 */
import pLimit from 'p-limit';
import { describe, PlanStaleError, type ReconcileError } from '../errors.js';
import type { KindModule } from '../kinds/types.js';
import type { InventoryEntry } from '../model/inventory.js';
import type { Task, TaskResult } from '../model/plan.js';
import type { ResourceKey } from '../model/resource.js';
import { sanitizeDeep } from '../util/sanitize.js';
import { digestOf } from './digest.js';
import { gateClass, runHealthGate, safeHealth, type GateVerdict } from './health-gate.js';
import { runPrunePhase } from './prune-phase.js';
import { replanTask } from './plan.js';
import { withRetry } from './retry.js';
import { fenceProblem, type ApplyContext } from './apply-context.js';
import type { ApplyInput, ApplyOutcome } from './types.js';

function baseResult(task: Task, started: number): Pick<TaskResult, 'key' | 'action' | 'wave' | 'durationMs' | 'source'> {
  return { key: task.key, action: task.action, wave: task.wave, durationMs: Date.now() - started, source: task.desired.source };
}

function observedDigestOf(mod: KindModule, observed: unknown): string | undefined {
  if (observed === undefined) return undefined;
  return mod.observedDigest ? mod.observedDigest(observed) : digestOf(observed);
}

/** Largest serialised detail kept; a kind that returns more is a bug, reported by omission rather than bloat. */
const DETAILS_MAX_CHARS = 4096;

/**
 * What the observation says in status: its digest and the kind's detail. A statusDetails that throws or returns
 * too much costs only the detail, never the task.
 */
function observedParts(mod: KindModule, observed: unknown): Pick<TaskResult, 'observedDigest' | 'details'> {
  const observedDigest = observedDigestOf(mod, observed);
  if (observed === undefined || !mod.statusDetails) return { observedDigest };
  try {
    const details = mod.statusDetails(observed);
    if (details === undefined || JSON.stringify(details).length > DETAILS_MAX_CHARS) return { observedDigest };
    return { observedDigest, details: sanitizeDeep(details) };
  } catch {
    return { observedDigest };
  }
}

function failure(err: ReconcileError, message = describe(err)): Pick<TaskResult, 'reason' | 'message' | 'disposition'> {
  return { reason: err.reason, message, disposition: err.disposition };
}

type Step = { done: TaskResult } | { gate: Task; attempts: number; started: number };

/** Runs one task up to (not including) the health gate. */
async function runTask(planned: Task, ac: ApplyContext, changed: ReadonlySet<ResourceKey>): Promise<Step> {
  let task = planned;
  const started = Date.now();
  const skipped = (reason: string, message: string): Step => ({
    done: { ...baseResult(task, started), status: 'skipped', reason, message, attempts: 0 },
  });
  if (ac.ctx.signal.aborted) return skipped('Cancelled', 'run cancelled before this task started');
  const fenced = fenceProblem(ac.ctx);
  if (fenced !== undefined) return skipped('NotLeader', fenced);
  const blocker = task.dependsOn.find((d) => ac.failedRoot.has(d));
  if (blocker !== undefined) {
    const root = ac.failedRoot.get(blocker) as ResourceKey;
    const via = root === blocker ? '' : ` (via ${blocker})`;
    return skipped('DependencyFailed', `dependency ${root} failed${via}`);
  }
  ac.emit({ type: 'task-start', task });
  if (task.error && task.dependsOn.some((d) => changed.has(d))) {
    // Observed before what it depends on existed (a swarm not yet initialised, a pool not yet placed): now that
    // this run applied those (directly or through a dependency), observe it again, visibly, rather than fail a
    // task the next run would apply.
    ac.emit({ type: 'plan-stale', key: task.key, message: `observed before its dependencies were applied: ${task.error.message}` });
    task = await replanTask(task, ac.registry, ac.ctx);
    ac.emit({ type: 'replanned', task });
  }
  if (task.error) {
    const { reason, message, disposition } = task.error;
    return { done: { ...baseResult(task, started), status: 'failed', reason, message, disposition, attempts: 0 } };
  }
  const mod = ac.registry.get(task.kind) as KindModule;
  if (task.action === 'noop') {
    const report = safeHealth(mod, task.observed);
    const cls = gateClass(report.status);
    if (cls === 'wait') return { gate: task, attempts: 0, started };
    const base = { ...baseResult(task, started), attempts: 0, health: report.status };
    const parts = observedParts(mod, task.observed);
    if (cls === 'fail') {
      const message = `health check failed: ${report.message ?? report.status}`;
      return { done: { ...base, status: 'failed', reason: 'HealthCheckFailed', message, disposition: 'waiting', ...parts } };
    }
    await ac.record(task, false);
    return { done: { ...base, status: 'noop', ...parts } };
  }
  const attempt = (t: Task) =>
    withRetry(() => mod.apply(t, ac.ctx), ac.options.retry, {
      sleep: ac.sleep,
      random: ac.random,
      signal: ac.ctx.signal,
      onRetry: (n, delayMs, err) => ac.emit({ type: 'task-retry', key: t.key, attempt: n, delayMs, message: describe(err) }),
    });
  let retried = await attempt(task);
  if (!retried.ok && retried.error instanceof PlanStaleError) {
    // Apply executes what the plan showed, or says it cannot: re-plan this one resource, visibly, and apply that.
    ac.emit({ type: 'plan-stale', key: task.key, message: retried.error.message });
    const fresh = await replanTask(task, ac.registry, ac.ctx);
    ac.emit({ type: 'replanned', task: fresh });
    if (fresh.error) {
      const { reason, message, disposition } = fresh.error;
      return { done: { ...baseResult(task, started), status: 'failed', reason, message, disposition, attempts: retried.attempts } };
    }
    if (fresh.action === 'noop') return { gate: fresh, attempts: retried.attempts, started };
    task = fresh;
    retried = await attempt(task);
  }
  if (!retried.ok) {
    const base = baseResult(task, started);
    return { done: { ...base, status: 'failed', ...failure(retried.error), attempts: retried.attempts } };
  }
  const saved = await ac.record(task, true);
  if (saved !== undefined) {
    const message = `applied, but the inventory could not be saved: ${saved}`;
    const base = { ...baseResult(task, started), attempts: retried.attempts };
    return { done: { ...base, status: 'failed', reason: 'InternalError', message, disposition: 'transient' } };
  }
  return { gate: task, attempts: retried.attempts, started };
}

/** Executes the plan; see index.ts for the whole algorithm. */
export async function applyPlan(input: ApplyInput, ac: ApplyContext): Promise<ApplyOutcome> {
  const byKey = new Map(input.plan.tasks.map((t) => [t.key, t] as const));
  const results = new Map<ResourceKey, TaskResult>();
  /** Resources this run changed, or that depend on one: a task whose observe failed before them is re-observed. */
  const changed = new Set<ResourceKey>();
  const finish = (r: TaskResult): void => {
    results.set(r.key, r);
    if (r.status === 'succeeded' || byKey.get(r.key)?.dependsOn.some((d) => changed.has(d))) changed.add(r.key);
    if (r.status === 'failed' || r.status === 'skipped') ac.failedRoot.set(r.key, rootOf(r, ac.failedRoot, byKey));
    ac.emit({ type: 'task-end', result: r });
  };
  const limit = pLimit(Math.max(1, ac.options.concurrency));
  for (const [wave, keys] of input.plan.waves.entries()) {
    const tasks = keys.map((k) => byKey.get(k)).filter((t): t is Task => t !== undefined);
    if (tasks.length === 0) continue;
    ac.emit({ type: 'wave-start', wave, keys: tasks.map((t) => t.key) });
    // Each result is reported the moment its task finishes, with its own duration, not when its wave ends.
    const steps = await Promise.all(
      tasks.map((t) =>
        limit(async () => {
          const step = await runTask(t, ac, changed);
          if ('done' in step) finish(step.done);
          return step;
        }),
      ),
    );
    // The task a step hands to the gate is the one it applied (a re-planned one after a stale plan), not the plan's.
    const gated = new Map<ResourceKey, { task: Task; attempts: number; started: number }>();
    for (const s of steps) if ('gate' in s) gated.set(s.gate.key, { task: s.gate, attempts: s.attempts, started: s.started });
    if (gated.size === 0) continue;
    const gateTasks = [...gated.values()].map((g) => g.task);
    const settling: Promise<void>[] = [];
    const settle = async (task: Task, v: GateVerdict): Promise<void> => {
      const g = gated.get(task.key) as { task: Task; attempts: number; started: number };
      const mod = ac.registry.get(task.kind) as KindModule;
      const base = { ...baseResult(task, g.started), attempts: g.attempts, health: v.health };
      const parts = v.observedKnown ? observedParts(mod, v.observed) : {};
      if (v.ok) {
        if (task.action === 'noop') await ac.record(task, false);
        finish({ ...base, status: task.action === 'noop' ? 'noop' : 'succeeded', ...parts, ...(task.reason ? { reason: task.reason } : {}) });
      } else {
        finish({ ...base, status: 'failed', reason: v.reason, message: v.message, disposition: 'waiting', ...parts });
      }
    };
    await runHealthGate(wave, gateTasks, {
      ...ac,
      health: ac.options.health,
      concurrency: ac.options.concurrency,
      onVerdict: (key, v) => settling.push(settle((gated.get(key) as { task: Task }).task, v)),
    });
    await Promise.all(settling);
  }
  const ordered = input.plan.tasks.map((t) => results.get(t.key)).filter((r): r is TaskResult => r !== undefined);
  const pruned = await runPrunePhase(input, ac, ordered, input.plan.waves.length);
  return { results: [...ordered, ...pruned], inventory: ac.inventoryList() };
}

/** The resource whose failure caused this one: itself when it failed, its blocker's root when it was skipped. */
function rootOf(r: TaskResult, failedRoot: Map<ResourceKey, ResourceKey>, byKey: Map<ResourceKey, Task>): ResourceKey {
  if (r.status !== 'skipped' || r.reason !== 'DependencyFailed') return r.key;
  const blocker = byKey.get(r.key)?.dependsOn.find((d) => failedRoot.has(d));
  return blocker === undefined ? r.key : (failedRoot.get(blocker) ?? blocker);
}
