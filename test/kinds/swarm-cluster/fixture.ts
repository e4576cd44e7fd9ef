/**
 * A swarm test world: lab hosts that each run their OWN Docker engine (like real machines), Host resources for
 * them, and a KindContext with the real SSH and Swarm drivers; helpers converge a resource the way the engine
 * does (observe, diff, apply when not noop) and read the swarm straight from a node's engine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSwarmDriver } from '../../../src/drivers/docker-swarm/index.js';
import { createSshDriver, type ManagedSshDriver } from '../../../src/drivers/ssh/index.js';
import type { DockerDriver, SwarmDriver, SwarmEngine } from '../../../src/drivers/types.js';
import type { KindContext, KindModule } from '../../../src/kinds/types.js';
import type { InventoryEntry } from '../../../src/model/inventory.js';
import type { DiffOutcome } from '../../../src/model/plan.js';
import { API_VERSION, type Resource } from '../../../src/model/resource.js';
import { createResourceIndex } from '../../../src/reconcile/runtime.js';
import { createFileStore } from '../../../src/store/index.js';
import { growingTestSecrets, LOOPBACK_HOSTS, secretRef, type TestSecret } from '../../harness/secrets.js';
import { startTestHosts, type TestHosts } from '../../harness/hosts.js';
import { silentLogger } from '../pool/fixture.js';

export interface SwarmWorld {
  th: TestHosts;
  names: string[];
  swarm: SwarmDriver;
  /** The pinned host keys (a child process uses the same file). */
  knownHosts: string;
  /** The operator secrets this world declared, values included (for a child process's catalogue). */
  secrets: Record<string, TestSecret>;
  /** The engine of host `i` (0-based). */
  engine(i: number): SwarmEngine;
  res<Spec>(kind: string, name: string, spec: Spec, labels?: Record<string, string>): Resource<Spec>;
  /** Host resources, with extra labels per host name. */
  hostResources(labels?: Record<string, Record<string, string>>): Resource[];
  addSecret(name: string, secret: TestSecret): void;
  ctxFor(resources: Resource[], signal?: AbortSignal): KindContext;
  plan<S, O>(kind: KindModule<S, O>, r: Resource<S>, resources: Resource[]): Promise<{ diff: DiffOutcome; observed: O | undefined }>;
  converge<S, O>(kind: KindModule<S, O>, r: Resource<S>, resources: Resource[], signal?: AbortSignal): Promise<DiffOutcome>;
  close(): Promise<void>;
}

const KEY = 'swarm-key';

export async function createSwarmWorld(count: number, name: string, opts: { insecureRegistries?: string[]; docker?: DockerDriver } = {}): Promise<SwarmWorld> {
  const th = await startTestHosts(count, { name, ownEngine: { insecureRegistries: opts.insecureRegistries ?? [] }, labels: {} });
  const stateDir = await mkdtemp(join(tmpdir(), 'driftless-swarm-'));
  const store = createFileStore(stateDir);
  const ssh: ManagedSshDriver = createSshDriver({ knownHostsPath: join(stateDir, 'known_hosts') });
  const swarm = createSwarmDriver({ verifyHostKey: (t, key) => ssh.verifyHostKey(`[${t.host}]:${t.port}`, key) });
  const declared: Record<string, TestSecret> = { [KEY]: { value: th.privateKey, allow: LOOPBACK_HOSTS } };
  const catalogue = growingTestSecrets(declared);
  const applied = new Map<string, InventoryEntry>();
  const res = <Spec>(kind: string, rname: string, spec: Spec, labels?: Record<string, string>): Resource<Spec> => ({
    apiVersion: API_VERSION,
    kind,
    metadata: { name: rname, ...(labels ? { labels } : {}) },
    spec,
    source: { file: `${kind}.yaml`, line: 1, col: 1 },
  });
  const ctxFor = (resources: Resource[], signal?: AbortSignal): KindContext => ({
    drivers: { ssh, swarm, ...(opts.docker ? { docker: opts.docker } : {}) },
    secrets: catalogue.resolver,
    resources: createResourceIndex(resources),
    logger: silentLogger,
    signal: signal ?? new AbortController().signal,
    revision: 'test',
    repoDir: stateDir,
    store,
    stateDir,
    inventory: { get: (key) => applied.get(key) },
  });
  const plan = async <S, O>(kind: KindModule<S, O>, r: Resource<S>, resources: Resource[]) => {
    const observed = await kind.observe(r, ctxFor(resources));
    return { diff: kind.diff(r, observed), observed };
  };
  return {
    th,
    names: th.hosts.map((h) => h.name),
    swarm,
    knownHosts: join(stateDir, 'known_hosts'),
    secrets: declared,
    engine: (i) => swarm.engine(th.targets()[i]!),
    res,
    hostResources: (labels = {}) =>
      th.hosts.map((h) => res('Host', h.name, { address: h.address, port: h.port, user: 'root', privateKey: secretRef(KEY) }, labels[h.name] ?? {})),
    addSecret: (n, s) => {
      declared[n] = s;
      catalogue.add(n, s);
    },
    ctxFor,
    plan,
    async converge(kind, r, resources, signal) {
      const { diff, observed } = await plan(kind, r, resources);
      if (diff.action === 'noop') return diff;
      const key = `${r.kind}/${r.metadata.name}`;
      await kind.apply(
        { key, kind: r.kind, name: r.metadata.name, action: diff.action, wave: 0, changes: diff.changes, dependsOn: [], digest: 'd', desired: r, observed },
        ctxFor(resources, signal),
      );
      applied.set(key, { key, kind: r.kind, name: r.metadata.name, digest: 'd', revision: 'test', appliedAt: new Date().toISOString(), resource: r });
      return diff;
    },
    async close() {
      await ssh.close();
      await swarm.close();
      await th.teardown();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
