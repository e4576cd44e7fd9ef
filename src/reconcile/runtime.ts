/**
 * Composition of what one process needs to reconcile: drivers, secrets, kinds, journal and state directory.
 * The CLI opens one per command; the daemon keeps one for its life so SSH connections are reused across runs.
 */
import { setMaxListeners } from 'node:events';
import { join, resolve } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import type { Drivers } from '../drivers/types.js';
import type { KnownHostsStorage } from '../drivers/ssh/index.js';
import { createDrivers } from '../main.js';
import { acquireLock, openJournal, secureStateDir, type Journal } from '../journal/index.js';
import { createResourceIndex } from '../loader/index.js';
import { createKindRegistry } from '../kinds/registry.js';
import type { KindContext, KindRegistry, Logger, SecretResolver } from '../kinds/types.js';
import type { InventoryEntry } from '../model/inventory.js';
import type { Resource } from '../model/resource.js';
import { createSecretResolver, forCheckout, type RepoSecretResolver } from '../secrets/resolver.js';
import type { SecretCatalogue } from '../secrets/catalogue.js';
import { createOperatorSecretResolver, type OperatorSecretResolver } from '../secrets/operator.js';
import { createLoadCache, type LoadCache } from '../loader/cache.js';
import { createFileStore, type StateStore } from '../store/index.js';
import { attributedRegistry, oplogLogger, type OplogSink } from './oplog.js';

export interface Runtime {
  stateDir: string;
  /** What kinds keep between runs (KindContext.store); the embedded file backend over `stateDir` by default. */
  store: StateStore;
  registry: KindRegistry;
  drivers: Drivers;
  /** Resolves the config repo's secret references through the operator's settings, per destination (and checkout). */
  secrets: RepoSecretResolver;
  /** The operator's catalogue; absent when no settings file was found (every name is then unknown at use). */
  catalogue?: SecretCatalogue;
  /** Operator-side references only (the daemon's Git credentials, webhook secrets). */
  operatorSecrets: OperatorSecretResolver;
  logger: PinoLogger;
  /** The logger kinds get, when it differs from `logger` (it also feeds the operation log). */
  kindLogger?: Logger;
  journal: Journal;
  /** Parse cache across the loads of one process: a daemon re-reads only the files a commit changed. */
  loadCache: LoadCache;
  /** HA mode: throws once this replica may no longer act (KindContext.fence); absent otherwise. */
  fence?: () => void;
  close(): Promise<void>;
}

/**
 * State shared by HA replicas (src/ha/): the journal, kind state and host-key pins in etcd instead of the state
 * dir, and the leader's fence. The state dir stays each replica's own (its lock, the Git cache, build logs).
 */
export interface SharedState {
  store: StateStore;
  journal: Journal;
  knownHosts: KnownHostsStorage;
  fence: () => void;
}

export interface RuntimeOptions {
  stateDir?: string;
  logger: PinoLogger;
  env?: NodeJS.ProcessEnv;
  /** The operator's secret catalogue (daemon settings `secrets:`). */
  catalogue?: SecretCatalogue;
  /** Receives what kinds log while applying a resource, attributed to it (the daemon's dashboard; see oplog.ts). */
  oplog?: OplogSink;
  shared?: SharedState;
}

/** Default state directory: $DRIFTLESS_STATE_DIR, else `.driftless` in the working directory. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.DRIFTLESS_STATE_DIR ?? '.driftless');
}

export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const stateDir = resolve(options.stateDir ?? defaultStateDir(options.env));
  // Before anything is read from it: refuse a dir someone else owns, tighten a loose one (journal/state-dir.ts).
  const tightened = await secureStateDir(stateDir);
  if (tightened.length > 0) options.logger.warn({ paths: tightened }, 'state dir: removed group/other permissions');
  // One writer per state dir: a second apply (or a daemon) on the same journal waits for nobody, it refuses.
  const lock = await acquireLock(stateDir);
  const shared = options.shared;
  const journal = shared?.journal ?? (await openJournal(join(stateDir, 'journal.json')));
  // The concrete transports come from the composition root (src/main.ts).
  const wired = createDrivers({
    stateDir,
    logger: options.logger,
    ...(options.env ? { env: options.env } : {}),
    ...(shared ? { knownHosts: shared.knownHosts, fence: shared.fence } : {}),
  });
  const { ssh } = wired;
  const drivers: Drivers = wired;
  return {
    stateDir,
    store: shared?.store ?? createFileStore(stateDir),
    registry: options.oplog ? attributedRegistry(createKindRegistry()) : createKindRegistry(),
    drivers,
    secrets: createSecretResolver({ ...(options.env ? { env: options.env } : {}), ...(options.catalogue ? { catalogue: options.catalogue } : {}) }),
    ...(options.catalogue ? { catalogue: options.catalogue } : {}),
    operatorSecrets: createOperatorSecretResolver({ ...(options.env ? { env: options.env } : {}) }),
    logger: options.logger,
    ...(options.oplog ? { kindLogger: oplogLogger(options.logger as unknown as Logger, options.oplog) } : {}),
    journal,
    loadCache: createLoadCache(),
    ...(shared ? { fence: shared.fence } : {}),
    async close() {
      await ssh.close();
      await wired.swarm?.close();
      await lock.release();
    },
  };
}

export function createKindContext(
  rt: Runtime,
  opts: {
    resources: Resource[];
    revision: string;
    runId?: string;
    /** A plan: reads shared between kinds are made once (KindContext.planMemo). Never for an apply. */
    planning?: boolean;
    repoDir: string;
    signal: AbortSignal;
    /** What was applied, kept current by the caller during apply (the engine records before its health gate). */
    inventory: ReadonlyMap<string, InventoryEntry>;
  },
): KindContext {
  // Every concurrent SSH command and wait listens on the run's signal; dozens at once are expected, not a leak.
  setMaxListeners(1000, opts.signal);
  return {
    drivers: rt.drivers,
    secrets: forCheckout(rt.secrets, opts.repoDir),
    resources: createResourceIndex(opts.resources),
    logger: rt.kindLogger ?? (rt.logger as unknown as Logger),
    signal: opts.signal,
    ...(rt.fence ? { fence: rt.fence } : {}),
    revision: opts.revision,
    ...(opts.runId ? { runId: opts.runId } : {}),
    ...(opts.planning ? { planMemo: new Map<string, Promise<unknown>>() } : {}),
    repoDir: opts.repoDir,
    store: rt.store,
    stateDir: rt.stateDir,
    inventory: { get: (key) => opts.inventory.get(key) },
  };
}

export { createResourceIndex };
