/**
 * One daemon cycle: poll -> (fetch -> load) -> plan -> apply, deciding at each step whether anything needs doing.
 * - A poll that sees the ref unchanged stops there, unless a failed revision's backoff ran out or a drift
 *   re-observation is due.
 * - Fail closed: a source error (poll, fetch, unreadable tree) never leads to plan, apply or prune; the last good
 *   revision stays in force and the journal's `sourceStatus` says why.
 * - A revision with problems is recorded (file:line in status) and not retried until the ref moves.
 * - While applying, a newer revision at the source supersedes a run that is retrying or waiting on health.
 */
import type { Logger as PinoLogger } from 'pino';
import { describe as describeError, StalledError } from '../errors.js';
import type { LoadResult } from '../loader/index.js';
import type { EngineEvent } from '../engine/types.js';
import type { Plan, Problem, RunRecord } from '../model/plan.js';
import type { Metrics } from '../metrics/index.js';
import type { Revision, Source } from '../source/types.js';
import { markDrift } from './drift.js';
import { repeatOn, type CycleRequest, type CycleResult, type LoopClock } from './loop.js';
import { applyRevision, loadRevision, planRevision, recordProblems } from './run.js';
import type { Runtime } from './runtime.js';
import { createSourceTracker } from './source-status.js';

export interface CycleDeps {
  rt: Runtime;
  source: Source;
  metrics: Metrics;
  logger: PinoLogger;
  clock: LoopClock;
  random?: () => number;
  intervalMs: number;
  driftIntervalMs: number;
  backoff: { baseMs: number; maxMs: number };
  /** Aborts the running cycle in favour of a newer revision (the loop's supersede). */
  supersede: (reason: string) => void;
  /** After every recorded run; `changed` when it applied, failed or was a revision not seen before. */
  onRun?: (run: RunRecord, changed: boolean) => void;
  /** After the source's state changed (unavailable, a refused commit, recovered); `message` names the change. */
  onSourceChange?: (message: string) => void;
  /** Every plan made (a run's, a drift check's): the dashboard shows the newest one. */
  onPlan?: (plan: Plan) => void;
  /** The run being applied started (`run` has its task count). */
  onRunStart?: (run: CurrentRun) => void;
  /** Every engine event of the run being applied, with the run's progress after it (the dashboard's live feed). */
  onEngineEvent?: (e: EngineEvent, run: CurrentRun | undefined) => void;
}

export interface CycleState {
  /** True once a first run finished (applied, failed or refused for its problems): what `/readyz` answers. */
  ready: boolean;
  headRevision?: string;
  inForce?: string;
  /** statusBranch from the newest loaded driftless.yaml. */
  statusBranch?: string;
  /** The run being applied now, with its progress in tasks. */
  current?: CurrentRun;
  /** When the source was last polled (every poll; the journal's copy is refreshed at most once a minute). */
  sourceCheckedAt?: string;
}

export interface CurrentRun {
  id: string;
  trigger: string;
  revision: string;
  startedAt: string;
  tasksDone: number;
  tasksTotal: number;
}

export interface Cycle {
  run(req: CycleRequest): Promise<CycleResult>;
  /** The loop saw a trigger while busy: check the source for a newer revision in the background. */
  onBusyTrigger(reason: string): void;
  state(): CycleState;
}

interface Processed {
  revision: Revision;
  load?: LoadResult;
  failures: number;
  retryAt?: number;
  stalled: boolean;
}

