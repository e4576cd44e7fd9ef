/**
 * The dashboard's two drawings, made on the server as plain SVG (no chart library: a bar per run and three columns
 * of boxes are a few lines, weigh nothing and need no script). Both carry a title and description for screen
 * readers, and the same data is always in a table next to them, so the drawing is never the only way to read it.
 */
import type { RunSummary } from '../../report/view.js';
import { duration, html, type Html } from './html.js';

const KNOWN = new Set(['Succeeded', 'NoChanges', 'Failed', 'Stalled', 'Waiting']);

/** Bars of the last runs, oldest left: height = duration (log scale, so one slow run does not flatten the rest). */
export function runsPlot(runs: RunSummary[]): Html {
  const list = [...runs].reverse();
  const W = 480;
  const H = 160;
  const pad = { l: 44, r: 8, t: 10, b: 22 };
  if (list.length === 0) return html`<p class="muted">No runs yet.</p>`;
  const max = Math.max(...list.map((r) => r.durationMs), 1000);
  const scale = (ms: number): number => (Math.log10(1 + ms) / Math.log10(1 + max)) * (H - pad.t - pad.b);
  const slot = (W - pad.l - pad.r) / Math.max(list.length, 10);
  const bars = list.map((r, i) => {
    const h = Math.max(2, scale(r.durationMs));
    const x = pad.l + i * slot + slot * 0.15;
    const cls = KNOWN.has(r.outcome) ? `bar-${r.outcome}` : 'bar-other';
    return html`<a href="/ui/runs/${encodeURIComponent(r.id)}"><rect class="${cls}" x="${x.toFixed(1)}" y="${(H - pad.b - h).toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${h.toFixed(1)}"><title>${r.outcome} in ${duration(r.durationMs)} at ${r.startedAt} (${r.trigger})</title></rect></a>`;
  });
  return html`<svg class="plot" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="group" aria-labelledby="plot-t" aria-describedby="plot-d">
<title id="plot-t">Last ${list.length} runs: duration and outcome</title>
<desc id="plot-d">One bar per run, oldest on the left; bar height is the run's duration on a logarithmic scale; the colour is the outcome. The same runs are listed in the table below.</desc>
<line class="axis" x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}"/>
<line class="axis" x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${H - pad.b}"/>
<text x="${pad.l - 4}" y="${pad.t + 10}" text-anchor="end">${duration(max)}</text>
<text x="${pad.l - 4}" y="${H - pad.b}" text-anchor="end">0</text>
<text x="${pad.l}" y="${H - 6}">older</text><text x="${W - pad.r}" y="${H - 6}" text-anchor="end">newer</text>
${bars}
</svg>
<ul class="legend"><li><span class="sw sw-ok"></span>Succeeded / no changes</li><li><span class="sw sw-fail"></span>Failed</li><li><span class="sw sw-stall"></span>Stalled / waiting</li><li><span class="sw sw-none"></span>other</li></ul>`;
}

const BOX_W = 190;

function hrefOf(key: string): string {
  const [kind, ...rest] = key.split('/');
  return `/ui/resources/${encodeURIComponent(kind!)}/${encodeURIComponent(rest.join('/'))}`;
}
const BOX_H = 30;

function box(key: string, x: number, y: number, self: boolean): Html {
  const label = key.length > 26 ? `${key.slice(0, 25)}…` : key;
  return html`<a href="${hrefOf(key)}"><g class="node${self ? ' self' : ''}"><rect x="${x}" y="${y}" width="${BOX_W}" height="${BOX_H}" rx="4"/><text x="${x + 8}" y="${y + 19}">${label}</text><title>${key}</title></g></a>`;
}

/** Dependencies left, the resource in the middle, dependents right; edges point the way apply order goes. */
export function dependencyGraph(key: string, dependsOn: string[], dependents: string[]): Html {
  const rows = Math.max(dependsOn.length, dependents.length, 1);
  const gap = 12;
  const H = rows * (BOX_H + gap) + gap;
  // Only the columns that have boxes: a resource with no dependencies starts at the left edge.
  const leftW = dependsOn.length > 0 ? BOX_W + 60 : 0;
  const W = leftW + BOX_W + (dependents.length > 0 ? 60 + BOX_W : 0);
  const yOf = (i: number, n: number): number => (H - n * (BOX_H + gap) + gap) / 2 + i * (BOX_H + gap);
  const cy = (H - BOX_H) / 2;
  const midX = leftW;
  const left = dependsOn.map((k, i) => {
    const y = yOf(i, dependsOn.length);
    return html`<path class="edge" d="M${BOX_W} ${y + BOX_H / 2} C${BOX_W + 30} ${y + BOX_H / 2} ${midX - 30} ${cy + BOX_H / 2} ${midX} ${cy + BOX_H / 2}" marker-end="url(#arrow)"/>${box(k, 0, y, false)}`;
  });
  const right = dependents.map((k, i) => {
    const y = yOf(i, dependents.length);
    const x = midX + BOX_W + 60;
    return html`<path class="edge" d="M${midX + BOX_W} ${cy + BOX_H / 2} C${midX + BOX_W + 30} ${cy + BOX_H / 2} ${x - 30} ${y + BOX_H / 2} ${x} ${y + BOX_H / 2}" marker-end="url(#arrow)"/>${box(k, x, y, false)}`;
  });
  const list = (label: string, keys: string[]): Html =>
    html`<p><strong>${label}:</strong> ${keys.length === 0 ? html`<span class="muted">none</span>` : keys.map((k, i) => html`${i > 0 ? ', ' : ''}<a href="${hrefOf(k)}">${k}</a>`)}</p>`;
  // Wide graphs scroll sideways on a phone instead of shrinking to unreadable text; the lists say the same in words.
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label="dependency graph"><svg class="graph" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="group" aria-labelledby="graph-t"><title id="graph-t">${key}: ${dependsOn.length} dependencies (left), ${dependents.length} dependents (right)</title>
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="edge" d="M0 0L10 5L0 10z"/></marker></defs>
${left}${box(key, midX, cy, true)}${right}</svg></div>${list('Depends on', dependsOn)}${list('Needed by', dependents)}`;
}
