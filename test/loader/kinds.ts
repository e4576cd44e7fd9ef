/**
 * A tiny kind registry for loader tests: the loader only needs kind, schemaId, dependencies and validate, so the
 * reconcile methods refuse to run (they would be a bug in the loader if called).
 */
import type { KindModule, KindRegistry } from '../../src/kinds/types.js';
import { createSchemaRegistry, findSchemasDir, type SchemaRegistry } from '../../src/loader/schema-registry.js';
import type { Resource, ResourceRef } from '../../src/model/resource.js';

export const HOST_SCHEMA_ID = 'https://driftless.dev/schemas/host.schema.json';
export const CLUSTER_SCHEMA_ID = 'https://driftless.dev/schemas/cluster.schema.json';
export const SERVICE_SCHEMA_ID = 'https://driftless.dev/schemas/service.schema.json';

function notInLoader(): never {
  throw new Error('not used by the loader');
}

function clusterRef(res: Resource): ResourceRef[] {
  const cluster = (res.spec as { cluster?: unknown }).cluster;
  return typeof cluster === 'string' ? [{ kind: 'Cluster', name: cluster, path: '/spec/cluster' }] : [];
}

function kindFor(kind: string, schemaId: string, dependencies: (res: Resource) => ResourceRef[]): KindModule {
  return {
    kind,
    schemaId,
    order: 0,
    dependencies,
    observe: notInLoader,
    diff: notInLoader,
    apply: notInLoader,
    health: notInLoader,
  };
}

/** Cluster (no dependencies), Host and Service (both depend on `spec.cluster`). */
export function createTestKinds(): KindRegistry {
  return new Map<string, KindModule>([
    ['Cluster', kindFor('Cluster', CLUSTER_SCHEMA_ID, () => [])],
    ['Host', kindFor('Host', HOST_SCHEMA_ID, clusterRef)],
    ['Service', kindFor('Service', SERVICE_SCHEMA_ID, clusterRef)],
  ]);
}

/** The schema files the loader owns; loader tests compile only these, schemas.unit.test.ts compiles them all. */
export const LOADER_SCHEMA_FILES = ['common', 'settings', 'host', 'cluster', 'service'].map((n) => `${n}.schema.json`);

let schemas: SchemaRegistry | undefined;

/** One registry over the loader's own schemas, shared by the tests of a file. */
export function loaderSchemas(): SchemaRegistry {
  schemas ??= createSchemaRegistry(findSchemasDir(), LOADER_SCHEMA_FILES);
  return schemas;
}
