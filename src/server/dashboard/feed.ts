/**
 * What the dashboard knows beyond the journal, kept in memory by the daemon: the newest plan (spec as declared,
 * observed state, field diffs, the dependency graph) and a bounded log of engine events per resource, plus the
 * publish side of the server-sent event stream. The journal stays the record; this is only what a page shows of
 * the moment. Log lines and stream messages are sanitised on the way in; the plan is redacted by the page that
 * shows a part of it (resource.ts), so a secret value never leaves the process.
 */
import type { EngineEvent } from '../../engine/types.js';
import type { Plan, RunRecord } from '../../model/plan.js';
import type { ResourceKey } from '../../model/resource.js';
import { sanitize, sanitizeDeep } from '../../util/sanitize.js';

/** Keys whose string values are credentials whatever a kind observed (a resolved reference is never `{secret}`). */
const SENSITIVE_KEY = /^pass(wd)?$|passw(or)?d|secret|token$|private.?key|credential|authorization/i;

/** True for a field name that holds a credential whatever its kind says (`password`, `privateKey`, `token`...). */
export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

/** sanitizeDeep plus masking of values under credential-like keys (a kind's observation is not trusted to redact). */
export function redactDeep<T>(value: T): T {
  const walk = (v: unknown, key: string): unknown => {
    if (typeof v === 'string') return SENSITIVE_KEY.test(key) ? '***' : sanitize(v);
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (v !== null && typeof v === 'object') {
      // `{ secret: NAME }` is a reference the repo wrote (a name, not a value): keep it readable.
      const entries = Object.entries(v);
      if (entries.length === 1 && entries[0]![0] === 'secret' && typeof entries[0]![1] === 'string') return { secret: sanitize(entries[0]![1]) };
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, k);
      return out;
    }
    return v;
  };
  return walk(sanitizeDeep(value), '') as T;
}

/** One line of a resource's operation log. */
export interface FeedEntry {
  time: string;
  runId?: string;
  key: ResourceKey;
  /** `task-start`, `task-end`, `task-retry`, `health-wait`, `prune-end`, ... */
  type: string;
  text: string;
}

/** What the server-sent stream carries: run progress and the end of a run. */
export type LiveMessage =
  | { event: 'progress'; data: { id: string; revision: string; tasksDone: number; tasksTotal: number; key?: string; text?: string } }
  | { event: 'run-end'; data: { id: string; outcome: string; durationMs: number; revision: string } };

export interface DashboardFeed {
  /** The newest plan the daemon made, held as is: whoever shows part of it passes that part through redactDeep. */
  setPlan(plan: Plan): void;
  plan(): Plan | undefined;
  /** An engine event of run `run`; `progress` is the run's tasks done / total after it. */
  engineEvent(e: EngineEvent, run: { id: string; revision: string; tasksDone: number; tasksTotal: number } | undefined): void;
  /** A run started applying: pages following the stream switch to it. */
  runStarted(run: { id: string; revision: string; tasksDone: number; tasksTotal: number }): void;
  runEnded(run: RunRecord): void;
  /** A line a kind logged while applying `key` (a rollout batch, a machine created, a publish): into its log. */
  operation(key: ResourceKey, level: string, msg: string, fields: Record<string, unknown>): void;
  /** The operation log of one resource, oldest first (at most PER_KEY entries). */
  entries(key: ResourceKey): FeedEntry[];
  subscribe(fn: (m: LiveMessage) => void): () => void;
}

const PER_KEY = 50;
const FIELD_CHARS = 300;

/** `msg: k=v, k=[a, b]` with the fields a reader needs, secrets masked, at most FIELD_CHARS of fields. */
export function operationText(msg: string, fields: Record<string, unknown>): string {
  const safe = redactDeep(fields);
  const parts = Object.entries(safe)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ')}]` : typeof v === 'string' ? v : JSON.stringify(v)}`);
  const tail = parts.join(', ');
  return sanitize(`${msg}${tail ? `: ${tail.length > FIELD_CHARS ? `${tail.slice(0, FIELD_CHARS)}…` : tail}` : ''}`);
}

