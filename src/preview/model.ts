/**
 * A pull request's plan preview as data: what `GET /previews` answers, what the markdown and the forge comment are
 * rendered from, and what a dashboard page can show. Plain JSON; every string is sanitised before it leaves.
 */
import type { FieldChange, Problem } from '../model/plan.js';
import type { PullRequestEvent } from '../server/pull-request.js';
import { sanitizeDeep } from '../util/sanitize.js';
import type { PlanPreview } from './plan.js';

/**
 * `queued` / `running`: waiting or being planned; `success`: planned, every resource could be told; `failure`: the
 * commit has problems (file:line) or a resource needs a human; `error`: the preview itself could not be made (fetch
 * failed); `superseded`: a newer push replaced it before it finished; `closed`: the pull request was closed.
 */
export type PreviewState = 'queued' | 'running' | 'success' | 'failure' | 'error' | 'superseded' | 'closed';

/** One task of the previewed plan, without the desired and observed objects (the plan text has the rest). */
export interface PreviewTask {
  key: string;
  action: string;
  wave: number;
  reason?: string;
  message?: string;
  changes: FieldChange[];
  error?: { reason: string; message: string };
}

export interface PreviewRecord {
  number: number;
  forge: PullRequestEvent['forge'];
  title?: string;
  webUrl?: string;
  /** The head commit the forge named in its delivery. */
  headSha: string;
  fetchRef: string;
  baseBranch: string;
  state: PreviewState;
  /** The commit fetched and planned (the head of fetchRef when it was fetched). */
  commit?: string;
  summary: string;
  problems: Problem[];
  /** Exactly what `driftless plan --ref <fetchRef>` prints. */
  lines: string[];
  tasks: PreviewTask[];
  prune: { key: string; allowed: boolean; reason: string }[];
  requestedAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Where it was published and how that went (`ok`, a status commit id, or the error). */
  published: { statusBranch?: string; forge?: string };
}

export function queuedRecord(event: PullRequestEvent, now: Date): PreviewRecord {
  return {
    number: event.number,
    forge: event.forge,
    ...(event.title ? { title: event.title } : {}),
    ...(event.webUrl ? { webUrl: event.webUrl } : {}),
    headSha: event.headSha,
    fetchRef: event.fetchRef,
    baseBranch: event.baseBranch,
    state: 'queued',
    summary: 'waiting to be planned',
    problems: [],
    lines: [],
    tasks: [],
    prune: [],
    requestedAt: now.toISOString(),
    published: {},
  };
}

/** The record after its plan: state from the verdict, the plan reduced to tasks without objects. */
export function withPlan(record: PreviewRecord, preview: PlanPreview): PreviewRecord {
  const plan = preview.plan;
  return {
    ...record,
    state: preview.verdict === 'valid' ? 'success' : 'failure',
    commit: preview.commit,
    summary: preview.summary,
    problems: preview.problems,
    lines: preview.lines,
    tasks: (plan?.tasks ?? []).map((t) => ({
      key: t.key,
      action: t.action,
      wave: t.wave,
      ...(t.reason ? { reason: t.reason } : {}),
      ...(t.message ? { message: t.message } : {}),
      changes: t.changes.map((c) => (c.sensitive ? { path: c.path, sensitive: true } : c)),
      ...(t.error ? { error: { reason: t.error.reason, message: t.error.message } } : {}),
    })),
    prune: (plan?.prune ?? []).map((p) => ({ key: p.key, allowed: p.allowed, reason: p.reason })),
  };
}

/** The record as HTTP and dashboards may show it: sanitised deep. */
export function previewView(record: PreviewRecord): PreviewRecord {
  return sanitizeDeep(record);
}
