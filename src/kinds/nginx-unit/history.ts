/**
 * The unit's own record, kept in the state store (log `nginx/history.jsonl`, append-only): every publish
 * (version digest, files with their sha256, hosts and what each said, result, time) and an operation log of every
 * file change with the servers added and removed, the revision, the run and the cause (a reconcile, or a pool node
 * registering or unregistering). hubble kept no upstream history at all; this is what `git revert` is checked against.
 */
import type { HostOutcome } from '../../drivers/types.js';
import { appendJsonLines, getJson, putJson, tailJsonLines, type StateStore } from '../../store/index.js';

export interface PublishRecord {
  type: 'publish';
  unit: string;
  time: string;
  revision: string;
  /** The run that published (absent for a register/unregister outside a run's apply, e.g. in tests). */
  run?: string;
  cause: string;
  digest: string;
  dir: string;
  files: Record<string, string>;
  hosts: HostOutcome[];
  result: 'succeeded' | 'failed';
  error?: string;
}

export interface ChangeRecord {
  type: 'change';
  unit: string;
  time: string;
  revision: string;
  run?: string;
  cause: string;
  file: string;
  before?: string;
  after?: string;
  added: string[];
  removed: string[];
}

export type HistoryRecord = PublishRecord | ChangeRecord;

const NS = 'nginx';
const LOG = 'history.jsonl';

export async function appendHistory(store: StateStore, records: HistoryRecord[]): Promise<void> {
  await appendJsonLines(store, NS, LOG, records);
}

/** The records at the end of the history (bounded by the store's tail), oldest first; optionally of one unit. */
export async function readHistory(store: StateStore, unit?: string): Promise<HistoryRecord[]> {
  const all = await tailJsonLines<HistoryRecord>(store, NS, LOG);
  return unit ? all.filter((r) => r.unit === unit) : all;
}

/** The file contents last published successfully, to log what changed line by line next time. */
export async function readLastFiles(store: StateStore, unit: string): Promise<Record<string, string>> {
  return (await getJson<Record<string, string>>(store, NS, `${unit}.last.json`)) ?? {};
}

export async function writeLastFiles(store: StateStore, unit: string, files: Record<string, string>): Promise<void> {
  await putJson(store, NS, `${unit}.last.json`, files);
}

/** `server` lines of an upstream file: what membership changed, for the operation log. */
export function serversOf(content: string | undefined): string[] {
  return [...(content ?? '').matchAll(/^\s*server\s+(\S+?)[\s;]/gm)].map((m) => m[1] ?? '').filter(Boolean);
}

export function changeRecords(
  base: Omit<ChangeRecord, 'type' | 'file' | 'before' | 'after' | 'added' | 'removed'>,
  before: Record<string, string>,
  after: Record<string, string>,
  sha: (c: string) => string,
): ChangeRecord[] {
  const paths = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return paths
    .filter((p) => before[p] !== after[p])
    .map((file) => {
      const b = serversOf(before[file]);
      const a = serversOf(after[file]);
      return {
        type: 'change' as const,
        ...base,
        file,
        ...(before[file] !== undefined ? { before: sha(before[file] as string).slice(0, 12) } : {}),
        ...(after[file] !== undefined ? { after: sha(after[file] as string).slice(0, 12) } : {}),
        added: a.filter((s) => !b.includes(s)),
        removed: b.filter((s) => !a.includes(s)),
      };
    });
}
