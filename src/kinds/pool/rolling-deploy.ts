/**
 * The rolling deploy: stale nodes are replaced batch by batch, each batch's flow ending with its health check
 * before the next starts, never more than maxUnavailable down (nodes already failing when the rollout starts
 * count, as apply observed them, and so does every node whose replacement failed; the hosts are not observed again
 * between batches). With maxSurge (fixed mode) a batch first starts new nodes in new slots and retires as many
 * stale ones once those are healthy. When
 * failures exceed maxFailureRatio the rollout stops: `pause` leaves the nodes it has not reached on the previous
 * spec; `rollback` also puts the nodes it changed back on the spec driftless last applied (a pool following its
 * ImageProject's builds: on the image each node ran before the rollout).
 */
import { StalledError, WaitingError } from '../../errors.js';
import type { Resource } from '../../model/resource.js';
import type { KindContext } from '../types.js';
import { createNodeActions } from './builtin-steps.js';
import { knownNodes, observePool } from './observe.js';
import { placeNodes, type NodeSlot } from './placement.js';
import { nodeSpecDigest, resolveFlows, resolveImage, type PoolFlows } from './resolve.js';
import { failureExceeded, nextBatchSize, resolveCount } from './batch-sizing.js';
import { runAll, type FlowResult, type NodeJob, type RunnerEnv } from './flow-runner.js';
import type { PoolObserved, PoolSpec } from './spec.js';

/** What one rolling deploy works on: the stale nodes' jobs and how to make jobs for surge slots. */
export interface Rollout {
  res: Resource<PoolSpec>;
  flows: PoolFlows;
  queue: NodeJob[];
  env: RunnerEnv;
  total: number;
  jobOf: (n: NodeSlot) => Promise<NodeJob>;
  /** The pool as apply observed it before its shrink, restores and expands, and the nodes that shrink removed. */
  startedFrom?: { observed: PoolObserved; removed: string[] };
}

/** Runs the rollout; throws StalledError (HealthCheckFailed) when it stops, WaitingError when too many nodes are down to start. */
export async function rollingDeploy(r: Rollout): Promise<void> {
  const { res, flows, queue, env, total } = r;
  const rollout = res.spec.rollout ?? {};
  const pending = [...queue];
  const changed: NodeJob[] = [];
  const failedSurge: NodeJob[] = [];
  let rolled = 0;
  const errors: string[] = [];
  const surge = res.spec.mode === 'fixed' ? resolveCount(rollout.maxSurge, total, 0, 'up') : 0;
  const downAtStart = pending.length > 0 ? await unavailableAtStart(r) : 0;
  const ranBefore = imagesBefore(r);
  while (pending.length > 0) {
    const now = surge > 0 ? await observePool(res, env.ctx, env.hooks) : undefined;
    const unavailable = now ? unavailableNodes(now) : downAtStart + errors.length;
    const surgeSlots = now ? surgePlacement(res, now, Math.min(surge, nextBatchSize(rollout, total, rolled, 0, pending.length))) : [];
    let results: FlowResult[];
    if (surgeSlots.length > 0) {
      const fresh = await Promise.all(surgeSlots.map((s) => r.jobOf(s)));
      const retire = pending.splice(0, fresh.length);
      env.ctx.logger.info({ pool: res.metadata.name, start: fresh.map((j) => j.ref.name), retire: retire.map((j) => j.ref.name) }, 'pool surge batch');
      results = await runAll(flows.expand, fresh, env);
      const ok = fresh.filter((_, i) => results[i]?.ok);
      changed.push(...ok);
      failedSurge.push(...fresh.filter((_, i) => !results[i]?.ok));
      results.push(...(await runAll(flows.shrink, retire.slice(0, ok.length), env)));
      pending.unshift(...retire.slice(ok.length));
      rolled += fresh.length;
    } else {
      const size = nextBatchSize(rollout, total, rolled, unavailable, pending.length);
      if (size === 0) {
        throw new WaitingError('HealthCheckFailed', `pool ${res.metadata.name}: ${unavailable} node(s) unavailable, maxUnavailable reached; ${pending.length} node(s) wait for the rollout`);
      }
      const batch = pending.splice(0, size);
      env.ctx.logger.info({ pool: res.metadata.name, batch: batch.map((j) => j.ref.name) }, 'pool rollout batch');
      results = await runAll(flows.deploy, batch, env);
      changed.push(...batch);
      rolled += batch.length;
    }
    const failures = results.filter((x) => !x.ok);
    errors.push(...failures.map((f) => `${f.node}: ${f.error}`));
    if (failureExceeded(errors.length, rolled, rollout.maxFailureRatio)) {
      const stopped = `pool ${res.metadata.name}: rollout stopped after ${rolled} of ${queue.length} node(s), ${errors.length} failed (${errors.join('; ')})`;
      if (rollout.failureAction === 'rollback') {
        const outcome = await rollBack(res, changed, failedSurge, env, ranBefore);
        throw new StalledError('HealthCheckFailed', `${stopped}; ${outcome}; ${pending.length} node(s) were not touched`);
      }
      throw new StalledError('HealthCheckFailed', `${stopped}; ${pending.length} node(s) left on the previous spec`);
    }
  }
}

