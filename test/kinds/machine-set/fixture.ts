/**
 * A machines test world: a state dir, the real SSH driver, the real lab provider and an Aliyun provider (pointed
 * at the emulator by the test), a KindContext, and `converge` doing observe + diff + apply as the engine does.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAliyunProvider } from '../../../src/drivers/aliyun/index.js';
import { createLabProvider } from '../../../src/drivers/lab-provider/index.js';
import { createProviderRegistry } from '../../../src/drivers/provider/registry.js';
import { TAG } from '../../../src/kinds/shared/machines/tags.js';
import { createSshDriver } from '../../../src/drivers/ssh/index.js';
import { machineSetKind } from '../../../src/kinds/machine-set/index.js';
import type { MachineSetObserved, MachineSetSpec } from '../../../src/kinds/machine-set/spec.js';
import { ownerId } from '../../../src/kinds/shared/machines/key-store.js';
import type { KindContext, Logger } from '../../../src/kinds/types.js';
import type { InventoryEntry } from '../../../src/model/inventory.js';
import type { DiffOutcome, Task } from '../../../src/model/plan.js';
import { API_VERSION, type Resource } from '../../../src/model/resource.js';
import { createResourceIndex } from '../../../src/reconcile/runtime.js';
import { testSecrets, type TestSecret } from '../../harness/secrets.js';
import { labDocker } from '../../harness/docker.js';
import { createFileStore, type StateStore } from '../../../src/store/index.js';

export const silent: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, child: () => silent };

export function res<Spec>(kind: string, name: string, spec: Spec, annotations?: Record<string, string>): Resource<Spec> {
  return { apiVersion: API_VERSION, kind, metadata: { name, ...(annotations ? { annotations } : {}) }, spec, source: { file: `${kind}.yaml`, line: 1, col: 1 } };
}

export interface MachineWorld {
  stateDir: string;
  /** The state store the world's contexts share (over `stateDir`). */
  store: StateStore;
  owner: string;
  ctx(resources: Resource[], inventory?: Record<string, InventoryEntry>): KindContext;
  converge(set: Resource<MachineSetSpec>, others: Resource[]): Promise<{ diff: DiffOutcome; observed: MachineSetObserved }>;
  observe(set: Resource<MachineSetSpec>, others: Resource[]): Promise<MachineSetObserved>;
  /** Lab containers of this world's machines (by owner tag). */
  labContainers(): Promise<string[]>;
  close(): Promise<void>;
}

/** `secrets`: the operator catalogue the world's resources may name (e.g. an Aliyun account's keys). */
export async function createMachineWorld(secretsGiven: Record<string, TestSecret> = {}): Promise<MachineWorld> {
  const stateDir = await mkdtemp(join(tmpdir(), 'driftless-machines-'));
  const store = createFileStore(stateDir);
  const owner = await ownerId(store);
  const ssh = createSshDriver({ knownHostsPath: join(stateDir, 'known_hosts') });
  const docker = labDocker();
  const socketPath = (docker.modem as { socketPath?: string }).socketPath;
  const providers = createProviderRegistry({
    lab: () =>
      createLabProvider({
        persistent: false,
        engine: async () => ({ docker, ...(socketPath ? { socketPath } : {}), image: process.env.DRIFTLESS_HOST_IMAGE ?? '' }),
      }),
    aliyun: (account) => createAliyunProvider(account, { baseDelayMs: 20 }),
  });
  const secrets = testSecrets(secretsGiven).resolver;
  const ctx = (resources: Resource[], inventory: Record<string, InventoryEntry> = {}): KindContext => ({
    drivers: { ssh, providers },
    secrets,
    resources: createResourceIndex(resources),
    logger: silent,
    signal: new AbortController().signal,
    revision: 'test',
    repoDir: stateDir,
    store,
    stateDir,
    inventory: { get: (k) => inventory[k] },
  });
  const labelOf = `driftless.machine.tag.${TAG.owner}=${owner}`;
  return {
    stateDir,
    store,
    owner,
    ctx,
    async observe(set, others) {
      const c = ctx([set, ...others]);
      return machineSetKind.observe(set, c) as Promise<MachineSetObserved>;
    },
    async converge(set, others) {
      const c = ctx([set, ...others]);
      const observed = (await machineSetKind.observe(set, c)) as MachineSetObserved;
      const diff = machineSetKind.diff(set, observed);
      if (diff.action !== 'noop') {
        const task: Task<MachineSetSpec, MachineSetObserved> = {
          key: `MachineSet/${set.metadata.name}`, kind: 'MachineSet', name: set.metadata.name, action: diff.action, wave: 0,
          changes: diff.changes, dependsOn: [], digest: 'd', desired: set, observed,
        };
        await machineSetKind.apply(task, c);
      }
      return { diff, observed: (await machineSetKind.observe(set, c)) as MachineSetObserved };
    },
    async labContainers() {
      const list = await docker.listContainers({ all: true, filters: { label: [labelOf] } });
      return list.map((c) => c.Id);
    },
    async close() {
      const list = await docker.listContainers({ all: true, filters: { label: [labelOf] } });
      await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
      await ssh.close();
    },
  };
}
