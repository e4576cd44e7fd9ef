/**
 * One resource (`/ui/resources/:kind/:name`): status and conditions from the journal; spec as declared (with a
 * file:line link into the repo's web view when the operator configured one), observed state, the newest plan's
 * field diff and the dependency graph from the daemon's newest plan; the operation log from the engine's events;
 * and, for pools, nginx units and CF deployments, their own tables. A resource only in the plan (never applied)
 * has a page too.
 */
import { yamlLib } from '../../util/yaml.js';
import type { JournalData } from '../../journal/types.js';
import type { DeploymentReadModel } from '../../model/deployment-view.js';
import type { FieldChange, Plan, Task } from '../../model/plan.js';
import { viewResource } from '../../report/view.js';
import { isSensitiveKey, redactDeep, type DashboardFeed } from './feed.js';
import { commit, html, safeHref, when, type Html } from './html.js';
import { cfLogsSection, nginxSection, poolSection } from './kind-sections.js';
import { badge, bucketOf, isReconciling, page, table } from './layout.js';
import { dependencyGraph } from './svg.js';

export interface ResourcePageDeps {
  read: () => JournalData;
  feed: DashboardFeed;
  deployments?: DeploymentReadModel;
  /** The config repo's web view: `{commit}`, `{path}`, `{line}` placeholders, or a base URL (GitHub/Gitea style). */
  repoWebUrl?: string;
  now?: () => number;
}

/** A link to `file:line` at `rev` in the repo's web view, or undefined when none is configured. */
export function sourceLink(template: string | undefined, rev: string | undefined, file: string, line: number): string | undefined {
  if (!template || !rev) return undefined;
  const path = file.split('/').map(encodeURIComponent).join('/');
  const url = /\{(commit|path|line)\}/.test(template)
    ? template.replaceAll('{commit}', encodeURIComponent(rev)).replaceAll('{path}', path).replaceAll('{line}', String(line))
    : `${template.replace(/\/+$/, '')}/blob/${encodeURIComponent(rev)}/${path}#L${line}`;
  return safeHref(url) === '#' ? undefined : url;
}

const MAX_YAML = 20_000;
function yamlBlock(value: unknown): Html {
  if (value === undefined) return html`<p class="muted">Not observed (absent, or not read yet).</p>`;
  const text = yamlLib().stringify(redactDeep(value), { lineWidth: 0 });
  return html`<pre>${text.length > MAX_YAML ? `${text.slice(0, MAX_YAML)}\n… (${text.length - MAX_YAML} more characters)` : text}</pre>`;
}

/** Observations come from the newest plan: made before its apply, refreshed by every run and drift check. */
export function observedAt(time: string | undefined): Html {
  return time ? html`<p class="muted">As observed ${when(time)} for the newest plan (before that plan was applied; every run and drift check observes again).</p>` : html``;
}

