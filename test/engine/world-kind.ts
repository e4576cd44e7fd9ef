/**
 * A small KindModule backed by an in-memory "world" Map, for engine unit tests: the engine only ever sees kinds
 * through KindModule, so this exercises the real plan/apply code with scripted failures and health sequences.
 */
import type { Drivers } from '../../src/drivers/types.js';
import type { KindContext, KindModule, KindRegistry, Logger, ResourceIndex } from '../../src/kinds/types.js';
import type { HealthStatus } from '../../src/model/health.js';
import type { InventoryEntry } from '../../src/model/inventory.js';
import { API_VERSION, keyOf, type Resource } from '../../src/model/resource.js';
import { createFileStore } from '../../src/store/index.js';

export interface WorldSpec {
  value?: string;
  needs?: string[];
  /** When set, statusDetails reports `{ summary: detail }` ('throw' makes statusDetails throw). */
  detail?: string;
}

export interface WorldObject {
  key: string;
  spec: WorldSpec;
  health: HealthStatus;
}

export interface World {
  objects: Map<string, { spec: WorldSpec; health: HealthStatus[] }>;
  /** Errors thrown by successive apply calls of a key (then success). */
  applyErrors: Map<string, Error[]>;
  /** Errors thrown by successive observe calls of a key. */
  observeErrors: Map<string, Error[]>;
  removeErrors: Map<string, Error[]>;
  /** Health sequence a key gets when applied (the last value repeats). */
  healthAfterApply: Map<string, HealthStatus[]>;
  calls: string[];
}

export function createWorld(): World {
  return {
    objects: new Map(),
    applyErrors: new Map(),
    observeErrors: new Map(),
    removeErrors: new Map(),
    healthAfterApply: new Map(),
    calls: [],
  };
}

function nextError(list: Map<string, Error[]>, key: string): Error | undefined {
  return list.get(key)?.shift();
}

export function createWorldKind(world: World, kind: string, order: number, opts: { removable?: boolean } = {}): KindModule<WorldSpec, WorldObject> {
  const mod: KindModule<WorldSpec, WorldObject> = {
    kind,
    schemaId: `test/${kind}`,
    order,
    dependencies: (res) => (res.spec.needs ?? []).map((k) => ({ kind: k.split('/')[0] ?? '', name: k.split('/')[1] ?? '' })),
    async observe(res) {
      const key = keyOf(res);
      world.calls.push(`observe ${key}`);
      const err = nextError(world.observeErrors, key);
      if (err) throw err;
      const obj = world.objects.get(key);
      if (!obj) return undefined;
      const health = obj.health.length > 1 ? (obj.health.shift() as HealthStatus) : (obj.health[0] ?? 'Healthy');
      return { key, spec: structuredClone(obj.spec), health };
    },
    diff(desired, observed) {
      if (!observed) return { action: 'create', changes: [{ path: '/spec', after: desired.spec }] };
      if (JSON.stringify(observed.spec) !== JSON.stringify(desired.spec)) {
        return { action: 'update', changes: [{ path: '/spec', before: observed.spec, after: desired.spec }] };
      }
      return { action: 'noop', changes: [] };
    },
    async apply(task) {
      world.calls.push(`apply ${task.key}`);
      const err = nextError(world.applyErrors, task.key);
      if (err) throw err;
      const health = [...(world.healthAfterApply.get(task.key) ?? ['Healthy'])];
      world.objects.set(task.key, { spec: structuredClone(task.desired.spec), health });
    },
    health: (observed) => (observed ? { status: observed.health, message: `is ${observed.health}` } : { status: 'Missing' }),
    statusDetails(observed) {
      if (observed.spec.detail === 'throw') throw new Error('details bug');
      return observed.spec.detail === undefined ? undefined : { summary: observed.spec.detail, url: 'https://user:hunter2@repo.invalid/x' };
    },
  };
  if (opts.removable !== false) {
    mod.remove = async (entry: InventoryEntry) => {
      world.calls.push(`remove ${entry.key}`);
      const err = nextError(world.removeErrors, entry.key);
      if (err) throw err;
      world.objects.delete(entry.key);
    };
  }
  return mod;
}

/** Registry with kinds A (order 1), B (order 2) and Fixed (order 3, not removable). */
export function createWorldRegistry(world: World): KindRegistry {
  return new Map<string, KindModule<WorldSpec, WorldObject>>([
    ['A', createWorldKind(world, 'A', 1)],
    ['B', createWorldKind(world, 'B', 2)],
    ['Fixed', createWorldKind(world, 'Fixed', 3, { removable: false })],
  ]);
}

export function res(key: string, spec: WorldSpec = {}, annotations?: Record<string, string>): Resource<WorldSpec> {
  const [kind = '', name = ''] = key.split('/');
  return {
    apiVersion: API_VERSION,
    kind,
    metadata: annotations ? { name, annotations } : { name },
    spec,
    source: { file: `${name}.yaml`, line: 1, col: 1 },
  };
}

export function entry(r: Resource<WorldSpec>, digest = 'sha256:old'): InventoryEntry {
  return { key: keyOf(r), kind: r.kind, name: r.metadata.name, digest, revision: 'r0', appliedAt: '2024-01-01T00:00:00.000Z', resource: r };
}

const silent: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
  child: () => silent,
};

export function testContext(resources: Resource[], signal: AbortSignal = new AbortController().signal): KindContext {
  const index: ResourceIndex = {
    get: <S>(kind: string, name: string) => resources.find((r) => r.kind === kind && r.metadata.name === name) as Resource<S> | undefined,
    list: <S>(kind: string) => resources.filter((r) => r.kind === kind) as Resource<S>[],
  };
  return {
    drivers: {} as Drivers,
    secrets: { resolve: async () => 'unused' },
    resources: index,
    logger: silent,
    signal,
    revision: 'r1',
    repoDir: '/nonexistent',
    store: createFileStore('/nonexistent'),
    stateDir: '/nonexistent',
    inventory: { get: () => undefined },
  };
}
