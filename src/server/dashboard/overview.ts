/**
 * The overview (`/ui/`): health counts overall and per kind, the watched and last good revisions, the run going on
 * now (a box the script keeps current from the event stream), the last runs as a plot and a table, and every
 * resource. Also the run page (`/ui/runs/:id`). Read from the same status view as `/status`, so counts agree.
 */
import type { JournalData } from '../../journal/types.js';
import { buildStatusView, summariseRun, type LiveState, type RunSummary } from '../../report/view.js';
import { commit, duration, html, when, type Html, type HtmlValue } from './html.js';
import { BUCKETS, badge, bucketOf, isReconciling, page, resourceHref, table, type Bucket } from './layout.js';
import { runsPlot } from './svg.js';

/** Runs drawn on the overview; the table lists the newest RUNS_LISTED (all of them at /ui/runs). */
export const RUNS_SHOWN = 30;
export const RUNS_LISTED = 10;
const RUN_HEADERS = ['Started', 'Run', 'Trigger', 'Revision', 'Outcome', 'Duration', 'Tasks'];
/** Resources listed without `?all=1`: the worst first, so a big fleet's page stays small and shows what matters. */
export const RESOURCES_SHOWN = 100;

const SEVERITY: Record<Bucket, number> = { Stalled: 0, Degraded: 1, Progressing: 2, Ready: 3 };

export interface OverviewQuery {
  /** Only this kind in the resources table. */
  kind?: string;
  /** Every resource, not only the first RESOURCES_SHOWN. */
  all?: boolean;
}

function liveBox(live: LiveState): Html {
  const c = live.current;
  const title = c ? `Run ${c.id.slice(0, 8)} at ${c.revision.slice(0, 12)}: ${c.tasksDone} / ${c.tasksTotal} tasks` : 'No run in progress.';
  return html`<section class="live" id="live" aria-live="polite" data-events="/ui/events" data-state="${c ? 'running' : 'idle'}"${c ? html` data-run="${c.id}"` : ''}>
<h2 data-live="title">${title}</h2>
<progress max="${Math.max(1, c?.tasksTotal ?? 1)}" value="${c?.tasksDone ?? 0}"${c ? '' : html` hidden`} aria-label="tasks done"></progress>
<ol aria-label="task events"></ol><p data-live="reload" hidden><a data-live="run" href="/ui/runs">This run's tasks</a> · <a href="/ui/">Reload for the updated tables</a></p></section>`;
}

function runRow(r: RunSummary): HtmlValue[] {
  const counts = Object.entries(r.counts).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
  const cls: Bucket = r.outcome === 'Succeeded' || r.outcome === 'NoChanges' ? 'Ready' : r.outcome === 'Stalled' ? 'Stalled' : 'Degraded';
  return [
    when(r.startedAt),
    html`<a href="/ui/runs/${encodeURIComponent(r.id)}">${r.id.slice(0, 8)}</a>`,
    r.trigger,
    commit(r.revision),
    badge(cls, r.outcome),
    duration(r.durationMs),
    counts,
  ];
}