const shown = (v: unknown, sensitive?: boolean): string => (sensitive ? '***' : v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

function diffSection(task: Task | undefined, plan: Plan | undefined): Html {
  if (!task || !plan) return html`<p class="muted">Not in the daemon's newest plan.</p>`;
  const head = html`<p>Newest plan at ${commit(plan.revision)} (${when(plan.createdAt)}): <strong>${task.action}</strong>${task.reason ? html` — ${task.reason}` : ''}${task.message ? html`: ${task.message}` : ''}</p>`;
  if (task.changes.length === 0) return html`${head}<p class="muted">No field differs.</p>`;
  return html`${head}${fieldDiff(task.changes)}`;
}

/**
 * A plan's field changes as a before/after table: values under credential-like keys (and changes the kind marked
 * sensitive) show `***`, objects are redacted deep. Shared by resource pages and plan previews.
 */
export function fieldDiff(changes: FieldChange[]): Html {
  const rows = changes.map((c) => {
    const mask = c.sensitive === true || isSensitiveKey(c.path.split(/[.[\]]/).filter(Boolean).pop() ?? '');
    return [html`<code>${c.path}</code>`, html`<code class="before">${shown(redactDeep(c.before), mask)}</code>`, html`<code class="after">${shown(redactDeep(c.after), mask)}</code>`];
  });
  return html`<div class="diff">${table(['Field', 'Before (observed)', 'After (declared)'], rows)}</div>`;
}

export async function resourcePage(deps: ResourcePageDeps, kind: string, name: string): Promise<Html | undefined> {
  const key = `${kind}/${name}`;
  const data = deps.read();
  const status = data.statuses[key];
  const plan = deps.feed.plan();
  const task = plan?.tasks.find((t) => t.key === key);
  if (!status && !task) return undefined;
  const view = status ? viewResource(status) : undefined;
  const src = status?.source ?? task?.desired.source;
  const rev = plan?.revision ?? status?.lastAttemptedRevision;
  const link = src ? sourceLink(deps.repoWebUrl, rev, src.file, src.line) : undefined;
  const dependents = plan ? plan.tasks.filter((t) => t.dependsOn.includes(key)).map((t) => t.key).sort() : [];
  const details = status?.details;
  const now = (deps.now ?? Date.now)();
  const log = deps.feed.entries(key).reverse();
  const declared = task ? { apiVersion: task.desired.apiVersion, kind: task.desired.kind, metadata: task.desired.metadata, spec: task.desired.spec } : undefined;
  return page(
    { title: key },
    html`<h1>${key} ${view ? badge(bucketOf(view, isReconciling(status))) : badge('Progressing', 'not applied yet')}</h1>
<dl class="facts"><dt>Health</dt><dd>${status?.health ?? '—'}</dd>
${view?.reason ? html`<dt>Reason</dt><dd>${view.reason}${view.message ? html`: ${view.message}` : ''}</dd>` : ''}
<dt>Last applied</dt><dd>${commit(status?.lastAppliedRevision)}</dd><dt>Last attempted</dt><dd>${commit(status?.lastAttemptedRevision)}</dd>
<dt>Declared in</dt><dd>${src ? (link ? html`<a href="${link}">${src.file}:${src.line}</a>` : html`<code>${src.file}:${src.line}</code>`) : '—'}</dd>
${view?.detail ? html`<dt>Detail</dt><dd>${view.detail}</dd>` : ''}<dt>Updated</dt><dd>${when(status?.updatedAt)}</dd></dl>
${kind === 'Pool' ? poolSection(task?.observed, now, plan?.createdAt) : ''}
${kind === 'NginxUnit' ? nginxSection(details) : ''}
<section aria-labelledby="diff-h"><h2 id="diff-h">Plan</h2>${diffSection(task, plan)}</section>
<section aria-labelledby="cond-h"><h2 id="cond-h">Conditions</h2>${table(
      ['Type', 'Status', 'Reason', 'Message', 'Since'],
      (status?.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message, when(c.lastTransitionTime)]),
      { empty: 'No conditions yet.' },
    )}</section>
<section aria-labelledby="graph-h"><h2 id="graph-h">Dependencies and dependents</h2>${task ? dependencyGraph(key, [...task.dependsOn].sort(), dependents) : html`<p class="muted">Not in the newest plan.</p>`}</section>
<section aria-labelledby="log-h"><h2 id="log-h">Operation log</h2>${table(
      ['Time', 'Run', 'Event'],
      log.map((e) => [when(e.time), e.runId ? html`<a href="/ui/runs/${encodeURIComponent(e.runId)}">${e.runId.slice(0, 8)}</a>` : '', e.text]),
      { empty: 'No operations since the daemon started.' },
    )}</section>
${kind === 'CFDeployment' ? await cfLogsSection(deps.deployments, name) : ''}
<div class="grid2"><section aria-labelledby="spec-h"><h2 id="spec-h">Spec as declared</h2>${declared ? yamlBlock(declared) : html`<p class="muted">Not in the newest plan.</p>`}</section>
<section aria-labelledby="obs-h"><h2 id="obs-h">Observed</h2>${observedAt(plan?.createdAt)}${yamlBlock(task?.observed)}</section></div>
${details ? html`<section aria-labelledby="det-h"><h2 id="det-h">Status details</h2>${yamlBlock(details)}</section>` : ''}`,
  );
}