export function createCycle(deps: CycleDeps): Cycle {
  const { rt, source, metrics, logger, clock } = deps;
  const random = deps.random ?? Math.random;
  const tracker = createSourceTracker({ journal: rt.journal, metrics, logger, clock, ...(deps.onSourceChange ? { onChange: deps.onSourceChange } : {}) });
  let processed: Processed | undefined;
  let inForce: { revision: Revision; load: LoadResult } | undefined;
  let lastObservedAt = 0;
  let ready = false;
  let head: string | undefined;
  let statusBranch: string | undefined;
  let applying: { commit: string; waiting: boolean; newer?: string; run?: CurrentRun } | undefined;

  const backoff = (n: number): number => {
    const d = Math.min(deps.backoff.maxMs, deps.backoff.baseMs * 2 ** Math.max(0, n - 1));
    return Math.round(d / 2 + (random() * d) / 2);
  };

  function maybeSupersede(): void {
    if (applying?.waiting && applying.newer) deps.supersede(`newer revision ${applying.newer.slice(0, 12)}`);
  }

  async function checkNewer(): Promise<void> {
    if (!applying) return;
    const commit = await tracker.poll(source).catch(() => undefined);
    if (commit && applying && commit !== applying.commit) {
      head = commit;
      applying.newer = commit;
      maybeSupersede();
    }
  }

  /** Every run goes through here; the first one makes the daemon ready (its outcome is in the status then). */
  async function record(run: RunRecord, changed: boolean): Promise<void> {
    ready = true;
    metrics.inc('driftless_runs_total', { outcome: run.outcome });
    logger.info(
      { run: run.id, outcome: run.outcome, revision: run.revision, trigger: run.trigger, durationMs: run.durationMs, counts: run.counts },
      'run finished',
    );
    deps.onRun?.(run, changed);
  }

  async function stallRevision(revision: Revision, problems: Problem[], trigger: string): Promise<CycleResult> {
    const run = await recordProblems(rt, { revision, problems, trigger });
    processed = { revision, failures: 0, stalled: true };
    for (const p of problems) logger.warn({ revision: revision.commit, problem: `${p.file}:${p.line}:${p.col}: ${p.message}` }, 'revision not applied');
    await record(run, true);
    return {};
  }

  async function reconcile(revision: Revision, load: LoadResult, req: CycleRequest, kind: 'new' | 'retry' | 'drift'): Promise<CycleResult> {
    const trigger = kind === 'new' ? req.triggers.join(',') : kind;
    const started = clock.now();
    logger.debug({ revision: revision.commit, trigger }, 'run started');
    let plan: Plan = await planRevision(rt, { revision, load, signal: req.signal });
    lastObservedAt = clock.now();
    deps.onPlan?.(plan);
    if (kind === 'drift') {
      const drift = markDrift(plan);
      plan = drift.plan;
      if (drift.ignored.length > 0) logger.info({ revision: revision.commit, ignored: drift.ignored }, 'drift ignored by annotation');
      if (drift.drifted.length === 0 && plan.tasks.every((t) => !t.error)) {
        // No run is recorded for a re-observation that found nothing; this line is how its cost can be seen.
        logger.debug({ revision: revision.commit, durationMs: clock.now() - started, resources: plan.tasks.length }, 'drift check: no drift');
        return {};
      }
      logger.warn({ revision: revision.commit, drifted: drift.drifted }, 'drift detected');
    }
    if (req.signal.aborted) return {};
    applying = { commit: revision.commit, waiting: false };
    const watcher = repeatOn(clock, deps.intervalMs, () => void checkNewer());
    let run: RunRecord;
    try {
      run = await applyRevision(rt, {
        revision,
        load,
        plan,
        trigger,
        signal: req.signal,
        onStart: ({ id, startedAt }) => {
          applying!.run = { id, trigger, revision: revision.commit, startedAt, tasksDone: 0, tasksTotal: plan.tasks.length + plan.prune.length };
          deps.onRunStart?.({ ...applying!.run });
        },
        onEvent: (e) => {
          if (e.type === 'task-retry' || e.type === 'health-wait') {
            if (e.type === 'task-retry') logger.info({ key: e.key, attempt: e.attempt, delayMs: e.delayMs, message: e.message }, 'task retry');
            applying!.waiting = true;
            maybeSupersede();
          } else if (e.type === 'wave-start') applying!.waiting = false;
          if (e.type === 'plan-stale') logger.warn({ key: e.key, message: e.message }, 'plan stale; re-planning the resource');
          if (e.type === 'replanned') logger.info({ key: e.task.key, action: e.task.action, changes: e.task.changes }, 'resource re-planned');
          if (e.type === 'task-end' || e.type === 'prune-end') {
            if (applying?.run) applying.run.tasksDone += 1;
            const r = e.result;
            if (r.status !== 'noop') {
              logger.info({ key: r.key, action: r.action, status: r.status, reason: r.reason, message: r.message, durationMs: r.durationMs, attempts: r.attempts }, 'task');
            }
          }
          deps.onEngineEvent?.(e, applying?.run ? { ...applying.run } : undefined);
        },
      });
    } finally {
      watcher();
      applying = undefined;
    }
    metrics.observeReconcile((clock.now() - started) / 1000, { outcome: run.outcome });
    const abortReason = (req.signal.reason as { reason?: string } | undefined)?.reason;
    const failed = run.outcome === 'Failed' || run.outcome === 'Waiting';
    const prev = processed?.revision.commit === revision.commit ? processed.failures : 0;
    processed = { revision, load, failures: failed ? prev + 1 : 0, stalled: run.outcome === 'Stalled' };
    if (run.outcome === 'Succeeded' || run.outcome === 'NoChanges') inForce = { revision, load };
    const changed = kind !== 'drift' || run.outcome !== 'NoChanges' || Object.keys(run.counts).some((k) => k !== 'noop');
    await record(run, changed);
    if (req.signal.aborted) {
      logger.info({ run: run.id, reason: abortReason ?? 'Cancelled' }, 'run aborted');
      return {};
    }
    if (failed) {
      const wait = backoff(processed.failures);
      processed.retryAt = clock.now() + wait;
      logger.info({ revision: revision.commit, failures: processed.failures, retryInMs: wait }, 'will retry');
      return { retryInMs: wait };
    }
    return {};
  }

  let unexpected = 0;

  /** Anything not handled below is a bug or the environment (disk full, a schema that fails to compile): retry with backoff. */
  async function run(req: CycleRequest): Promise<CycleResult> {
    try {
      const result = await runInner(req);
      unexpected = 0;
      return result;
    } catch (err) {
      unexpected += 1;
      const wait = backoff(unexpected);
      logger.error({ err: describeError(err), retryInMs: wait }, 'cycle failed');
      return { retryInMs: wait };
    }
  }

  async function runInner(req: CycleRequest): Promise<CycleResult> {
    let commit: string | undefined;
    try {
      commit = await tracker.poll(source);
      if (!commit) throw new Error(`ref not found at ${source.describe()}`);
    } catch (err) {
      return { retryInMs: backoff(await tracker.failed('poll', err)) };
    }
    head = commit;
    // A commit refused for its content stays refused: re-fetching it would only refuse it again.
    if (tracker.isRefused(commit)) return {};
    const now = clock.now();
    const isNew = !processed || processed.revision.commit !== commit;
    const retryDue = !isNew && !processed!.stalled && processed!.failures > 0 && now >= (processed!.retryAt ?? 0);
    const driftDue =
      !isNew && deps.driftIntervalMs > 0 && inForce?.revision.commit === commit && now - lastObservedAt >= deps.driftIntervalMs;
    if (!isNew && !retryDue && !driftDue) {
      if (processed?.retryAt && processed.failures > 0 && !processed.stalled) return { retryInMs: Math.max(0, processed.retryAt - now) };
      return {};
    }
    if (!isNew) {
      if (retryDue) return reconcile(processed!.revision, processed!.load!, req, 'retry');
      return reconcile(inForce!.revision, inForce!.load, req, 'drift');
    }
    let revision: Revision;
    let load: LoadResult;
    try {
      revision = await tracker.fetch(source);
      load = await loadRevision(rt, revision);
    } catch (err) {
      if (err instanceof StalledError && (err.reason === 'RevisionRefused' || err.reason === 'UnsafePath')) {
        await tracker.refuse(commit, err);
        return {};
      }
      return { retryInMs: backoff(await tracker.failed('fetch', err)) };
    }
    statusBranch = load.settings.statusBranch;
    const trigger = req.triggers.join(',');
    if (load.problems.length > 0) return stallRevision(revision, load.problems, trigger);
    const inventorySize = rt.journal.peek((d) => Object.keys(d.inventory).length);
    if (load.resources.length === 0 && inventorySize > 0) {
      const message = `revision declares no resources while ${inventorySize} are applied; refusing to treat an empty tree as intent`;
      return stallRevision(revision, [{ file: '.', line: 1, col: 1, message }], trigger);
    }
    try {
      return await reconcile(revision, load, req, 'new');
    } catch (err) {
      logger.error({ err: describeError(err), revision: revision.commit }, 'reconcile failed');
      processed = { revision, load, failures: (processed?.failures ?? 0) + 1, stalled: false };
      const wait = backoff(processed.failures);
      processed.retryAt = clock.now() + wait;
      return { retryInMs: wait };
    }
  }

  return {
    run,
    onBusyTrigger: () => void checkNewer(),
    state: () => ({
      ready,
      ...(head ? { headRevision: head } : {}), ...(inForce ? { inForce: inForce.revision.commit } : {}),
      ...(statusBranch ? { statusBranch } : {}),
      ...(applying?.run ? { current: { ...applying.run } } : {}),
      ...(tracker.checkedAt() ? { sourceCheckedAt: tracker.checkedAt() } : {}),
    }),
  };
}
