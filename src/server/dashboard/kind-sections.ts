/**
 * Kind-specific parts of a resource page, read structurally from what the kind observed or reported in its status
 * details (the server never imports a kind): a pool's nodes per host, an nginx unit's version per host and publish
 * history, a CF deployment's install log tails. An unfamiliar shape shows nothing rather than failing the page.
 */
import type { DeploymentReadModel } from '../../model/deployment-view.js';
import { age, html, when, type Html, type HtmlValue } from './html.js';
import { badge, table } from './layout.js';

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => v !== null && typeof v === 'object' && !Array.isArray(v);
const arr = (v: unknown): Rec[] => (Array.isArray(v) ? v.filter(isRec) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');

/** Pool: one row per node, grouped by host; an unreachable host is one row saying why. */
export function poolSection(observed: unknown, now: number, observedTime?: string): Html {
  if (!isRec(observed)) return html``;
  const rows: HtmlValue[][] = [];
  for (const h of arr(observed.hosts)) {
    if (h.reachable === false) {
      rows.push([str(h.host), html`<span class="muted">—</span>`, '', badge('Stalled', 'unreachable'), str(h.error)]);
      continue;
    }
    for (const n of arr(h.nodes)) {
      const health = n.healthy === true ? badge('Ready', 'healthy') : n.healthy === false ? badge('Degraded', 'unhealthy') : badge('Progressing', str(n.state) || 'unknown');
      rows.push([str(h.host), html`<code>${str(n.name)}</code>`, html`<code>${str(n.image)}</code>`, health, html`${str(n.state)} · ${age(str(n.createdAt), now)}`]);
    }
  }
  const at = observedTime ? html`<p class="muted">Observed ${when(observedTime)}, when the newest plan was made.</p>` : '';
  return html`<section aria-labelledby="nodes-h"><h2 id="nodes-h">Nodes per host</h2>${at}${table(['Host', 'Node', 'Image', 'Health', 'State · age'], rows, { empty: 'No nodes observed.' })}</section>`;
}

/** NginxUnit: the version each host serves (from status details) and the recent publishes. */
export function nginxSection(details: Rec | undefined): Html {
  if (!details) return html``;
  const hosts = arr(details.hosts).map((h) => [str(h.host), html`<code>${str(h.version) || '—'}</code>`, h.running === false ? badge('Degraded', 'stopped') : badge('Ready', 'running')]);
  const history = arr(details.history).map((p) => [when(str(p.time)), html`<code>${str(p.digest).slice(0, 19)}</code>`, str(p.result), str(p.cause)]);
  const last = isRec(details.lastPublish) ? details.lastPublish : undefined;
  const files = last && Array.isArray(last.files) ? last.files.map(str) : [];
  return html`<section aria-labelledby="ng-h"><h2 id="ng-h">Versions per host</h2><p>Desired <code>${str(details.desired)}</code>, published <code>${str(details.published)}</code></p>
${table(['Host', 'Version', 'nginx'], hosts, { empty: 'No hosts observed.' })}
<h2>Publish history</h2>${table(['Time', 'Digest', 'Result', 'Cause'], history, { empty: 'No publishes recorded.' })}
${files.length ? html`<h3>Files of the last publish</h3><pre>${files.join('\n')}</pre>` : ''}</section>`;
}

/** CFDeployment: the tail of each install log (already sanitised by the read model's consumer below). */
export async function cfLogsSection(deployments: DeploymentReadModel | undefined, name: string, lines = 30): Promise<Html> {
  if (!deployments) return html``;
  const names = await deployments.logs(name).catch(() => [] as string[]);
  if (names.length === 0) return html`<section><h2>Install logs</h2><p class="muted">No install logs.</p></section>`;
  const parts: Html[] = [];
  for (const file of names.slice(0, 12)) {
    const text = (await deployments.log(name, file).catch(() => undefined)) ?? '';
    const tail = text.split('\n').slice(-lines).join('\n');
    parts.push(html`<h3><a href="/deployment-engine/download/${encodeURIComponent(file)}?deployment=${encodeURIComponent(name)}">${file}</a></h3><pre>${tail}</pre>`);
  }
  return html`<section aria-labelledby="cf-h"><h2 id="cf-h">Install logs (last ${lines} lines)</h2>${parts}</section>`;
}
