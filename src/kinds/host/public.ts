/**
 * The public face of the host kind: the only file other kinds (and kinds/shared, kinds/registry.ts for
 * discovery) may import from it. Everything else in this folder is internal and may change without notice;
 * test/architecture/boundaries.unit.test.ts enforces this.
 */
export { type Facts, FACTS_COMMAND, parseFacts } from './facts.js';
export { pendingSteps, planSteps, stepScript } from './init-steps.js';
export { type HostSpec, type InitStep } from './spec.js';
