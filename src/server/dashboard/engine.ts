/**
 * The "Deployment Engine" page: what the CF status API answers (`/deployment-engine/status`), as a components ×
 * hosts matrix with monit's verdict in each cell, plus each host's facts and usage. Same read model and same
 * status words as the JSON routes, so the page and the API never disagree.
 */
import type { DeploymentReadModel, DeploymentSnapshotView } from '../../model/deployment-view.js';
import { statusEntries, type StatusEntry } from '../routes/deployment-engine.js';
import { html, when, type Html } from './html.js';
import { badge, page, resourceHref, table, type Bucket } from './layout.js';

const BUCKET: Record<StatusEntry['Status'], Bucket> = {
  RUNNING: 'Ready',
  STARTING: 'Progressing',
  STOPPED: 'Degraded',
  NOT_INSTALLED: 'Degraded',
  DOWN: 'Stalled',
  UNREACHABLE: 'Stalled',
};

function deployment(snap: DeploymentSnapshotView): Html {
  const entries = statusEntries(snap);
  const hosts = [...new Set(snap.observed.instances.map((i) => i.host))].sort();
  const comps = [...new Set(snap.observed.instances.map((i) => i.component))];
  const cell = (comp: string, host: string): Html => {
    const e = entries.find((x) => x.Comp === comp && x.Host === host);
    if (!e) return html`<span class="muted">—</span>`;
    const monit = snap.observed.hosts.find((h) => h.host === host)?.processes[comp];
    return html`${badge(BUCKET[e.Status], e.Status)}${monit ? html`<br><span class="muted">monit: ${monit.state}</span>` : ''}`;
  };
  const hostRows = snap.observed.hosts.map((h) => [
    h.host,
    h.address,
    h.reachable ? badge('Ready', 'reachable') : badge('Stalled', 'unreachable'),
    [h.facts.cpus !== undefined ? `${h.facts.cpus} CPU` : '', h.facts.memoryMiB !== undefined ? `${h.facts.memoryMiB} MiB` : '', h.facts.diskMiB !== undefined ? `${h.facts.diskMiB} MiB disk` : ''].filter(Boolean).join(', '),
    [h.usage.cpuPercent, h.usage.memoryPercent, h.usage.diskPercent].map((v) => (v === undefined ? '—' : `${v}%`)).join(' / '),
  ]);
  return html`<section aria-labelledby="d-${snap.deployment}"><h2 id="d-${snap.deployment}"><a href="${resourceHref('CFDeployment', snap.deployment)}">${snap.deployment}</a></h2>
<p class="muted">Observed ${when(snap.observedAt)}${snap.meltdown ? html` · resurrection held: ${snap.meltdown}` : ''}</p>
${table(['Component', ...hosts], comps.map((c) => [html`<code>${c}</code>`, ...hosts.map((h) => cell(c, h))]), { caption: 'Components × hosts (monit state)' })}
<h3>Hosts</h3>${table(['Host', 'Address', 'Reachable', 'Facts', 'CPU / memory / disk use'], hostRows)}</section>`;
}

export async function enginePage(deployments: DeploymentReadModel | undefined): Promise<Html> {
  const snaps = deployments ? await deployments.snapshots().catch(() => []) : [];
  return page(
    { title: 'Deployment Engine', current: 'engine' },
    html`<h1>Deployment Engine</h1>${snaps.length === 0 ? html`<p class="muted">No CFDeployment has been observed yet.</p>` : snaps.map(deployment)}
<p class="muted">JSON: <a href="/deployment-engine/status">/deployment-engine/status</a> (the CF status API's shape).</p>`,
  );
}
