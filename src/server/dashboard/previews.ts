/**
 * Plan previews of pull requests on the dashboard: `/ui/previews` (newest first) and `/ui/previews/:number` (the
 * plan text, its tasks with field changes, problems with file:line, where it was published). The same records as
 * `GET /previews` (src/preview/model.ts), read through `previewView` so every string is sanitised before it is
 * escaped, and field changes shown through the resource page's diff (credential-like keys masked).
 */
import { previewView, type PreviewRecord, type PreviewState } from '../../preview/model.js';
import type { PreviewReadModel } from '../preview-routes.js';
import { commit, html, safeHref, when, type Html, type HtmlValue } from './html.js';
import { badge, page, table } from './layout.js';
import { fieldDiff, sourceLink } from './resource.js';

/** Why a server has no previews, when it has none: said on the page instead of an empty list. */
export type PreviewsOff = 'disabled' | 'directory';

export interface PreviewPageDeps {
  previews?: PreviewReadModel;
  previewsOff?: PreviewsOff;
  repoWebUrl?: string;
}

const STATE_BADGE: Record<PreviewState, string> = {
  queued: 'Progressing',
  running: 'Progressing',
  success: 'Ready',
  failure: 'Stalled',
  error: 'Degraded',
  superseded: 'Neutral',
  closed: 'Neutral',
};

const OFF: Record<PreviewsOff | 'absent', string> = {
  disabled: 'Plan previews are turned off on this daemon (previews.enabled: false): pull request deliveries are ignored.',
  directory: 'This daemon follows a directory, not a Git repository: pull requests have no previews here.',
  absent: 'This server does not make plan previews.',
};

/** The plan text shown at most (the JSON has all of it). */
const MAX_TEXT = 200_000;

export const previewHref = (n: number): string => `/ui/previews/${n}`;
const stateBadge = (s: PreviewState): Html => badge(STATE_BADGE[s], s);
const latest = (r: PreviewRecord): string => r.finishedAt ?? r.startedAt ?? r.requestedAt;

function prLink(r: PreviewRecord): Html {
  const href = r.webUrl ? safeHref(r.webUrl) : '#';
  return href === '#' ? html`${r.forge} #${r.number}` : html`<a href="${href}">${r.forge} #${r.number}</a>`;
}

function summaryCell(r: PreviewRecord): HtmlValue {
  return r.problems.length > 0 ? html`${r.summary}<br><strong>${r.problems.length} problem(s)</strong>` : r.summary;
}

export function previewsPage(deps: PreviewPageDeps): Html {
  const off = deps.previews ? undefined : OFF[deps.previewsOff ?? 'absent'];
  const records = deps.previews ? deps.previews.list().map(previewView) : [];
  const rows = records.map((r) => [
    html`<a class="key" href="${previewHref(r.number)}">#${r.number}</a>`,
    html`${r.title ?? html`<span class="muted">—</span>`}<br><span class="muted"><code>${r.fetchRef}</code> into <code>${r.baseBranch}</code></span>`,
    stateBadge(r.state),
    commit(r.commit ?? r.headSha),
    summaryCell(r),
    when(latest(r)),
  ]);
  return page(
    { title: 'Plan previews', current: 'previews' },
    html`<h1>Plan previews</h1>
<p class="muted">What each pull request would change, planned against the observed state before it is merged. Nothing is applied.</p>
${off ? html`<p data-previews="off">${off}</p>` : table(['Pull request', 'Title · ref', 'State', 'Commit', 'Summary', 'Time'], rows, { empty: 'No pull request has been previewed since the daemon started.' })}
<p class="muted">JSON: <a href="/previews">/previews</a>.</p>`,
  );
}

export function previewPage(deps: PreviewPageDeps, number: number): Html | undefined {
  const found = deps.previews?.get(number);
  if (!found) return undefined;
  const r = previewView(found);
  const rev = r.commit ?? r.headSha;
  const problemRows = r.problems.map((p) => {
    const where = `${p.file}:${p.line}:${p.col}`;
    const link = sourceLink(deps.repoWebUrl, rev, p.file, p.line);
    return [link ? html`<a href="${link}">${where}</a>` : html`<code>${where}</code>`, p.message];
  });
  const taskRows = r.tasks.map((t) => [
    html`<code>${t.key}</code>`,
    t.action,
    String(t.wave),
    t.error ? html`${badge('Degraded', t.error.reason)} ${t.error.message}` : [t.reason, t.message].filter(Boolean).join(': ') || html`<span class="muted">—</span>`,
    String(t.changes.length),
  ]);
  const changed = r.tasks.filter((t) => t.changes.length > 0);
  const published = Object.entries(r.published).map(([k, v]) => [k === 'statusBranch' ? 'status branch' : k, String(v)]);
  const text = r.lines.join('\n');
  return page(
    { title: `Preview #${r.number}`, current: 'previews' },
    html`<h1>Preview of #${r.number}${r.title ? html`: ${r.title}` : ''} ${stateBadge(r.state)}</h1>
<dl class="facts"><dt>Pull request</dt><dd>${prLink(r)}</dd>
<dt>Ref</dt><dd><code>${r.fetchRef}</code> into <code>${r.baseBranch}</code></dd>
<dt>Commit planned</dt><dd>${commit(rev)}${r.commit && r.commit !== r.headSha ? html` <span class="muted">(the delivery named ${commit(r.headSha)})</span>` : ''}</dd>
<dt>Summary</dt><dd data-preview="summary">${r.summary}</dd>
<dt>Requested</dt><dd>${when(r.requestedAt)}</dd><dt>Finished</dt><dd>${when(r.finishedAt)}</dd></dl>
<p class="muted">Planned against the observed state; nothing is applied before the merge. JSON: <a href="/previews/${r.number}">/previews/${r.number}</a>.</p>
<section aria-labelledby="prob-h"><h2 id="prob-h">Problems</h2>${table(['Where', 'Problem'], problemRows, { empty: 'No problems.' })}</section>
<section aria-labelledby="tasks-h"><h2 id="tasks-h">Tasks</h2>${table(['Resource', 'Action', 'Wave', 'Why', 'Changes'], taskRows, { empty: 'No tasks (the commit was not planned).' })}
${r.prune.length ? html`<h3>Not declared any more</h3>${table(['Resource', 'Delete', 'Why'], r.prune.map((p) => [html`<code>${p.key}</code>`, p.allowed ? 'yes' : 'no', p.reason]))}` : ''}</section>
${changed.length ? html`<section aria-labelledby="chg-h"><h2 id="chg-h">Field changes</h2>${changed.map((t) => html`<h3><code>${t.key}</code> (${t.action})</h3>${fieldDiff(t.changes)}`)}</section>` : ''}
<section aria-labelledby="text-h"><h2 id="text-h">Plan</h2><p class="muted">What <code>driftless plan --ref ${r.fetchRef}</code> prints.</p>
${r.lines.length ? html`<pre data-preview="plan">${text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}\n… (${text.length - MAX_TEXT} more characters in the JSON)` : text}</pre>` : html`<p class="muted">No plan text.</p>`}</section>
<section aria-labelledby="pub-h"><h2 id="pub-h">Published</h2>${table(['Where', 'Result'], published, { empty: r.finishedAt ? 'Only here and at /previews (no status branch push or forge configured).' : 'Not published yet.' })}</section>
<p><a href="/ui/previews">All previews</a></p>`,
  );
}
