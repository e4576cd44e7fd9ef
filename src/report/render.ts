/**
 * The status report committed to the status branch: `README.md` for people (revision, outcome, per-resource
 * Ready/Stalled with reasons, what changed, durations) and `resources/<Kind>/<name>.json` for tools. Pure and
 * deterministic for a given journal, so an unchanged world produces an unchanged tree (and no commit).
 */
import type { JournalData } from '../journal/types.js';
import type { RunRecord, TaskResult } from '../model/plan.js';
import { sanitize, sanitizeDeep } from '../util/sanitize.js';
import { buildStatusView, type LiveState, type ResourceView } from './view.js';

const CHANGED = new Set(['succeeded', 'failed', 'skipped', 'pruned', 'prune-failed']);

function short(rev: string | undefined): string {
  if (!rev) return '(none)';
  return rev.startsWith('dir:') ? rev.slice(0, 16) : rev.slice(0, 12);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function cell(text: string | undefined): string {
  return (text ?? '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function resourceRow(r: ResourceView): string {
  const mark = r.state === 'Ready' ? 'Ready' : r.state === 'Stalled' ? '**Stalled**' : 'Not ready';
  const why = r.state === 'Ready' ? '' : `${r.reason ?? ''}${r.message ? `: ${r.message}` : ''}`;
  return `| ${cell(r.key)} | ${mark} | ${cell(r.health)} | ${cell(why)} | ${cell(r.detail)} | ${short(r.lastAppliedRevision)} |`;
}

function changeRow(t: TaskResult): string {
  const why = [t.reason, t.message].filter(Boolean).join(': ');
  return `| ${cell(t.key)} | ${t.action} | ${t.status} | ${seconds(t.durationMs)} | ${t.attempts} | ${cell(why)} |`;
}

/** The Markdown summary of the journal after `run` (the newest run when absent). */
export function renderSummary(data: JournalData, live: LiveState): string {
  const view = buildStatusView(data, live);
  const run: RunRecord | undefined = data.runs[0];
  const lines: string[] = ['# driftless status', ''];
  lines.push(`- Source: \`${view.source.description}\` (branch \`${view.source.branch}\`)`);
  lines.push(`- Revision in force: \`${short(view.revision.inForce)}\``);
  lines.push(`- Last attempted revision: \`${short(view.revision.lastAttempted)}\``);
  if (view.source.refusedCommit) lines.push(`- **Refusing \`${short(view.source.refusedCommit)}\`**: ${view.source.message ?? 'refused'}`);
  else if (!view.source.ok) lines.push(`- **Source unavailable**: ${view.source.message ?? 'unknown reason'}`);
  if (run) {
    lines.push(`- Last run: **${run.outcome}** (trigger ${run.trigger}) at ${run.finishedAt}, took ${seconds(run.durationMs)}`);
    if (run.message) lines.push(`- Message: ${run.message}`);
  }
  const c = view.counts;
  lines.push(`- Resources: ${c.resources} (${c.ready} ready, ${c.stalled} stalled, ${c.notReady} not ready)`, '');
  if (run?.problems?.length) {
    lines.push('## Problems (nothing was applied)', '');
    for (const p of run.problems) lines.push(`- \`${p.file}:${p.line}:${p.col}\` ${cell(p.message)}`);
    lines.push('');
  }
  lines.push('## Resources', '', '| Resource | State | Health | Reason | Detail | Applied revision |', '|---|---|---|---|---|---|');
  for (const r of view.resources) lines.push(resourceRow(r));
  lines.push('');
  const changed = (run?.results ?? []).filter((t) => CHANGED.has(t.status));
  lines.push('## What changed in the last run', '');
  if (changed.length === 0) lines.push('Nothing changed.');
  else {
    lines.push('| Resource | Action | Result | Duration | Attempts | Reason |', '|---|---|---|---|---|---|');
    for (const t of changed) lines.push(changeRow(t));
  }
  lines.push('');
  return sanitize(lines.join('\n'));
}

/**
 * The paths of the status branch the report owns: its summary and everything under `resources/`. Anything else on
 * the branch (notes, dashboards people commit there, and `previews/<number>.md`, which each plan preview writes on
 * its own: see `previewPath`) is carried over by every status commit.
 */
export function ownsStatusPath(path: string): boolean {
  return path === 'README.md' || path === 'resources' || path.startsWith('resources/');
}

/** Path (POSIX) -> content: the summary plus one JSON document per resource. */
export function renderReport(data: JournalData, live: LiveState): Record<string, string> {
  const files: Record<string, string> = { 'README.md': renderSummary(data, live) };
  for (const s of Object.values(data.statuses)) {
    const inv = data.inventory[s.key];
    const doc = sanitizeDeep({
      ...s,
      ...(inv ? { inventory: { digest: inv.digest, revision: inv.revision, appliedAt: inv.appliedAt } } : {}),
    });
    files[`resources/${safeSegment(s.kind)}/${safeSegment(s.name)}.json`] = JSON.stringify(doc, null, 2) + '\n';
  }
  return files;
}

function safeSegment(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Where a pull request's plan preview lives on the status branch (written by its own commits, never the report's). */
export function previewPath(number: number): string {
  if (!Number.isSafeInteger(number) || number <= 0) throw new RangeError(`not a pull request number: ${number}`);
  return `previews/${number}.md`;
}
