/**
 * The only writer to stdout. Human output is Terraform-like (`+ ~ -/+ -` with field changes); `--json` output is
 * the same data as JSON. Every string passes the sanitiser, and sensitive field changes never show values.
 */
import type { EngineEvent } from '../engine/types.js';
import type { ResourceStatus } from '../model/conditions.js';
import type { Plan, Problem, RunRecord, TaskResult } from '../model/plan.js';
import { changeLine as change, formatProblem, planLines, problemLines, taskLines } from '../report/plan-text.js';
import { sanitize, sanitizeDeep } from '../util/sanitize.js';

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

export { formatProblem };

export function printProblems(problems: Problem[]): void {
  for (const line of problemLines(problems)) write(line);
}

export function printValid(count: number, revision: string): void {
  write(`ok: ${count} resource(s) valid at ${revision}`);
}

export function printPlan(plan: Plan, opts: { verbose?: boolean } = {}): void {
  for (const line of planLines(plan, opts)) write(line);
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
