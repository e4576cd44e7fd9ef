/**
 * What a unit's status shows (issue 5: "the journal and the status branch record every version published"): the
 * version each host serves, the last publish (digest, files, hosts, result, time) and the recent publish history,
 * read by observe from `nginx/history.jsonl` so the detail stays a pure function of the observation.
 */
import type { StateStore } from '../../store/index.js';
import { readHistory, type HistoryRecord, type PublishRecord } from './history.js';
import type { PublishSummary, UnitObserved } from './spec.js';

/** Publishes kept in the observation (and so in status). */
export const HISTORY_IN_STATUS = 5;
const FILES_IN_STATUS = 20;
/** Hosts listed per unit and per publish; the counts stay exact, so a big unit keeps its detail under the cap. */
const HOSTS_IN_STATUS = 16;

function summarise(r: PublishRecord): PublishSummary {
  return {
    digest: r.digest,
    time: r.time,
    result: r.result,
    revision: r.revision.slice(0, 12),
    cause: r.cause,
    files: Object.keys(r.files).sort().slice(0, FILES_IN_STATUS),
    hosts: r.hosts.slice(0, HOSTS_IN_STATUS).map((h) => ({ host: h.host, ok: h.ok })),
    ...(r.error ? { error: r.error.slice(0, 200) } : {}),
  };
}

/** The unit's last few publishes, newest first; an unreadable history is no history (it is a record, not state). */
export async function recentPublishes(store: StateStore, unit: string, n = HISTORY_IN_STATUS): Promise<PublishSummary[]> {
  const all = await readHistory(store, unit).catch((): HistoryRecord[] => []);
  return all
    .filter((r): r is PublishRecord => r.type === 'publish')
    .slice(-n)
    .reverse()
    .map(summarise);
}

export function unitDetails(o: UnitObserved): Record<string, unknown> {
  const served = [...new Set(o.hosts.map((h) => h.recorded).filter((d): d is string => d !== undefined))];
  const inSync = o.hosts.filter((h) => h.recorded === o.desired.digest && h.actual === o.desired.digest).length;
  const published = served.length === 1 ? served[0] : served.length === 0 ? 'none' : 'mixed';
  const history = o.history ?? [];
  const last = history[0];
  const lastLine = last ? `; last publish ${last.result} at ${last.time}` : '';
  return {
    summary: `version ${published} on ${inSync}/${o.hosts.length} host(s)${lastLine}`,
    desired: o.desired.digest,
    published,
    hostCount: o.hosts.length,
    hosts: o.hosts.slice(0, HOSTS_IN_STATUS).map((h) => ({ host: h.host, version: h.recorded ?? null, running: h.running })),
    ...(last ? { lastPublish: last } : {}),
    history: history.map((h) => ({ digest: h.digest, time: h.time, result: h.result, cause: h.cause })),
  };
}
