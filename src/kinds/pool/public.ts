/**
 * The public face of the pool kind: the only file other kinds (and kinds/shared, kinds/registry.ts for
 * discovery) may import from it. Everything else in this folder is internal and may change without notice;
 * test/architecture/boundaries.unit.test.ts enforces this.
 */
export { type DiscoveryHook, type MachineHook, type NodeRef, type PoolHooks, type PoolMachine } from './hooks.js';
export { type PoolHost } from './hosts.js';
export { knownNodes, type PoolView, viewPool } from './observe.js';
export { outOfRotation, type RotationSet } from './rotation.js';
export { type PoolSpec } from './spec.js';
