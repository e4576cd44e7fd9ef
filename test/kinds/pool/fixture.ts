/**
 * A pool test world: lab hosts that drive the shared engine (sibling containers), Host resources for them, a
 * KindContext with the real SSH driver, and helpers to converge a pool the way the engine does (observe, diff,
 * apply) and to list the node containers straight from the engine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSshDriver, type ManagedSshDriver } from '../../../src/drivers/ssh/index.js';
import type { DockerDriver } from '../../../src/drivers/types.js';
import { createGitReader } from '../../../src/source/reader.js';
import { poolKind } from '../../../src/kinds/pool/index.js';
import type { PoolObserved, PoolSpec } from '../../../src/kinds/pool/spec.js';
import type { KindContext, Logger } from '../../../src/kinds/types.js';
import type { InventoryEntry } from '../../../src/model/inventory.js';
import type { DiffOutcome } from '../../../src/model/plan.js';
import { API_VERSION, type Resource } from '../../../src/model/resource.js';
import { createResourceIndex } from '../../../src/reconcile/runtime.js';
import { growingTestSecrets, LOOPBACK_HOSTS, secretRef, type TestSecret } from '../../harness/secrets.js';
import { labDocker } from '../../harness/docker.js';
import { startTestHosts, type TestHosts } from '../../harness/hosts.js';
import { createFileStore } from '../../../src/store/index.js';

export interface NodeContainer {
  id: string;
  name: string;
  state: string;
  host: string;
  spec: string;
  ordinal: number;
  created: string;
}

export interface PoolWorld {
  th: TestHosts;
  hostNames: string[];
  image: string;
  /** Declares an operator secret for this world (the hosts' key is `pool-key`; tests add registry passwords). */
  addSecret(name: string, secret: TestSecret): void;
  ctxFor(resources: Resource[]): KindContext;
  res<Spec>(kind: string, name: string, spec: Spec, labels?: Record<string, string>): Resource<Spec>;
  hostResources(): Resource[];
  /** Observe + diff + apply (when not noop), as one engine task would; a success is recorded as the inventory does. */
  converge(pool: Resource<PoolSpec>, extra?: Resource[]): Promise<DiffOutcome>;
  /** Records a pool as applied (the inventory entry a successful engine task leaves), for tests applying through the engine. */
  remember(pool: Resource<PoolSpec>): void;
  plan(pool: Resource<PoolSpec>, extra?: Resource[]): Promise<{ diff: DiffOutcome; observed: PoolObserved }>;
  nodes(pool: string): Promise<NodeContainer[]>;
  /** The engine's die/start events of the pool's containers since `since` (unix seconds), in order. */
  events(pool: string, since: string): Promise<{ status: string; name: string }[]>;
  close(): Promise<void>;
}

const KEY_SECRET = 'pool-key';

export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
  child: () => silentLogger,
};

/**
 * `docker`: the docker driver kinds get (a pool following an ImageProject reads the registry through it).
 * `ownEngine`: hosts run their own Docker engine (nodes live inside them, not on the outer engine, so `nodes()`
 * and `events()`, which read the outer engine, see none of them); default: hosts share the outer engine.
 */
