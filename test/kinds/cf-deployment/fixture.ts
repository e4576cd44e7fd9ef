/**
 * A CF test world: lab hosts with real monit, Host resources for them, a KindContext on the real SSH driver whose
 * repo dir is the project root (so the stand-in release at test/fixtures/cf-release is the release dir), and
 * helpers that converge a deployment the way one engine task does (observe, diff, apply).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createMonitFactory } from '../../../src/drivers/monit/index.js';
import { createSshDriver, type ManagedSshDriver } from '../../../src/drivers/ssh/index.js';
import { cfDeploymentKind } from '../../../src/kinds/cf-deployment/index.js';
import type { CFDeploymentSpec, CFObserved } from '../../../src/kinds/cf-deployment/spec.js';
import type { KindContext } from '../../../src/kinds/types.js';
import type { DiffOutcome } from '../../../src/model/plan.js';
import { API_VERSION, type Resource } from '../../../src/model/resource.js';
import { createResourceIndex } from '../../../src/reconcile/runtime.js';
import { LOOPBACK_HOSTS, secretRef, testSecrets } from '../../harness/secrets.js';
import { startTestHosts, type TestHosts } from '../../harness/hosts.js';
import { silentLogger } from '../pool/fixture.js';
import { createFileStore, type StateStore } from '../../../src/store/index.js';

export const RELEASE_DIR = 'test/fixtures/cf-release';
const KEY_SECRET = 'cf-test-key';

export interface CfWorld {
  th: TestHosts;
  stateDir: string;
  /** The state store the world's contexts share (over `stateDir`). */
  store: StateStore;
  hostNames: string[];
  /** `127.0.0.1:<port>` of host i: the seed's plain-address form. */
  addressOf(i: number): string;
  deployment(name: string, spec: Partial<CFDeploymentSpec> & Pick<CFDeploymentSpec, 'components'>): Resource<CFDeploymentSpec>;
  ctxFor(dep: Resource<CFDeploymentSpec>): KindContext;
  observe(dep: Resource<CFDeploymentSpec>): Promise<CFObserved>;
  /** Observe + diff (throws what diff throws). */
  plan(dep: Resource<CFDeploymentSpec>): Promise<{ diff: DiffOutcome; observed: CFObserved }>;
  converge(dep: Resource<CFDeploymentSpec>): Promise<DiffOutcome>;
  sh(host: number, cmd: string): Promise<string>;
  close(): Promise<void>;
}

export async function createCfWorld(hostCount: number, name: string): Promise<CfWorld> {
  const th = await startTestHosts(hostCount, { name });
  const stateDir = await mkdtemp(join(tmpdir(), 'driftless-cf-'));
  const store = createFileStore(stateDir);
  const ssh: ManagedSshDriver = createSshDriver({ knownHostsPath: join(stateDir, 'known_hosts') });
  const secrets = testSecrets({
    [KEY_SECRET]: { value: th.privateKey, allow: LOOPBACK_HOSTS },
    'cf-test-password': { value: 'vcap-pass', allow: LOOPBACK_HOSTS },
  }).resolver;
  const hosts: Resource[] = th.hosts.map((h) => ({
    apiVersion: API_VERSION,
    kind: 'Host',
    metadata: { name: h.name },
    spec: { address: h.address, port: h.port, user: 'root', privateKey: secretRef(KEY_SECRET) },
    source: { file: 'hosts.yaml', line: 1, col: 1 },
  }));
  const ctxFor = (dep: Resource<CFDeploymentSpec>): KindContext => ({
    drivers: { ssh, monit: createMonitFactory(ssh) },
    secrets,
    resources: createResourceIndex([...hosts, dep]),
    logger: silentLogger,
    signal: new AbortController().signal,
    revision: 'test',
    repoDir: resolve('.'),
    store,
    stateDir,
    inventory: { get: () => undefined },
  });
  const observe = async (dep: Resource<CFDeploymentSpec>): Promise<CFObserved> => {
    const o = await cfDeploymentKind.observe(dep, ctxFor(dep));
    if (!o) throw new Error('observe returned nothing');
    return o;
  };
  const plan = async (dep: Resource<CFDeploymentSpec>) => {
    const observed = await observe(dep);
    return { diff: cfDeploymentKind.diff(dep, observed), observed };
  };
  return {
    th,
    stateDir,
    store,
    hostNames: th.hosts.map((h) => h.name),
    addressOf: (i) => `${th.hosts[i]?.address}:${th.hosts[i]?.port}`,
    deployment: (dname, spec) => ({
      apiVersion: API_VERSION,
      kind: 'CFDeployment',
      metadata: { name: dname },
      spec: {
        release: { version: 'v194', dir: RELEASE_DIR },
        properties: { domain: 'cf.test', checkdisk: true, adduser: false },
        update: { canaries: 1, maxInFlight: 2, canaryWatchTime: '0-20000', updateWatchTime: '0-20000' },
        monit: { intervalSeconds: 1 },
        ...spec,
      },
      source: { file: 'cf.yaml', line: 1, col: 1 },
    }),
    ctxFor,
    observe,
    plan,
    async converge(dep) {
      const { diff, observed } = await plan(dep);
      if (diff.action === 'noop') return diff;
      await cfDeploymentKind.apply(
        { key: `CFDeployment/${dep.metadata.name}`, kind: 'CFDeployment', name: dep.metadata.name, action: diff.action, wave: 0, changes: diff.changes, dependsOn: [], digest: 'd', desired: dep, observed },
        ctxFor(dep),
      );
      return diff;
    },
    async sh(host, cmd) {
      const r = await th.hosts[host]?.exec(cmd);
      if (!r || r.code !== 0) throw new Error(`host ${host}: ${cmd} failed: ${r?.stderr ?? 'no host'}`);
      return r.stdout;
    },
    async close() {
      await ssh.close();
      await th.teardown();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
