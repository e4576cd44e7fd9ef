/**
 * `driftless state migrate --from DIR|etcd://... --to DIR|etcd://...`: moves a daemon's state between the
 * embedded state dir and a shared etcd store (either way), then verifies it by reading every record back
 * (src/ha/migrate.ts). etcd credentials and the encryption key come from the operator settings file's `etcd:`
 * section (`--config`) or the `--state-key-*` flags; stop the daemons first.
 */
import { resolve } from 'node:path';
import { yamlLib } from '../../util/yaml.js';
import { migrateState } from '../../ha/migrate.js';
import { dirEndpoint, etcdEndpoint, readText, type StateEndpoint } from '../../ha/state-endpoint.js';
import { createOperatorSecretResolver } from '../../secrets/operator.js';
import type { EtcdSettings } from '../../store/etcd/connect.js';
import { isEtcdUrl } from '../../store/etcd/url.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { printJson, printMessage } from '../output.js';

export interface StateMigrateOptions {
  from: string;
  to: string;
  config?: string;
  stateKeyEnv?: string;
  stateKeyFile?: string;
  json?: boolean;
}

/** etcd credentials and key: the settings file's `etcd:` section, the key overridden by `--state-key-*` (also for `status --state`). */
export async function etcdSettings(opts: Pick<StateMigrateOptions, 'config' | 'stateKeyEnv' | 'stateKeyFile'>): Promise<{ settings: EtcdSettings; baseDir: string }> {
  let settings: EtcdSettings = {};
  let baseDir = process.cwd();
  if (opts.config) {
    const path = resolve(opts.config);
    const doc = yamlLib().parse(await readText(path)) as { etcd?: EtcdSettings } | null;
    settings = { ...(doc?.etcd ?? {}) };
    baseDir = resolve(path, '..');
  }
  if (opts.stateKeyEnv) settings.encryptionKey = { env: opts.stateKeyEnv };
  else if (opts.stateKeyFile) settings.encryptionKey = { file: resolve(opts.stateKeyFile) };
  return { settings, baseDir };
}

export async function stateMigrateCommand(opts: StateMigrateOptions): Promise<ExitCode> {
  const { settings, baseDir } = await etcdSettings(opts);
  const secrets = createOperatorSecretResolver({ baseDir });
  const open = (where: string): Promise<StateEndpoint> => (isEtcdUrl(where) ? etcdEndpoint(where, settings, secrets) : dirEndpoint(resolve(where)));
  const from = await open(opts.from);
  try {
    const to = await open(opts.to);
    try {
      const report = await migrateState(from, to);
      if (opts.json) printJson({ from: from.location, to: to.location, verified: true, ...report });
      else {
        printMessage(
          `migrated ${from.location} -> ${to.location} and read it back: journal (${report.journal.runs} runs, ${report.journal.resources} resources), ` +
            `${report.knownHosts} pinned host keys, ${report.keys} keys (${report.secrets} sealed as secret), ${report.logs} logs`,
        );
      }
      return EXIT.ok;
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
}
