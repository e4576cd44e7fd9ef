/**
 * The last step of apply: remove what is no longer declared, in prune order, only where the plan allowed it and
 * only after every task succeeded (a half-applied revision never deletes: a renamed resource whose new copy failed
 * must keep its old one). A failed removal keeps its inventory entry so the next run tries again.
 */
import { describe } from '../errors.js';
import type { KindModule } from '../kinds/types.js';
import type { TaskResult } from '../model/plan.js';
import { fenceProblem, type ApplyContext } from './apply-context.js';
import { withRetry } from './retry.js';
import type { ApplyInput } from './types.js';

/** Runs the plan's prune tasks and returns one result each. */
export async function runPrunePhase(
  input: ApplyInput,
  ac: ApplyContext,
  applied: TaskResult[],
  wave: number,
): Promise<TaskResult[]> {
  const out: TaskResult[] = [];
  const unfinished = applied.filter((r) => r.status === 'failed' || r.status === 'skipped').length;
  for (const task of input.plan.prune) {
    const started = Date.now();
    const base = { key: task.key, action: 'delete' as const, wave, attempts: 0 };
    const skip = (reason: string, message: string): TaskResult => ({
      ...base,
      status: 'prune-skipped',
      reason,
      message,
      durationMs: Date.now() - started,
    });
    const entry = ac.inventoryEntry(task.key);
    if (!task.allowed) out.push(skip('PruneDisabled', task.reason));
    else if (ac.ctx.signal.aborted) out.push(skip('Cancelled', 'run cancelled before pruning'));
    else if (fenceProblem(ac.ctx) !== undefined) out.push(skip('NotLeader', fenceProblem(ac.ctx)!));
    else if (unfinished > 0) out.push(skip('DependencyFailed', `prune deferred: ${unfinished} task(s) did not succeed`));
    else if (!entry) out.push(skip('PruneDisabled', 'not in the inventory any more'));
    else {
      ac.emit({ type: 'prune-start', key: task.key });
      const mod = ac.registry.get(task.kind) as KindModule;
      const retried = await withRetry(async () => mod.remove?.(entry, ac.ctx), ac.options.retry, {
        sleep: ac.sleep,
        random: ac.random,
        signal: ac.ctx.signal,
        onRetry: (attempt, delayMs, err) =>
          ac.emit({ type: 'task-retry', key: task.key, attempt, delayMs, message: describe(err) }),
      });
      let result: TaskResult;
      if (retried.ok) {
        const saveError = await ac.forget(task.key);
        result = { ...base, status: 'pruned', attempts: retried.attempts, durationMs: Date.now() - started };
        if (saveError !== undefined) result.message = `removed, but the inventory could not be saved: ${saveError}`;
      } else {
        result = {
          ...base,
          status: 'prune-failed',
          reason: 'PruneFailed',
          message: `remove failed: ${describe(retried.error)}`,
          disposition: retried.error.disposition,
          attempts: retried.attempts,
          durationMs: Date.now() - started,
        };
      }
      ac.emit({ type: 'prune-end', result });
      out.push(result);
    }
  }
  return out;
}
