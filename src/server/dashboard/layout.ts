/**
 * The page frame and the vocabulary every dashboard page shares: the four health buckets the overview counts
 * (Ready / Progressing / Degraded / Stalled, from the same reading of conditions as `/status`) and their badges.
 */
import type { ResourceView } from '../../report/view.js';
import { html, type Html, type HtmlValue } from './html.js';

export type Bucket = 'Ready' | 'Progressing' | 'Degraded' | 'Stalled';
export const BUCKETS: readonly Bucket[] = ['Ready', 'Progressing', 'Degraded', 'Stalled'];

/**
 * Stalled and Ready are `/status`'s states; its NotReady splits into Degraded (the health says so, or nothing says
 * it is converging) and Progressing (the health says Progressing, or the Reconciling condition is True: a retry or
 * a dependency's wait is under way).
 */
export function bucketOf(v: Pick<ResourceView, 'state' | 'health'>, reconciling = false): Bucket {
  if (v.state === 'Stalled') return 'Stalled';
  if (v.state === 'Ready') return 'Ready';
  if (v.health === 'Degraded') return 'Degraded';
  if (v.health === 'Progressing' || reconciling) return 'Progressing';
  return 'Degraded';
}

/** True when the status's Reconciling condition is True. */
export function isReconciling(s: { conditions: { type: string; status: string }[] } | undefined): boolean {
  return s?.conditions.some((c) => c.type === 'Reconciling' && c.status === 'True') ?? false;
}

/** A badge in a bucket's colours; `Neutral` is for what is neither good nor bad (a superseded or closed preview). */
export function badge(b: Bucket | 'Neutral' | string, label?: string): Html {
  const cls = (BUCKETS as readonly string[]).includes(b) || b === 'Neutral' ? `s-${b.toLowerCase()}` : 's-degraded';
  return html`<span class="badge ${cls}">${label ?? b}</span>`;
}

export function resourceHref(kind: string, name: string): string {
  return `/ui/resources/${encodeURIComponent(kind)}/${encodeURIComponent(name)}`;
}

export interface PageOptions {
  title: string;
  /** Navigation entry to mark as current. */
  current?: 'overview' | 'engine' | 'previews';
  /** Adds the live-progress script (pages with a `#live` box). */
  script?: boolean;
}

/** The document: header with navigation, the body, the stylesheet and (when asked) the one script. */
export function page(opts: PageOptions, body: HtmlValue): Html {
  const nav = (id: PageOptions['current'], href: string, label: string): Html =>
    html`<a href="${href}"${opts.current === id ? html` aria-current="page"` : ''}>${label}</a>`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${opts.title} · driftless</title><link rel="stylesheet" href="/ui/assets/dashboard.css">
${opts.script ? html`<script src="/ui/assets/dashboard.js" defer></script>` : ''}</head>
<body><header><a class="brand" href="/ui/">driftless</a><nav aria-label="Main">${nav('overview', '/ui/', 'Overview')}${nav('engine', '/ui/deployment-engine', 'Deployment Engine')}${nav('previews', '/ui/previews', 'Previews')}<a href="/status">/status JSON</a></nav></header>
<main id="main">${body}</main></body></html>`;
}

/** A table that turns into labelled rows at phone width (`data-label` per cell). */
export function table(headers: string[], rows: HtmlValue[][], opts: { caption?: string; empty?: string } = {}): Html {
  if (rows.length === 0) return html`<p class="muted">${opts.empty ?? 'Nothing to show.'}</p>`;
  return html`<div class="table-wrap"><table class="stack">${opts.caption ? html`<caption class="muted">${opts.caption}</caption>` : ''}
<thead><tr>${headers.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
<tbody>${rows.map((r) => html`<tr>${r.map((c, i) => html`<td data-label="${headers[i] ?? ''}">${c}</td>`)}</tr>`)}</tbody></table></div>`;
}
