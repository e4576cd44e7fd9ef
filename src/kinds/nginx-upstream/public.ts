/**
 * The public face of the nginx-upstream kind: the only file other kinds (and kinds/shared, kinds/registry.ts for
 * discovery) may import from it. Everything else in this folder is internal and may change without notice;
 * test/architecture/boundaries.unit.test.ts enforces this.
 */
export { createMemberCache, memberHooks, resolveMembers } from './members.js';
export { type NginxUpstreamSpec, type RenderedUpstream } from './spec.js';
