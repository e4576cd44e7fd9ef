/**
 * The only writer to stdout. Human output is Terraform-like (`+ ~ -/+ -` with field changes); `--json` output is
 * the same data as JSON. Every string passes the sanitiser, and sensitive field changes never show values.
 */
import type { EngineEvent } from '../engine/types.js';
import type { ResourceStatus } from '../model/conditions.js';
import type { FieldChange, Plan, Problem, RunRecord, Task, TaskResult } from '../model/plan.js';
import { sanitize, sanitizeDeep } from '../util/sanitize.js';

const SYMBOL: Record<string, string> = { create: '+', update: '~', replace: '-/+', noop: ' ', delete: '-' };

function write(text: string): void {
  process.stdout.write(sanitize(text) + '\n');
}

/** Progress goes to stderr when stdout carries JSON, so the JSON stays parseable. */
function progress(text: string, json: boolean): void {
  (json ? process.stderr : process.stdout).write(sanitize(text) + '\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(sanitizeDeep(value), null, 2) + '\n');
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}`;
}

export function printProblems(problems: Problem[]): void {
  for (const p of problems) write(formatProblem(p));
  write(`${problems.length} problem(s); nothing was applied.`);
}

export function printValid(count: number, revision: string): void {
  write(`ok: ${count} resource(s) valid at ${revision}`);
}

function value(v: unknown): string {
  if (v === undefined) return '(none)';
  const s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}

function change(c: FieldChange): string {
  if (c.sensitive) return `      ~ ${c.path}: (sensitive)`;
  if (c.before === undefined) return `      + ${c.path}: ${value(c.after)}`;
  if (c.after === undefined) return `      - ${c.path}: ${value(c.before)}`;
  return `      ~ ${c.path}: ${value(c.before)} -> ${value(c.after)}`;
}

/** Long causes (a failed pre-flight lists every check) are wrapped under the line, not printed as one 6 KB line. */
const WRAP = 100;

function wrap(text: string, indent: string): string[] {
  const out: string[] = [];
  for (const para of text.split(/\r?\n/)) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > WRAP) {
        out.push(indent + line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    if (line) out.push(indent + line);
  }
  return out;
}

/**
 * One plan line per task. A task that could not be observed is `unknown` (`?`), never a quiet `noop`: nothing is
 * known about it, and its cause follows, wrapped. A reason with a cause (a Host's `Unreachable`) shows both.
 */
function taskLines(t: Task): string[] {
  if (t.error) return [`  ? ${t.key}  unknown (${t.error.reason})  [wave ${t.wave}]`, ...wrap(t.error.message, '      ')];
  const why = t.reason ? ` (${t.reason}${t.message ? `: ${t.message.split(/\r?\n/)[0]}` : ''})` : '';
  return [`  ${SYMBOL[t.action] ?? '?'} ${t.key}  ${t.action}${why}  [wave ${t.wave}]`];
}

export function printPlan(plan: Plan, opts: { verbose?: boolean } = {}): void {
  write(`driftless plan at revision ${plan.revision}`);
  write('');
  const changed = plan.tasks.filter((t) => t.action !== 'noop' || t.error);
  for (const t of changed) {
    for (const line of taskLines(t)) write(line);
    for (const c of t.changes) write(change(c));
  }
  if (opts.verbose) for (const t of plan.tasks.filter((x) => x.action === 'noop' && !x.error)) write(`    ${t.key}  (no changes)`);
  for (const p of plan.prune) write(p.allowed ? `  - ${p.key}  delete (prune)` : `  ! ${p.key}  no longer declared; kept: ${p.reason}`);
  const n = (a: string) => plan.tasks.filter((t) => t.action === a && !t.error).length;
  const unknown = plan.tasks.filter((t) => t.error).length;
  const deletes = plan.prune.filter((p) => p.allowed).length;
  write('');
  if (changed.length === 0 && deletes === 0) {
    write(`No changes. ${plan.tasks.length} resource(s) match the declaration.`);
  } else {
    const unknownPart = unknown > 0 ? `, ${unknown} unknown (could not be observed)` : '';
    write(`Plan: ${n('create')} to create, ${n('update')} to update, ${n('replace')} to replace, ${deletes} to delete, ${n('noop')} unchanged${unknownPart}.`);
  }
}

export function printEvent(e: EngineEvent, json: boolean): void {
  const t = new Date().toISOString().slice(11, 19);
  if (e.type === 'wave-start') progress(`[${t}] wave ${e.wave}: ${e.keys.length} resource(s)`, json);
  else if (e.type === 'task-start' && e.task.action !== 'noop') progress(`[${t}] ${e.task.key}: ${e.task.action} started`, json);
  else if (e.type === 'task-retry') progress(`[${t}] ${e.key}: attempt ${e.attempt} failed (${e.message}); retrying in ${e.delayMs} ms`, json);
  else if (e.type === 'task-end' && e.result.status !== 'noop') progress(`[${t}] ${resultLine(e.result)}`, json);
  else if (e.type === 'health-wait') progress(`[${t}] wave ${e.wave}: waiting for health of ${e.pending.join(', ')}`, json);
  else if (e.type === 'prune-end') progress(`[${t}] ${resultLine(e.result)}`, json);
  else if (e.type === 'plan-stale') progress(`[${t}] ${e.key}: the plan is stale (${e.message}); re-planning it`, json);
  else if (e.type === 'replanned') {
    progress(`[${t}] ${e.task.key}: re-planned:`, json);
    for (const line of taskLines(e.task)) progress(line, json);
    for (const c of e.task.changes) progress(change(c), json);
  }
}

/**
 * Progress for long applies: a line per task as it starts and ends, plus, on a terminal, a live summary line
 * (done / running / failed) redrawn under them.
 */
export function createProgress(json: boolean, total: number): { onEvent: (e: EngineEvent) => void; finish: () => void } {
  const live = !json && Boolean(process.stdout.isTTY);
  let running = 0;
  let done = 0;
  let failed = 0;
  const clear = () => {
    if (live) process.stdout.write('\x1b[2K\r');
  };
  const summary = () => {
    if (live) process.stdout.write(`  ${done}/${total} done, ${running} running, ${failed} failed`);
  };
  return {
    onEvent(e) {
      if (e.type === 'task-start') running++;
      if (e.type === 'task-end') {
        running--;
        done++;
        if (e.result.status === 'failed') failed++;
      }
      clear();
      printEvent(e, json);
      summary();
    },
    finish: clear,
  };
}

function resultLine(r: TaskResult): string {
  const why = r.reason ? ` ${r.reason}` : '';
  const msg = r.message ? `: ${r.message}` : '';
  return `${r.key}: ${r.action} ${r.status}${why}${msg} (${(r.durationMs / 1000).toFixed(1)}s, ${r.attempts} attempt(s))`;
}

export function printRun(run: RunRecord): void {
  write('');
  for (const r of run.results.filter((x) => x.status === 'failed' || x.status === 'skipped' || x.status === 'prune-failed')) {
    write(`  ! ${resultLine(r)}`);
  }
  const counts = Object.entries(run.counts).map(([k, v]) => `${v} ${k}`).join(', ');
  write(`Apply ${run.outcome.toLowerCase()} at revision ${run.revision} in ${(run.durationMs / 1000).toFixed(1)}s${counts ? ` (${counts})` : ''}.`);
}

export function printMessage(text: string): void {
  write(text);
}

/** The one-line detail a kind put in `details.summary`, kept terse. */
export function detailLine(details: Record<string, unknown> | undefined): string | undefined {
  const summary = details?.summary;
  return typeof summary === 'string' && summary.length > 0 ? summary.slice(0, 160) : undefined;
}

export function printStatus(statuses: ResourceStatus[], meta: { lastGoodRevision?: string; lastRun?: RunRecord }): void {
  write(`last good revision: ${meta.lastGoodRevision ?? '(none)'}`);
  if (meta.lastRun) write(`last run: ${meta.lastRun.outcome} at ${meta.lastRun.finishedAt} (${meta.lastRun.revision})`);
  for (const p of meta.lastRun?.problems ?? []) write(`  ${formatProblem(p)}`);
  write('');
  // Columns fit the longest name, so long keys (OpenDCP-style names) do not push a row's state out of line.
  const width = Math.max(32, ...statuses.map((s) => s.key.length + 1));
  for (const s of statuses.sort((a, b) => a.key.localeCompare(b.key))) {
    const ready = s.conditions.find((c) => c.type === 'Ready');
    const stalled = s.conditions.find((c) => c.type === 'Stalled' && c.status === 'True');
    const state = stalled ? 'Stalled' : ready?.status === 'True' ? 'Ready' : 'NotReady';
    const why = (stalled ?? ready)?.message;
    write(`  ${s.key.padEnd(width)} ${state.padEnd(9)} ${s.health.padEnd(11)} ${why && state !== 'Ready' ? why : ''}`.trimEnd());
    const detail = detailLine(s.details);
    if (detail) write(`      ${detail}`);
  }
}
