/**
 * Composition of what one process needs to reconcile: drivers, secrets, kinds, journal and state directory.
 * The CLI opens one per command; the daemon keeps one for its life so SSH connections are reused across runs.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import { createSshDriver } from '../drivers/ssh/index.js';
import type { Drivers } from '../drivers/types.js';
import { acquireLock, openJournal, type Journal } from '../journal/index.js';
import { createKindRegistry } from '../kinds/registry.js';
import type { KindContext, KindRegistry, Logger, ResourceIndex, SecretResolver } from '../kinds/types.js';
import type { Resource } from '../model/resource.js';
import { createSecretResolver } from '../secrets/resolver.js';

export interface Runtime {
  stateDir: string;
  registry: KindRegistry;
  drivers: Drivers;
  secrets: SecretResolver;
  logger: PinoLogger;
  journal: Journal;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  stateDir?: string;
  logger: PinoLogger;
  env?: NodeJS.ProcessEnv;
}

/** Default state directory: $DRIFTLESS_STATE_DIR, else `.driftless` in the working directory. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.DRIFTLESS_STATE_DIR ?? '.driftless');
}

export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const stateDir = resolve(options.stateDir ?? defaultStateDir(options.env));
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  // One writer per state dir: a second apply (or a daemon) on the same journal waits for nobody, it refuses.
  const lock = await acquireLock(stateDir);
  const ssh = createSshDriver({ knownHostsPath: join(stateDir, 'known_hosts.json'), logger: options.logger });
  const journal = await openJournal(join(stateDir, 'journal.json'));
  const drivers: Drivers = { ssh };
  return {
    stateDir,
    registry: createKindRegistry(),
    drivers,
    secrets: createSecretResolver({ env: options.env }),
    logger: options.logger,
    journal,
    async close() {
      await ssh.close();
      await lock.release();
    },
  };
}

export function createResourceIndex(resources: Resource[]): ResourceIndex {
  const byKey = new Map(resources.map((r) => [`${r.kind}/${r.metadata.name}`, r]));
  return {
    get: <Spec>(kind: string, name: string) => byKey.get(`${kind}/${name}`) as Resource<Spec> | undefined,
    list: <Spec>(kind: string) => resources.filter((r) => r.kind === kind) as Resource<Spec>[],
  };
}

export function createKindContext(
  rt: Runtime,
  opts: { resources: Resource[]; revision: string; repoDir: string; signal: AbortSignal },
): KindContext {
  return {
    drivers: rt.drivers,
    secrets: rt.secrets,
    resources: createResourceIndex(opts.resources),
    logger: rt.logger as unknown as Logger,
    signal: opts.signal,
    revision: opts.revision,
    repoDir: opts.repoDir,
    stateDir: rt.stateDir,
    // Read live: the engine records each applied resource before its health gate re-observes it.
    inventory: { get: (key) => rt.journal.read().inventory[key] },
  };
}