export async function createPoolWorld(
  hostCount: number,
  name: string,
  opts: { ownEngine?: { insecureRegistries?: string[] }; docker?: DockerDriver } = {},
): Promise<PoolWorld> {
  const th = await startTestHosts(hostCount, opts.ownEngine ? { name, ownEngine: opts.ownEngine, labels: {} } : { name, dockerSocket: true, labels: {} });
  const stateDir = await mkdtemp(join(tmpdir(), 'driftless-pool-'));
  const store = createFileStore(stateDir);
  const ssh: ManagedSshDriver = createSshDriver({ knownHostsPath: join(stateDir, 'known_hosts') });
  const catalogue = growingTestSecrets({ [KEY_SECRET]: { value: th.privateKey, allow: LOOPBACK_HOSTS } });
  const secrets = catalogue.resolver;
  const image = process.env.DRIFTLESS_HOST_IMAGE ?? '';
  if (!image) throw new Error('DRIFTLESS_HOST_IMAGE is not set (global setup builds it)');
  const docker = labDocker();
  const applied = new Map<string, InventoryEntry>();
  const res = <Spec>(kind: string, rname: string, spec: Spec, labels?: Record<string, string>): Resource<Spec> => ({
    apiVersion: API_VERSION,
    kind,
    metadata: { name: rname, ...(labels ? { labels } : {}) },
    spec,
    source: { file: `${kind}.yaml`, line: 1, col: 1 },
  });
  const hostResources = (): Resource[] =>
    th.hosts.map((h) => res('Host', h.name, { address: h.address, port: h.port, user: 'root', privateKey: secretRef(KEY_SECRET) }, { role: 'app' }));
  const ctxFor = (resources: Resource[]): KindContext => ({
    drivers: { ssh, git: createGitReader(), ...(opts.docker ? { docker: opts.docker } : {}) },
    secrets,
    resources: createResourceIndex(resources),
    logger: silentLogger,
    signal: new AbortController().signal,
    revision: 'test',
    repoDir: stateDir,
    store,
    stateDir,
    inventory: { get: (key) => applied.get(key) },
  });
  const all = (pool: Resource<PoolSpec>, extra: Resource[]): Resource[] => [...hostResources(), pool, ...extra];
  const plan = async (pool: Resource<PoolSpec>, extra: Resource[] = []) => {
    const ctx = ctxFor(all(pool, extra));
    const observed = await poolKind.observe(pool, ctx);
    if (!observed) throw new Error('pool observe returned nothing');
    return { diff: poolKind.diff(pool, observed), observed };
  };
  const remember = (pool: Resource<PoolSpec>): void => {
    const key = `Pool/${pool.metadata.name}`;
    applied.set(key, { key, kind: 'Pool', name: pool.metadata.name, digest: 'd', revision: 'test', appliedAt: new Date().toISOString(), resource: pool });
  };
  return {
    th,
    hostNames: th.hosts.map((h) => h.name),
    image,
    addSecret: (name, secret) => catalogue.add(name, secret),
    ctxFor,
    res,
    hostResources,
    plan,
    async converge(pool, extra = []) {
      const { diff, observed } = await plan(pool, extra);
      if (diff.action === 'noop') return diff;
      const ctx = ctxFor(all(pool, extra));
      await poolKind.apply(
        { key: `Pool/${pool.metadata.name}`, kind: 'Pool', name: pool.metadata.name, action: diff.action, wave: 0, changes: diff.changes, dependsOn: [], digest: 'd', desired: pool, observed },
        ctx,
      );
      remember(pool);
      return diff;
    },
    remember,
    async nodes(pool) {
      const list = await docker.listContainers({ all: true, filters: { label: [`driftless.pool=${pool}`] } });
      return list
        .map((c) => ({
          id: c.Id,
          name: (c.Names[0] ?? '').replace(/^\//, ''),
          state: c.State,
          host: c.Labels['driftless.host'] ?? '',
          spec: c.Labels['driftless.spec'] ?? '',
          ordinal: Number(c.Labels['driftless.ordinal']),
          created: c.Labels['driftless.created'] ?? '',
        }))
        .sort((a, b) => a.ordinal - b.ordinal);
    },
    async events(pool, since) {
      const until = (Date.now() / 1000 + 1).toFixed(3);
      const stream = await docker.getEvents({
        since: since as unknown as number,
        until: until as unknown as number,
        filters: { label: [`driftless.pool=${pool}`], event: ['die', 'start'] },
      });
      const text = await new Promise<string>((resolve, reject) => {
        let out = '';
        stream.on('data', (c: Buffer) => (out += c.toString()));
        stream.on('end', () => resolve(out));
        stream.on('error', reject);
      });
      return text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as { status: string; timeNano: number; Actor: { Attributes: Record<string, string> } })
        .sort((a, b) => a.timeNano - b.timeNano)
        .map((e) => ({ status: e.status, name: e.Actor.Attributes.name ?? '' }));
    },
    async close() {
      await ssh.close();
      await th.teardown();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
