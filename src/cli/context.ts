/** Shared option handling for commands: source argument -> Revision, state dir, logger, runtime. */
import { join, resolve } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import { secureStateDir } from '../journal/index.js';
import { openSource } from '../source/index.js';
import { parseSourceArg, type GitAuthSpec, type Revision } from '../source/types.js';
import { createOperatorSecretResolver } from '../secrets/operator.js';
import { defaultStateDir, openRuntime, type Runtime } from '../reconcile/runtime.js';
import { createLogger } from '../util/logger.js';
import { loadSecretCatalogue, SecretsConfigError } from '../config/secrets.js';
import { StalledError } from '../errors.js';
import type { SecretCatalogue } from '../secrets/catalogue.js';

export interface CommonOptions {
  stateDir?: string;
  ref?: string;
  tokenEnv?: string;
  username?: string;
  passwordEnv?: string;
  sshKeyFile?: string;
  sshKeyEnv?: string;
  logLevel?: string;
  json?: boolean;
  /** Operator settings file whose `secrets:` the command uses (else $DRIFTLESS_CONFIG, else <state dir>/config.yaml). */
  config?: string;
}

export function cliLogger(opts: CommonOptions): PinoLogger {
  return createLogger({ level: opts.logLevel ?? process.env.DRIFTLESS_LOG_LEVEL ?? 'warn' });
}

function authFrom(opts: CommonOptions): GitAuthSpec | undefined {
  const auth: GitAuthSpec = {};
  if (opts.tokenEnv) auth.token = { env: opts.tokenEnv };
  if (opts.username) auth.username = opts.username;
  if (opts.passwordEnv) auth.password = { env: opts.passwordEnv };
  if (opts.sshKeyFile) auth.sshKey = { file: resolve(opts.sshKeyFile) };
  else if (opts.sshKeyEnv) auth.sshKey = { env: opts.sshKeyEnv };
  return Object.keys(auth).length > 0 ? auth : undefined;
}

/** Fetches the revision named by a CLI argument (a directory or a Git URL); defaults to the current directory. */
export async function fetchRevision(arg: string | undefined, opts: CommonOptions): Promise<Revision> {
  const spec = parseSourceArg(arg ?? '.', { ref: opts.ref, auth: authFrom(opts) });
  const stateDir = opts.stateDir ?? defaultStateDir();
  // a Git source is cloned into the state dir: check and tighten it first, as openRuntime does
  if (spec.type === 'git') await secureStateDir(resolve(stateDir));
  const source = await openSource(spec, { cacheDir: join(stateDir, 'git-cache'), secrets: createOperatorSecretResolver() });
  return source.fetch();
}

/**
 * The operator's secret catalogue (undefined when no settings file exists); an invalid one is a StalledError
 * `SchemaInvalid` (exit 2) listing every problem.
 */
export function operatorCatalogue(opts: CommonOptions): SecretCatalogue | undefined {
  try {
    return loadSecretCatalogue({ ...(opts.config ? { file: opts.config } : {}), stateDir: opts.stateDir ?? defaultStateDir() });
  } catch (err) {
    if (err instanceof SecretsConfigError) throw new StalledError('SchemaInvalid', err.message);
    throw err;
  }
}

export async function withRuntime<T>(opts: CommonOptions, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const catalogue = operatorCatalogue(opts);
  const rt = await openRuntime({ stateDir: opts.stateDir, logger: cliLogger(opts), ...(catalogue ? { catalogue } : {}) });
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}