export function overviewPage(data: JournalData, live: LiveState, query: OverviewQuery = {}): Html {
  const view = buildStatusView(data, live);
  const bucket = (r: (typeof view.resources)[number]): Bucket => bucketOf(r, isReconciling(data.statuses[r.key]));
  const buckets = new Map<Bucket, number>(BUCKETS.map((b) => [b, 0]));
  const byKind = new Map<string, Map<Bucket, number>>();
  for (const r of view.resources) {
    const b = bucket(r);
    buckets.set(b, buckets.get(b)! + 1);
    const k = byKind.get(r.kind) ?? new Map<Bucket, number>();
    k.set(b, (k.get(b) ?? 0) + 1);
    byKind.set(r.kind, k);
  }
  const src = view.source;
  const listed = view.resources
    .filter((r) => !query.kind || r.kind === query.kind)
    .sort((a, b) => SEVERITY[bucket(a)] - SEVERITY[bucket(b)] || a.key.localeCompare(b.key));
  const shown = query.all ? listed : listed.slice(0, RESOURCES_SHOWN);
  const qs = (all: boolean) => `/ui/?${new URLSearchParams({ ...(query.kind ? { kind: query.kind } : {}), ...(all ? { all: '1' } : {}) }).toString()}`;
  const runs = data.runs.slice(0, RUNS_SHOWN).map(summariseRun);
  return page(
    { title: 'Overview', current: 'overview', script: true },
    html`<h1>Overview</h1>
<ul class="cards" aria-label="resources by health">${BUCKETS.map((b) => html`<li data-bucket="${b}"><span class="n">${buckets.get(b)}</span>${badge(b)}</li>`)}</ul>
<div class="grid2"><section aria-labelledby="src-h"><h2 id="src-h">Source</h2><dl class="facts">
<dt>Repository</dt><dd>${src.description}</dd><dt>Branch</dt><dd>${src.branch}</dd>
<dt>Watched revision</dt><dd data-rev="head">${commit(view.revision.head)}</dd>
<dt>Last good revision</dt><dd data-rev="in-force">${commit(view.revision.inForce)}</dd>
<dt>Last attempted</dt><dd>${commit(view.revision.lastAttempted)}</dd>
<dt>Source</dt><dd>${src.ok ? 'reachable' : badge('Stalled', 'unreachable')} ${src.message ?? ''}</dd>
<dt>Checked</dt><dd>${when(src.checkedAt)}</dd></dl></section>
${liveBox(live)}</div>
<section aria-labelledby="kinds-h"><h2 id="kinds-h">By kind</h2>${table(
      ['Kind', ...BUCKETS],
      [...byKind.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([kind, m]) => [html`<a href="/ui/?kind=${encodeURIComponent(kind)}#res-h">${kind}</a>`, ...BUCKETS.map((b) => String(m.get(b) ?? 0))]),
      { empty: 'No resources yet.' },
    )}</section>
<section aria-labelledby="runs-h"><h2 id="runs-h">Last runs</h2>${runsPlot(runs)}
${table(RUN_HEADERS, runs.slice(0, RUNS_LISTED).map(runRow), { empty: 'No runs yet.' })}
${data.runs.length > RUNS_LISTED ? html`<p><a href="/ui/runs">All ${data.runs.length} runs kept</a></p>` : ''}</section>
<section aria-labelledby="res-h"><h2 id="res-h">Resources${query.kind ? html` of kind ${query.kind}` : ''}</h2>
<p class="muted">${shown.length} of ${listed.length}, the least healthy first${shown.length < listed.length ? html` · <a href="${qs(true)}#res-h">show all</a>` : ''}${query.kind ? html` · <a href="/ui/#res-h">every kind</a>` : ''}</p>${table(
      ['Resource', 'Health', 'Reason', 'Detail'],
      shown.map((r) => [
        html`<a class="key" href="${resourceHref(r.kind, r.name)}">${r.key}</a>`,
        badge(bucket(r)),
        r.reason ? html`${r.reason}${r.message ? html`<br><span class="muted">${r.message}</span>` : ''}` : '',
        r.detail ?? '',
      ]),
      { empty: 'No resources yet.' },
    )}</section>`,
  );
}

export function runsPage(data: JournalData): Html {
  return page({ title: 'Runs' }, html`<h1>Runs</h1>${table(RUN_HEADERS, data.runs.map(summariseRun).map(runRow), { empty: 'No runs yet.' })}`);
}

export function runPage(data: JournalData, id: string): Html | undefined {
  const run = data.runs.find((r) => r.id === id);
  if (!run) return undefined;
  const s = summariseRun(run);
  return page(
    { title: `Run ${id.slice(0, 8)}` },
    html`<h1>Run <code>${id}</code></h1><dl class="facts"><dt>Outcome</dt><dd>${s.outcome}</dd><dt>Trigger</dt><dd>${s.trigger}</dd>
<dt>Revision</dt><dd>${commit(s.revision)}</dd><dt>Started</dt><dd>${when(s.startedAt)}</dd><dt>Duration</dt><dd>${duration(s.durationMs)}</dd>
${s.message ? html`<dt>Message</dt><dd>${s.message}</dd>` : ''}</dl>
${s.problems?.length ? html`<h2>Problems</h2><pre>${s.problems.join('\n')}</pre>` : ''}
<h2>Tasks</h2>${table(
      ['Resource', 'Action', 'Wave', 'Status', 'Attempts', 'Duration', 'Reason'],
      run.results.map((r) => {
        const [kind, ...name] = r.key.split('/');
        return [html`<a class="key" href="${resourceHref(kind!, name.join('/'))}">${r.key}</a>`, r.action, String(r.wave), r.status, String(r.attempts), duration(r.durationMs), [r.reason, r.message].filter(Boolean).join(': ')];
      }),
      { empty: 'No tasks.' },
    )}`,
  );
}