function describe(e: EngineEvent): { key: string; text: string }[] {
  switch (e.type) {
    case 'task-start':
      // A no-op task is planned, started and ended in a blink: one line per resource per run would bury the work.
      if (e.task.action === 'noop') return [];
      return [{ key: e.task.key, text: `${e.task.action} started (wave ${e.task.wave})${e.task.reason ? `: ${e.task.reason}` : ''}` }];
    case 'task-end':
    case 'prune-end': {
      const r = e.result;
      if (r.status === 'noop') return [];
      const why = [r.reason, r.message].filter(Boolean).join(': ');
      return [{ key: r.key, text: `${r.action} ${r.status} in ${r.durationMs} ms${r.attempts > 1 ? ` after ${r.attempts} attempts` : ''}${why ? ` — ${why}` : ''}` }];
    }
    case 'task-retry':
      return [{ key: e.key, text: `retry ${e.attempt} in ${e.delayMs} ms: ${e.message}` }];
    case 'plan-stale':
      return [{ key: e.key, text: `plan stale: ${e.message}` }];
    case 'replanned':
      return [{ key: e.task.key, text: `re-planned: ${e.task.action}` }];
    case 'prune-start':
      return [{ key: e.key, text: 'prune started' }];
    case 'health-wait':
      return e.pending.map((key) => ({ key, text: `waiting for health (wave ${e.wave})` }));
    case 'wave-start':
      return [];
  }
}

export function createDashboardFeed(now: () => Date = () => new Date()): DashboardFeed {
  let plan: Plan | undefined;
  let current: { id: string; revision: string; tasksDone: number; tasksTotal: number } | undefined;
  const log = new Map<string, FeedEntry[]>();
  const append = (entry: FeedEntry): void => {
    const list = log.get(entry.key) ?? [];
    list.push(entry);
    if (list.length > PER_KEY) list.splice(0, list.length - PER_KEY);
    log.set(entry.key, list);
  };
  const subscribers = new Set<(m: LiveMessage) => void>();
  const publish = (m: LiveMessage): void => {
    const safe = redactDeep(m);
    for (const fn of subscribers) fn(safe);
  };
  return {
    // Kept as the engine made it (no copy: a plan of thousands of resources is megabytes); pages redact the one
    // resource they show.
    setPlan(p) {
      plan = p;
    },
    plan: () => plan,
    engineEvent(e, run) {
      const lines = describe(e);
      if (run) current = run;
      for (const { key, text } of lines) append({ time: now().toISOString(), ...(run ? { runId: run.id } : {}), key, type: e.type, text: sanitize(text) });
      if (run && (e.type === 'task-end' || e.type === 'prune-end' || e.type === 'task-start' || e.type === 'task-retry')) {
        const first = lines[0];
        // A run of thousands of no-op tasks would be thousands of messages: silent ones only every 50 tasks and at the end.
        if (!first && run.tasksDone % 50 !== 0 && run.tasksDone !== run.tasksTotal) return;
        publish({ event: 'progress', data: { id: run.id, revision: run.revision, tasksDone: run.tasksDone, tasksTotal: run.tasksTotal, ...(first ? { key: first.key, text: first.text } : {}) } });
      }
    },
    runStarted(run) {
      current = run;
      publish({ event: 'progress', data: { id: run.id, revision: run.revision, tasksDone: run.tasksDone, tasksTotal: run.tasksTotal, text: 'run started' } });
    },
    runEnded(run) {
      current = undefined;
      publish({ event: 'run-end', data: { id: run.id, outcome: run.outcome, durationMs: run.durationMs, revision: run.revision } });
    },
    operation(key, level, msg, fields) {
      const text = `${level === 'info' ? '' : `${level}: `}${operationText(msg, fields)}`;
      append({ time: now().toISOString(), ...(current ? { runId: current.id } : {}), key, type: 'operation', text });
      if (current) publish({ event: 'progress', data: { ...current, key, text } });
    },
    entries: (key) => [...(log.get(key) ?? [])],
    subscribe(fn) {
      subscribers.add(fn);
      return () => void subscribers.delete(fn);
    },
  };
}
