/**
 * Local state of a deployment under the state dir: the last observation (what GET /deployment-engine/status and
 * /hardware serve), the config with secrets redacted, and installation logs per component instance (`nats_0.log`)
 * plus the controller's own `local.log`, as the seed lists them.
 */
import { appendFile, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isSecretRef } from '../../model/resource.js';
import type { CFDeploymentSpec, CFObserved } from './spec.js';

export const LOG_NAME = /^[a-z0-9_]+(_\d+)?\.log$/;

export function deploymentDir(stateDir: string, name: string): string {
  return join(stateDir, 'cf', name);
}

async function writeJson(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2));
  await rename(tmp, path);
}

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

export async function saveSnapshot(stateDir: string, snap: Snapshot): Promise<void> {
  const dir = deploymentDir(stateDir, snap.deployment);
  await mkdir(join(dir, 'logs'), { recursive: true });
  await writeJson(join(dir, 'status.json'), snap);
}

export async function readSnapshots(stateDir: string): Promise<Snapshot[]> {
  const root = join(stateDir, 'cf');
  let names: string[];
  try {
    names = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
  const out: Snapshot[] = [];
  for (const n of names.sort()) {
    try {
      out.push(JSON.parse(await readFile(join(root, n, 'status.json'), 'utf8')) as Snapshot);
    } catch {
      // a deployment never observed yet has no snapshot
    }
  }
  return out;
}

/** Appends to a log of this deployment; `file` is `local.log` or `<component>_<index>.log`. */
export async function appendLog(stateDir: string, deployment: string, file: string, text: string): Promise<void> {
  if (!LOG_NAME.test(file)) throw new Error(`invalid log name ${file}`);
  const dir = join(deploymentDir(stateDir, deployment), 'logs');
  await mkdir(dir, { recursive: true });
  await appendFile(join(dir, file), text.endsWith('\n') ? text : `${text}\n`);
}

export async function listLogs(stateDir: string, deployment: string): Promise<string[]> {
  try {
    return (await readdir(join(deploymentDir(stateDir, deployment), 'logs'))).filter((f) => LOG_NAME.test(f)).sort();
  } catch {
    return [];
  }
}

/** Undefined when there is no such log; names are checked so a request can never leave the logs directory. */
export async function readLog(stateDir: string, deployment: string, file: string): Promise<string | undefined> {
  if (!LOG_NAME.test(file)) return undefined;
  try {
    return await readFile(join(deploymentDir(stateDir, deployment), 'logs', file), 'utf8');
  } catch {
    return undefined;
  }
}
