/**
 * `driftless status`: what the journal recorded — per-resource conditions and the last run. Read-only. With
 * `--state etcd://...` (or $DRIFTLESS_STATE) it reads the journal an HA fleet shares, so an operator can ask from
 * any machine that reaches etcd; the replicas' state dirs are never needed for it.
 */
import { join } from 'node:path';
import { openJournalReadOnly, type JournalData } from '../../journal/index.js';
import { emptyJournal } from '../../journal/types.js';
import { defaultStateDir } from '../../reconcile/runtime.js';
import { createOperatorSecretResolver } from '../../secrets/operator.js';
import { isEtcdUrl } from '../../store/etcd/url.js';
import { StalledError } from '../../errors.js';
import type { CommonOptions } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { printJson, printStatus } from '../output.js';
import { etcdSettings } from './state.js';

export interface StatusOptions extends CommonOptions {
  /** Shared state of an HA fleet (`etcd://host:2379,...[/prefix]`); the settings file's `etcd:` gives credentials. */
  state?: string;
  stateKeyEnv?: string;
  stateKeyFile?: string;
}

/** The shared journal (an empty one when the fleet has recorded nothing yet). */
async function readShared(url: string, opts: StatusOptions): Promise<JournalData> {
  if (!isEtcdUrl(url)) throw new StalledError('SchemaInvalid', `--state ${JSON.stringify(url)}: expected etcd://host:port[,host:port...][/prefix] (a state dir is --state-dir)`);
  const { settings, baseDir } = await etcdSettings(opts);
  const { etcdEndpoint } = await import('../../ha/state-endpoint.js');
  const end = await etcdEndpoint(url, settings, createOperatorSecretResolver({ baseDir }));
  try {
    return (await end.readJournal()) ?? emptyJournal();
  } finally {
    await end.close();
  }
}

export async function statusCommand(opts: StatusOptions): Promise<ExitCode> {
  const state = opts.state ?? process.env.DRIFTLESS_STATE;
  const data = state ? await readShared(state, opts) : (await openJournalReadOnly(join(opts.stateDir ?? defaultStateDir(), 'journal.json'))).read();
  const statuses = Object.values(data.statuses);
  const lastRun = data.runs[0];
  if (opts.json) printJson({ lastGoodRevision: data.lastGoodRevision, lastRun, resources: statuses });
  else printStatus(statuses, { lastGoodRevision: data.lastGoodRevision, lastRun });
  const stalled = statuses.some((s) => s.conditions.some((c) => c.type === 'Stalled' && c.status === 'True'));
  return stalled || lastRun?.outcome === 'Stalled' ? EXIT.invalid : EXIT.ok;
}
