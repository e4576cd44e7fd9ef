/**
 * State of a deployment kept in the state store (namespace `cf`, as `<name>/status.json` and `<name>/logs/*.log`,
 * the state dir's old layout): the last observation (what GET /deployment-engine/status and
 * /hardware serve), the config with secrets redacted, and installation logs per component instance (`nats_0.log`)
 * plus the controller's own `local.log`, as the seed lists them.
 */
import { StalledError } from '../../errors.js';
import { isSecretRef } from '../../model/resource.js';
import { getJson, putJson, type StateStore } from '../../store/index.js';
import { sanitize } from '../../util/sanitize.js';
import type { CFDeploymentSpec, CFObserved } from './spec.js';

export const LOG_NAME = /^[a-z0-9_]+(_\d+)?\.log$/;

const NS = 'cf';
const SNAPSHOT = '/status.json';

/** Secret references become `(secret)`: the config view never shows even where a secret lives. */
export function redact(spec: CFDeploymentSpec): unknown {
  const walk = (v: unknown): unknown => {
    if (isSecretRef(v)) return '(secret)';
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(spec);
}

export interface Snapshot {
  deployment: string;
  observedAt: string;
  observed: CFObserved;
  config: unknown;
  /** Why resurrection is held, when it is. */
  meltdown?: string;
}

export async function saveSnapshot(store: StateStore, snap: Snapshot): Promise<void> {
  await putJson(store, NS, `${snap.deployment}${SNAPSHOT}`, snap);
}

/** Every deployment's last observation, by name; a deployment never observed yet has none. */
export async function readSnapshots(store: StateStore): Promise<Snapshot[]> {
  const keys = (await store.list(NS)).filter((k) => k.endsWith(SNAPSHOT) && k.split('/').length === 2);
  const out: Snapshot[] = [];
  for (const k of keys) {
    const snap = await getJson<Snapshot>(store, NS, k);
    if (snap) out.push(snap);
  }
  return out;
}

/** Appends to a log of this deployment; `file` is `local.log` or `<component>_<index>.log`. */
export async function appendLog(store: StateStore, deployment: string, file: string, text: string): Promise<void> {
  if (!LOG_NAME.test(file)) throw new StalledError('InternalError', `invalid log name ${file}`);
  // masked on the way in: install scripts may echo a password, and the state dir must never hold one
  await store.append(NS, `${deployment}/logs/${file}`, sanitize(text));
}

export async function listLogs(store: StateStore, deployment: string): Promise<string[]> {
  const prefix = `${deployment}/logs/`;
  return (await store.logs(NS, prefix)).map((l) => l.slice(prefix.length)).filter((f) => LOG_NAME.test(f));
}

/**
 * The log's end (the store's bounded tail), undefined when there is no such log; names are checked so a request can
 * never name anything but a log of this deployment.
 */
export async function readLog(store: StateStore, deployment: string, file: string): Promise<string | undefined> {
  if (!LOG_NAME.test(file)) return undefined;
  return store.tail(NS, `${deployment}/logs/${file}`);
}
