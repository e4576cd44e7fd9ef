/**
 * `driftless state migrate`: copies everything a daemon keeps between runs from one backend to the other (the
 * journal with its runs and inventory, host-key pins, machine keys and every kind namespace with its logs), then
 * reads every record back from the target and compares it with the source. The target must hold no journal yet
 * (a migration never merges into live state), and both ends are locked or quiet: stop the daemons first.
 *
 * Secrets: a value the embedded store holds as a plain 0600 file is sealed in etcd when the kinds would have
 * written it as secret (machine private keys and client tokens, `machines/keys/**` except `*.pub`) or when it
 * holds a private key block, whichever the source; a target without an encryption key refuses them.
 */
import { isDeepStrictEqual } from 'node:util';
import { StalledError } from '../errors.js';
import type { StateEndpoint } from './state-endpoint.js';

export interface MigrateReport {
  journal: { runs: number; resources: number };
  knownHosts: number;
  keys: number;
  logs: number;
  secrets: number;
}

const ALL = Number.MAX_SAFE_INTEGER;

/** Whether a value is written as secret in the target (see the file comment). */
export function isSecretValue(ns: string, key: string, value: Buffer): boolean {
  if (ns === 'machines' && key.startsWith('keys/') && !key.endsWith('.pub')) return true;
  return value.includes('PRIVATE KEY-----');
}

export async function migrateState(from: StateEndpoint, to: StateEndpoint): Promise<MigrateReport> {
  const journal = await from.readJournal();
  if (!journal) throw new StalledError('StateStoreUnavailable', `${from.location} holds no journal: nothing to migrate`);
  const existing = await to.readJournal();
  if (existing && (existing.runs.length > 0 || Object.keys(existing.inventory).length > 0)) {
    throw new StalledError('StateStoreUnavailable', `${to.location} already holds a journal with runs or inventory: refusing to overwrite it`);
  }
  const report: MigrateReport = { journal: { runs: journal.runs.length, resources: Object.keys(journal.inventory).length }, knownHosts: 0, keys: 0, logs: 0, secrets: 0 };
  // Everything is read first and secrets are written first: a target that cannot seal them refuses before
  // anything else was written there.
  const values: { ns: string; key: string; value: Buffer; secret: boolean }[] = [];
  const logs: { ns: string; log: string; text: string }[] = [];
  for (const ns of await from.namespaces()) {
    for (const key of await from.store.list(ns)) {
      const value = (await from.store.get(ns, key))!;
      values.push({ ns, key, value, secret: isSecretValue(ns, key, value) });
    }
    for (const log of await from.store.logs(ns)) {
      if ((await to.store.tail(ns, log)) !== undefined) throw new StalledError('StateStoreUnavailable', `${to.location} already holds log ${ns}/${log}`);
      logs.push({ ns, log, text: (await from.store.tail(ns, log, { maxBytes: ALL })) ?? '' });
    }
  }
  values.sort((a, b) => Number(b.secret) - Number(a.secret));
  for (const v of values) {
    await to.store.put(v.ns, v.key, v.value, { secret: v.secret });
    report.keys += 1;
    if (v.secret) report.secrets += 1;
  }
  const pins = await from.knownHosts.read();
  if (pins !== undefined) {
    await to.knownHosts.write(pins);
    report.knownHosts = pins.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).length;
  }
  for (const l of logs) {
    if (l.text !== '') await to.store.append(l.ns, l.log, l.text);
    report.logs += 1;
  }
  // The journal last: a target with a journal is a finished migration (and the refusal above protects it).
  await to.writeJournal(journal);
  await verify(from, to);
  return report;
}

/** Reads every record back from the target; any difference is an error naming it. */
export async function verify(from: StateEndpoint, to: StateEndpoint): Promise<void> {
  const differ = (what: string) => new StalledError('StateStoreUnavailable', `read-back from ${to.location} differs: ${what}`);
  if (!isDeepStrictEqual(await to.readJournal(), await from.readJournal())) throw differ('journal');
  if ((await to.knownHosts.read()) !== (await from.knownHosts.read())) throw differ('known hosts');
  for (const ns of await from.namespaces()) {
    const keys = await from.store.list(ns);
    if (!isDeepStrictEqual(await to.store.list(ns), keys)) throw differ(`keys of ${ns}`);
    for (const key of keys) {
      if (!(await to.store.get(ns, key))?.equals((await from.store.get(ns, key))!)) throw differ(`${ns}/${key}`);
    }
    for (const log of await from.store.logs(ns)) {
      const want = (await from.store.tail(ns, log, { maxBytes: ALL })) ?? '';
      if (((await to.store.tail(ns, log, { maxBytes: ALL })) ?? '') !== want) throw differ(`log ${ns}/${log}`);
    }
  }
}
