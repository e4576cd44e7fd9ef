/**
 * One reading of the journal shared by the HTTP status routes and the status report committed to Git, so the two
 * never disagree about what "Ready" or "Stalled" means. Everything returned is sanitised.
 */
import type { JournalData } from '../journal/types.js';
import type { ResourceStatus } from '../model/conditions.js';
import type { Problem, RunRecord } from '../model/plan.js';
import { sanitizeDeep } from '../util/sanitize.js';

export type Readiness = 'Ready' | 'Stalled' | 'NotReady';

export interface ResourceView {
  key: string;
  kind: string;
  name: string;
  state: Readiness;
  health: string;
  reason?: string;
  message?: string;
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
  source?: string;
  /** The kind's one-line detail (`details.summary`): quota usage, published version, node counts, facts. */
  detail?: string;
}

export interface RunSummary {
  id: string;
  trigger: string;
  revision: string;
  outcome: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  counts: Record<string, number>;
  message?: string;
  problems?: string[];
}

export interface StatusView {
  source: { description: string; branch: string; ok: boolean; message?: string; checkedAt?: string; refusedCommit?: string };
  ready: boolean;
  running: boolean;
  ha?: LiveState['ha'];
  revision: { inForce?: string; lastAttempted?: string; head?: string };
  lastRun?: RunSummary;
  counts: { resources: number; ready: number; stalled: number; notReady: number };
  resources: ResourceView[];
}

/** What the daemon knows beyond the journal. */
export interface LiveState {
  description: string;
  branch: string;
  ready: boolean;
  running: boolean;
  headRevision?: string;
  /** When the source was last polled, fresher than the journal's copy (written at most once a minute). */
  sourceCheckedAt?: string;
  /** The run being applied now, if any (it reaches the journal only when it ends). */
  current?: { id: string; trigger: string; revision: string; startedAt: string; tasksDone: number; tasksTotal: number };
  /** HA mode: this replica's role, the leader's identity, the lease age, and why it is not acting. */
  ha?: { role: string; identity: string; leader?: string; leaseAgeMs?: number; message?: string };
}

export function formatProblemLine(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}`;
}

export function viewResource(s: ResourceStatus): ResourceView {
  const stalled = s.conditions.find((c) => c.type === 'Stalled' && c.status === 'True');
  const ready = s.conditions.find((c) => c.type === 'Ready');
  const state: Readiness = stalled ? 'Stalled' : ready?.status === 'True' ? 'Ready' : 'NotReady';
  const why = stalled ?? ready;
  return sanitizeDeep({
    key: s.key,
    kind: s.kind,
    name: s.name,
    state,
    health: s.health,
    ...(why ? { reason: why.reason, message: why.message } : {}),
    ...(s.lastAppliedRevision ? { lastAppliedRevision: s.lastAppliedRevision } : {}),
    ...(s.lastAttemptedRevision ? { lastAttemptedRevision: s.lastAttemptedRevision } : {}),
    ...(s.source ? { source: `${s.source.file}:${s.source.line}` } : {}),
    ...(typeof s.details?.summary === 'string' ? { detail: s.details.summary.slice(0, 160) } : {}),
  });
}

export function summariseRun(r: RunRecord): RunSummary {
  return sanitizeDeep({
    id: r.id,
    trigger: r.trigger,
    revision: r.revision,
    outcome: r.outcome,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: r.durationMs,
    counts: r.counts,
    ...(r.message ? { message: r.message } : {}),
    ...(r.problems?.length ? { problems: r.problems.map(formatProblemLine) } : {}),
  });
}

export function buildStatusView(data: JournalData, live: LiveState): StatusView {
  const resources = Object.values(data.statuses)
    .map(viewResource)
    .sort((a, b) => a.key.localeCompare(b.key));
  const count = (s: Readiness) => resources.filter((r) => r.state === s).length;
  const last = data.runs[0];
  return sanitizeDeep({
    source: {
      description: live.description,
      branch: live.branch,
      ok: data.sourceStatus?.ok ?? true,
      ...(data.sourceStatus?.message ? { message: data.sourceStatus.message } : {}),
      ...((live.sourceCheckedAt ?? data.sourceStatus?.checkedAt) ? { checkedAt: live.sourceCheckedAt ?? data.sourceStatus?.checkedAt } : {}),
      ...(data.sourceStatus?.refusedCommit ? { refusedCommit: data.sourceStatus.refusedCommit } : {}),
    },
    ready: live.ready,
    running: live.running,
    ...(live.ha ? { ha: live.ha } : {}),
    revision: {
      ...(data.lastGoodRevision ? { inForce: data.lastGoodRevision } : {}),
      ...(data.lastAttemptedRevision ? { lastAttempted: data.lastAttemptedRevision } : {}),
      ...(live.headRevision ? { head: live.headRevision } : {}),
    },
    ...(last ? { lastRun: summariseRun(last) } : {}),
    counts: { resources: resources.length, ready: count('Ready'), stalled: count('Stalled'), notReady: count('NotReady') },
    resources,
  });
}
