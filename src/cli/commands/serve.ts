/**
 * `driftless serve`: the GitOps daemon. Flags map onto the config file's keys (flags win over DRIFTLESS_* and the
 * file). SIGTERM and SIGINT cancel or finish the current task, record the run, flush the status report, exit 0.
 */
import { resolve } from 'node:path';
import { allReceivers, webhookSecret } from '../../config/env.js';
import { ConfigError, loadDaemonConfig, type DaemonConfig } from '../../config/index.js';
import { startDaemon } from '../../reconcile/daemon.js';
import { createLogger } from '../../util/logger.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { printMessage } from '../output.js';

export interface ServeOptions {
  repo?: string;
  branch?: string;
  interval?: string;
  driftInterval?: string;
  listen?: string;
  stateDir?: string;
  statusBranch?: string;
  statusInterval?: string;
  statusPush?: boolean;
  watch?: boolean;
  config?: string;
  logLevel?: string;
  tokenEnv?: string;
  username?: string;
  passwordEnv?: string;
  sshKeyFile?: string;
  sshKeyEnv?: string;
  webhookSecretEnv?: string;
  webhookSecretFile?: string;
  httpTokenEnv?: string;
  httpTokenFile?: string;
  insecureHttp?: boolean;
  httpBasicUser?: string;
  httpBasicPasswordEnv?: string;
  httpBasicPasswordFile?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  repoWebUrl?: string;
  state?: string;
  leaseTtl?: string;
  stateKeyEnv?: string;
  stateKeyFile?: string;
  replicaName?: string;
}

function flagsOf(opts: ServeOptions): Record<string, unknown> {
  const auth: Record<string, unknown> = {};
  if (opts.username) auth.username = opts.username;
  if (opts.tokenEnv) auth.token = { env: opts.tokenEnv };
  if (opts.passwordEnv) auth.password = { env: opts.passwordEnv };
  if (opts.sshKeyFile) auth.sshKey = { file: resolve(opts.sshKeyFile) };
  else if (opts.sshKeyEnv) auth.sshKey = { env: opts.sshKeyEnv };
  const secret = webhookSecret(opts.webhookSecretEnv, opts.webhookSecretFile);
  const httpToken = webhookSecret(opts.httpTokenEnv, opts.httpTokenFile ? resolve(opts.httpTokenFile) : undefined);
  const basicPassword = webhookSecret(opts.httpBasicPasswordEnv, opts.httpBasicPasswordFile ? resolve(opts.httpBasicPasswordFile) : undefined);
  const http = {
    ...(httpToken ? { token: httpToken } : {}),
    ...(opts.insecureHttp ? { insecure: true } : {}),
    ...(opts.httpBasicUser || basicPassword ? { basicAuth: { username: opts.httpBasicUser, password: basicPassword } } : {}),
    ...(opts.tlsCertFile || opts.tlsKeyFile
      ? { tls: { cert: opts.tlsCertFile ? { file: resolve(opts.tlsCertFile) } : undefined, key: opts.tlsKeyFile ? { file: resolve(opts.tlsKeyFile) } : undefined } }
      : {}),
    ...(opts.repoWebUrl ? { repoWebUrl: opts.repoWebUrl } : {}),
  };
  const stateKey = webhookSecret(opts.stateKeyEnv, opts.stateKeyFile ? resolve(opts.stateKeyFile) : undefined);
  const etcd = {
    ...(stateKey ? { encryptionKey: stateKey } : {}),
    ...(opts.leaseTtl ? { leaseTtl: opts.leaseTtl } : {}),
    ...(opts.replicaName ? { name: opts.replicaName } : {}),
  };
  return {
    repo: opts.repo,
    branch: opts.branch,
    interval: opts.interval,
    driftInterval: opts.driftInterval,
    listen: opts.listen,
    stateDir: opts.stateDir,
    statusBranch: opts.statusBranch,
    statusInterval: opts.statusInterval,
    // commander defaults `--no-x` options to true: only an explicit "no" is a flag value, so env and file still apply
    statusPush: opts.statusPush === false ? false : undefined,
    watch: opts.watch === false ? false : undefined,
    logLevel: opts.logLevel,
    ...(Object.keys(auth).length > 0 ? { auth } : {}),
    ...(secret ? { webhooks: allReceivers(secret) } : {}),
    ...(Object.keys(http).length > 0 ? { http } : {}),
    state: opts.state,
    ...(Object.keys(etcd).length > 0 ? { etcd } : {}),
  };
}

export async function serveCommand(opts: ServeOptions): Promise<ExitCode> {
  let config: DaemonConfig;
  try {
    config = loadDaemonConfig({ flags: flagsOf(opts), ...(opts.config ? { file: opts.config } : {}) });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`driftless: ${err.message}\n`);
    return EXIT.invalid;
  }
  const logger = createLogger({ level: config.logLevel });
  const daemon = await startDaemon(config, { logger });
  printMessage(`driftless serving ${config.repo} on ${daemon.url}; dashboard: ${daemon.url}/ui/`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'stopping');
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      void daemon.stop().then(resolve, (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
  return EXIT.ok;
}