/**
 * Nodes unavailable as the rollout starts, from apply's observation when given (no second round of SSH): the nodes
 * it found down were restored or removed and its new ones were health-checked, so the running nodes that failed
 * their probe and were not removed are the ones still down. Without it the hosts are observed again.
 */
async function unavailableAtStart(r: Rollout): Promise<number> {
  if (!r.startedFrom) return unavailableNodes(await observePool(r.res, r.env.ctx, r.env.hooks));
  const removed = new Set(r.startedFrom.removed);
  return knownNodes(r.startedFrom.observed).filter((n) => n.state === 'running' && n.healthy === false && !removed.has(n.name)).length;
}

/** Nodes down or failing their probe: they count against maxUnavailable. */
function unavailableNodes(observed: PoolObserved): number {
  return knownNodes(observed).filter((n) => n.state !== 'running' || n.healthy === false).length;
}

/** New slots for a surge batch: placement as if the pool were `extra` nodes larger. */
function surgePlacement(res: Resource<PoolSpec>, now: PoolObserved, extra: number): NodeSlot[] {
  const nodes = knownNodes(now);
  return placeNodes({
    spec: { ...res.spec, replicas: nodes.length + extra },
    pool: res.metadata.name,
    eligible: now.eligible,
    nodes,
    specDigest: now.specDigest,
  }).create;
}

/**
 * Puts changed nodes back on the last applied spec (the inventory's), through its deploy flow; surge nodes that
 * never became healthy are shrunk (their old counterparts were not retired). Returns what happened, for the message.
 */
async function rollBack(res: Resource<PoolSpec>, changed: NodeJob[], failedSurge: NodeJob[], env: RunnerEnv, ranBefore: Map<string, string>): Promise<string> {
  const ctx: KindContext = env.ctx;
  const previous = ctx.inventory.get(`Pool/${res.metadata.name}`)?.resource as Resource<PoolSpec> | undefined;
  if (!previous) return 'no previously applied spec to roll back to, nodes left as they are';
  const prevImage = previous.spec.container.image;
  let pinned: string | undefined;
  if (typeof prevImage === 'string' || prevImage.tag) {
    try {
      pinned = resolveImage(previous.spec, ctx.resources);
    } catch (err) {
      return `cannot roll back: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  // A pool following its ImageProject's builds has no reference to go back to in its spec (the project has moved
  // on): each node returns to the image it ran before the rollout (its label), a surge node to the most common one.
  const fallback = pinned ?? mostCommon([...ranBefore.values()]);
  if (!fallback) return 'cannot roll back: the image the nodes ran before the rollout is not known, nodes left as they are';
  const prevFlows = resolveFlows(previous.spec, ctx.resources);
  const flows = prevFlows.templateProblems.length === 0 ? prevFlows.flows : resolveFlows(res.spec, ctx.resources).flows;
  const byImage = new Map<string, NodeJob[]>();
  for (const j of changed) {
    const image = pinned ?? ranBefore.get(j.ref.name) ?? fallback;
    byImage.set(image, [...(byImage.get(image) ?? []), { ...j, vars: { ...j.vars, image } }]);
  }
  const back: FlowResult[] = [];
  for (const [image, jobs] of byImage) {
    const prevEnv: RunnerEnv = { ...env, builtins: createNodeActions(previous, nodeSpecDigest(previous, image), ctx) };
    back.push(...(await runAll(flows.deploy, jobs, prevEnv)));
  }
  const shrunk = await runAll(flows.shrink, failedSurge, env);
  const bad = [...back, ...shrunk].filter((x) => !x.ok);
  const done = `rolled back ${back.length - back.filter((x) => !x.ok).length} node(s) to the previous spec`;
  return bad.length === 0 ? done : `${done}, rollback failed on ${bad.map((b) => `${b.node}: ${b.error}`).join('; ')}`;
}

/** Each node's image (its label) as apply observed the pool before the rollout: what a rollback returns it to. */
function imagesBefore(r: Rollout): Map<string, string> {
  const nodes = r.startedFrom ? knownNodes(r.startedFrom.observed) : [];
  return new Map(nodes.filter((n) => n.image).map((n) => [n.name, n.image as string]));
}

/** The value occurring most often (the first of equals), undefined for none. */
function mostCommon(values: string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | undefined;
  for (const [v, c] of counts) if (best === undefined || c > (counts.get(best) ?? 0)) best = v;
  return best;
}
