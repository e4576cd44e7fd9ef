/**
 * The summariser: the ONLY writer of per-resource conditions and of the run history. Pure (journal in, journal
 * out), so every condition rule is a table test. Conditions follow Flux: Ready / Reconciling / Stalled, with
 * lastTransitionTime moving only when a status flips.
 */
import { setCondition, type Condition, type ResourceStatus } from '../model/conditions.js';
import type { Plan, Problem, RunOutcome, RunRecord, TaskResult } from '../model/plan.js';
import { parseKey } from '../model/resource.js';
import { RUN_HISTORY_LIMIT, type JournalData } from '../journal/types.js';

export interface SummaryInput {
  run: RunRecord;
  plan?: Plan;
  results: TaskResult[];
  problems?: Problem[];
  revision: string;
  now: string;
  /** A whole-revision stall found before any task ran (a dependency cycle, an unreadable source). */
  stalledReason?: string;
}

const FAILED = new Set(['failed', 'prune-failed']);

/**
 * The run's outcome from its results: any stalled failure -> Stalled; other failures or skipped tasks -> Failed
 * (Waiting when every failure is 'waiting'); nothing but noops and prunes the policy left alone -> NoChanges.
 */
export function outcomeOf(results: TaskResult[]): RunOutcome {
  const failures = results.filter((r) => FAILED.has(r.status));
  if (failures.some((r) => r.disposition === 'stalled')) return 'Stalled';
  const skipped = results.some((r) => r.status === 'skipped');
  if (failures.length > 0 && !skipped && failures.every((r) => r.disposition === 'waiting')) return 'Waiting';
  if (failures.length > 0 || skipped) return 'Failed';
  if (results.every((r) => r.status === 'noop' || r.status === 'prune-skipped')) return 'NoChanges';
  return 'Succeeded';
}

type Cond = Omit<Condition, 'lastTransitionTime'>;

function conditionsFor(r: TaskResult, revision: string): Cond[] | undefined {
  const reason = r.reason ?? 'InternalError';
  const message = r.message ?? reason;
  switch (r.status) {
    case 'succeeded':
    case 'noop': {
      const msg = r.status === 'noop' ? `up to date at revision ${revision}` : `applied revision ${revision}`;
      return [
        { type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: msg },
        { type: 'Reconciling', status: 'False', reason: 'ReconciliationSucceeded', message: msg },
        { type: 'Stalled', status: 'False', reason: 'ReconciliationSucceeded', message: msg },
      ];
    }
    case 'failed':
    case 'prune-failed':
      if (r.disposition === 'stalled') {
        return [
          { type: 'Ready', status: 'False', reason, message },
          { type: 'Reconciling', status: 'False', reason, message },
          { type: 'Stalled', status: 'True', reason, message },
        ];
      }
      return [
        { type: 'Ready', status: 'False', reason, message },
        { type: 'Reconciling', status: 'True', reason: 'Progressing', message: `will retry: ${message}` },
        { type: 'Stalled', status: 'False', reason, message },
      ];
    case 'skipped': {
      const why = r.reason ?? 'DependencyFailed';
      return [
        { type: 'Ready', status: 'False', reason: why, message: r.message ?? why },
        { type: 'Reconciling', status: 'True', reason: why, message: r.message ?? why },
        { type: 'Stalled', status: 'False', reason: why, message: r.message ?? why },
      ];
    }
    default:
      return undefined;
  }
}

function nextStatus(prev: ResourceStatus | undefined, r: TaskResult, revision: string, now: string): ResourceStatus {
  const { kind, name } = parseKey(r.key);
  const base: ResourceStatus = prev ?? { key: r.key, kind, name, conditions: [], health: 'Unknown', updatedAt: now };
  let conditions = base.conditions;
  for (const c of conditionsFor(r, revision) ?? []) conditions = setCondition(conditions, c, now);
  const out: ResourceStatus = { ...base, conditions, updatedAt: now, lastAttemptedRevision: revision };
  if (r.status === 'succeeded' || r.status === 'noop') {
    out.lastAppliedRevision = revision;
    out.health = r.health ?? 'Healthy';
  } else if (r.health !== undefined) out.health = r.health;
  if (r.observedDigest !== undefined) out.observedDigest = r.observedDigest;
  // Details describe this run's observation only: a result without them (a failed apply) leaves none stale.
  if (r.details !== undefined) out.details = r.details;
  else delete out.details;
  if (r.source !== undefined) out.source = r.source;
  return out;
}

/**
 * An older run as history keeps it: its changes, failures and skips, but not its noop results, which the newest
 * run and the statuses already describe and which made every recorded run cost one entry per declared resource
 * (a daemon retrying one broken host among thousands of resources kept 50 full copies). `counts` keeps the total.
 */
function withoutNoops(run: RunRecord): RunRecord {
  if (!run.results.some((r) => r.status === 'noop')) return run;
  return { ...run, results: run.results.filter((r) => r.status !== 'noop') };
}

/** The journal after one run. Loader problems or a whole-revision stall record the run and change no status. */
export function summarize(prev: JournalData, input: SummaryInput): JournalData {
  const problems = input.problems ?? [];
  const blocked = problems.length > 0 || input.stalledReason !== undefined;
  const run: RunRecord = { ...input.run, results: input.results };
  if (problems.length > 0) run.problems = problems;
  if (blocked) {
    run.outcome = 'Stalled';
    run.message ??= input.stalledReason ?? `${problems.length} problem(s) in the config repo`;
  }
  const next: JournalData = {
    ...prev,
    statuses: { ...prev.statuses },
    runs: [run, ...prev.runs.map(withoutNoops)].slice(0, RUN_HISTORY_LIMIT),
    lastAttemptedRevision: input.revision,
  };
  if (blocked) return next;
  for (const r of input.results) {
    if (r.status === 'pruned') delete next.statuses[r.key];
    else if (r.status !== 'prune-skipped') next.statuses[r.key] = nextStatus(prev.statuses[r.key], r, input.revision, input.now);
  }
  if (input.plan) {
    // Status describes what the revision declares; undeclared leftovers are reported by the plan's prune list.
    const declared = new Set(input.plan.tasks.map((t) => t.key));
    for (const key of Object.keys(next.statuses)) if (!declared.has(key)) delete next.statuses[key];
  }
  const outcome = outcomeOf(input.results);
  if (outcome === 'Succeeded' || outcome === 'NoChanges') next.lastGoodRevision = input.revision;
  return next;
}
