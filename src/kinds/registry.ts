/**
 * The one place kinds are registered: one line per kind. A completeness test fails when a folder under
 * src/kinds/ has no line here, no schema, no sample or no tests.
 */
import type { KindModule, KindRegistry } from './types.js';
import { clusterKind } from './cluster/index.js';
import { hostKind } from './host/index.js';
import { serviceKind } from './service/index.js';
import { imageProjectKind } from './image-project/index.js';
import { createPoolKind } from './pool/index.js';
import { taskTemplateKind } from './task-template/index.js';
import { commandGroupKind } from './command-group/index.js';
import { commandKind } from './command/index.js';
import { nginxGroupKind } from './nginx-group/index.js';
import { nginxUpstreamKind } from './nginx-upstream/index.js';
import { nginxConfigKind } from './nginx-config/index.js';
import { nginxUnitKind } from './nginx-unit/index.js';
import { createNginxDiscovery } from './nginx-unit/public.js';
import { cfDeploymentKind } from './cf-deployment/index.js';
import { machineTemplateKind } from './machine-template/index.js';
import { machineSetKind } from './machine-set/index.js';
import { createMachineHook } from './shared/machines/pool-hook.js';
import { slbLoadBalancerKind } from './slb-load-balancer/index.js';
import { swarmClusterKind } from './swarm-cluster/index.js';
import { combineDiscovery, createSlbDiscovery } from './slb-load-balancer/public.js';

const kinds: KindModule<any, any>[] = [
  clusterKind,
  serviceKind,
  hostKind,
  imageProjectKind,
  createPoolKind({ discovery: combineDiscovery(createNginxDiscovery(), createSlbDiscovery()), machines: createMachineHook() }),
  taskTemplateKind,
  commandGroupKind,
  commandKind,
  nginxGroupKind,
  nginxUpstreamKind,
  nginxConfigKind,
  nginxUnitKind,
  cfDeploymentKind,
  machineTemplateKind,
  machineSetKind,
  slbLoadBalancerKind,
  swarmClusterKind,
];

export function createKindRegistry(): KindRegistry {
  return new Map(kinds.map((k) => [k.kind, k]));
}
