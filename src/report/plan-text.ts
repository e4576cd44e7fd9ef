/**
 * The human text of a plan and of load problems, as lines. `driftless plan` prints exactly these lines and a plan
 * preview (a pull request's plan, src/preview/) embeds exactly these lines, so what a reviewer reads on the forge is
 * what `plan --ref` prints. Lines are not sanitised here: every writer sanitises what it writes.
 */
import type { FieldChange, Plan, Problem, Task } from '../model/plan.js';

const SYMBOL: Record<string, string> = { create: '+', update: '~', replace: '-/+', noop: ' ', delete: '-' };

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}`;
}

/** Every problem as `file:line:col: message`, then the count. */
export function problemLines(problems: Problem[]): string[] {
  return [...problems.map(formatProblem), `${problems.length} problem(s); nothing was applied.`];
}

function value(v: unknown): string {
  if (v === undefined) return '(none)';
  const s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}

export function changeLine(c: FieldChange): string {
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
export function taskLines(t: Task): string[] {
  if (t.error) return [`  ? ${t.key}  unknown (${t.error.reason})  [wave ${t.wave}]`, ...wrap(t.error.message, '      ')];
  const why = t.reason ? ` (${t.reason}${t.message ? `: ${t.message.split(/\r?\n/)[0]}` : ''})` : '';
  return [`  ${SYMBOL[t.action] ?? '?'} ${t.key}  ${t.action}${why}  [wave ${t.wave}]`];
}

/** Terraform-like text of a plan: `+ ~ -/+ -` per resource with field changes, then a one-line summary. */
export function planLines(plan: Plan, opts: { verbose?: boolean } = {}): string[] {
  const out = [`driftless plan at revision ${plan.revision}`, ''];
  const changed = plan.tasks.filter((t) => t.action !== 'noop' || t.error);
  for (const t of changed) {
    out.push(...taskLines(t));
    for (const c of t.changes) out.push(changeLine(c));
  }
  if (opts.verbose) for (const t of plan.tasks.filter((x) => x.action === 'noop' && !x.error)) out.push(`    ${t.key}  (no changes)`);
  for (const p of plan.prune) out.push(p.allowed ? `  - ${p.key}  delete (prune)` : `  ! ${p.key}  no longer declared; kept: ${p.reason}`);
  out.push('');
  out.push(planSummary(plan));
  return out;
}

/** The last line of the plan text: what it would do, counted. */
export function planSummary(plan: Plan): string {
  const changed = plan.tasks.filter((t) => t.action !== 'noop' || t.error);
  const n = (a: string) => plan.tasks.filter((t) => t.action === a && !t.error).length;
  const unknown = plan.tasks.filter((t) => t.error).length;
  const deletes = plan.prune.filter((p) => p.allowed).length;
  if (changed.length === 0 && deletes === 0) return `No changes. ${plan.tasks.length} resource(s) match the declaration.`;
  const unknownPart = unknown > 0 ? `, ${unknown} unknown (could not be observed)` : '';
  return `Plan: ${n('create')} to create, ${n('update')} to update, ${n('replace')} to replace, ${deletes} to delete, ${n('noop')} unchanged${unknownPart}.`;
}
