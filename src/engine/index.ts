/**
 * The engine: plan, then apply exactly that plan.
 *
 * Algorithm
 * 1. Graph. Nodes are the declared resources; edges come from each kind's `dependencies(res)` (references to
 *    undeclared resources are ignored: the loader reports them). A resource's wave is 1 + the highest wave of its
 *    dependencies (longest path), roots are wave 0. A cycle throws StalledError('DependencyCycle') naming the path.
 * 2. Order. One sort key everywhere: wave, then the kind's `order`, then key. Prune uses the exact reverse.
 * 3. Plan. Observe every resource with at most `concurrency` at once, then call the kind's pure `diff`. An observe
 *    (or diff) that throws does not fail the plan: the task gets action 'noop', reason 'ObserveFailed' and an
 *    `error` {reason, message, disposition}; `isNoop(plan)` is then false. Task.digest is the stable sha256 of
 *    {apiVersion, kind, name, labels, spec}. Prune tasks are inventory entries no longer declared; each is allowed
 *    only if policy, kind support and the `driftless.dev/prune` annotation all agree, and never when the source
 *    declares nothing while the inventory is not empty (fail closed).
 * 4. Apply, wave by wave; inside a wave at most `concurrency` tasks at once:
 *    - cancelled (ctx.signal) -> 'skipped' Cancelled; a dependency failed or skipped -> 'skipped' DependencyFailed
 *      naming the root failure (only transitive dependents, never whole later waves);
 *    - a task with a plan-time error -> 'failed' with that error, the kind is not called;
 *    - 'noop' -> not applied; its health is the plan-time observation's: Healthy/Suspended -> 'noop', Degraded ->
 *      'failed' HealthCheckFailed, anything else joins the health gate (re-observed like an applied task);
 *    - otherwise `apply` with retries for transient errors only (exponential backoff, full jitter, injectable
 *      sleep that the signal interrupts); on success the inventory entry is written and `onInventory` awaited.
 *    Health gate: after the wave's tasks, re-observe the applied ones and poll `health()` every intervalMs until
 *    Healthy (succeeded), Degraded (failed HealthCheckFailed) or timeoutMs (failed HealthCheckTimeout). The next
 *    wave starts only after the gate.
 * 5. Prune, last, in reverse order, only allowed tasks and only when every task succeeded: `remove(entry)` with
 *    the same retry; success drops the entry (persisted), failure keeps it ('prune-failed').
 * Nothing about one resource ever throws out of apply; every task ends as a TaskResult.
 */
import { createApplyContext } from './apply-context.js';
import { applyPlan } from './apply.js';
import { planRevision } from './plan.js';
import { realSleep } from './retry.js';
import type { Engine, EngineDeps } from './types.js';

/** Creates an engine bound to a kind registry and options; time and randomness are injectable for tests. */
export function createEngine(deps: EngineDeps): Engine {
  const sleep = deps.sleep ?? realSleep;
  const random = deps.random ?? Math.random;
  const now = (): Date => new Date();
  return {
    plan: (input) => planRevision(input, deps.registry, deps.options.concurrency, now),
    apply: (input) =>
      applyPlan(input, createApplyContext(input, { registry: deps.registry, options: deps.options, sleep, random, now })),
  };
}

export { buildGraph, transitiveDependents, type ResourceGraph } from './graph.js';
export { applyOrder, pruneOrder, compareOrder } from './order.js';
export { digestOf, resourceDigest, stableStringify } from './digest.js';
export { backoffDelay, withRetry, realSleep } from './retry.js';
export type * from './types.js';
