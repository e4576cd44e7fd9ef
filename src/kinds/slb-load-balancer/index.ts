/**
 * Kind `SlbLoadBalancer` (OpenDCP's 阿里云SLB discovery type, as a reconciler): one Aliyun SLB instance with its
 * listeners, whose backend servers follow pool membership. Found by name or tag, so an existing one is adopted
 * and a crashed create is never repeated; only the difference is applied.
 */
import type { HealthReport } from '../../model/health.js';
import type { Problem } from '../../model/plan.js';
import type { Resource, ResourceRef } from '../../model/resource.js';
import { digestOf } from '../../util/digest.js';
import { problemAt } from '../shared/problem.js';
import type { KindModule, ResourceIndex } from '../types.js';
import { applySlb, removeSlb } from './apply.js';
import { diffSlb } from './diff.js';
import { observeSlb } from './observe.js';
import { listenerKey, type SlbLoadBalancerSpec, type SlbObserved } from './spec.js';

function dependencies(res: Resource<SlbLoadBalancerSpec>): ResourceRef[] {
  return (res.spec.backends?.pools ?? []).map((p, i) => ({ kind: 'Pool', name: p.pool, path: `/spec/backends/pools/${i}/pool` }));
}

function validate(res: Resource<SlbLoadBalancerSpec>, all: ResourceIndex): Problem[] {
  const s = res.spec;
  const out: string[] = [];
  const seen = new Set<string>();
  const ports = new Set<number>();
  for (const l of s.listeners) {
    if (seen.has(listenerKey(l)) || ports.has(l.port)) out.push(`listeners: port ${l.port} is declared twice`);
    seen.add(listenerKey(l));
    ports.add(l.port);
    if (l.protocol === 'https' && !l.certificateId) out.push(`listeners ${listenerKey(l)}: https needs certificateId`);
    if (l.stickySession?.type === 'server' && !l.stickySession.cookie) out.push(`listeners ${listenerKey(l)}: server sticky sessions need cookie`);
    if (l.stickySession?.type === 'server' && l.protocol !== 'http' && l.protocol !== 'https') out.push(`listeners ${listenerKey(l)}: server cookies need http or https`);
    if (l.protocol === 'udp' && (l.healthCheck?.uri || l.healthCheck?.domain)) out.push(`listeners ${listenerKey(l)}: udp health checks have no uri or domain`);
  }
  if (s.network?.type === 'vpc' && !s.network.vswitchId) out.push('network: vpc needs vswitchId');
  if (s.network?.type !== 'vpc' && (s.network?.vpcId || s.network?.vswitchId)) out.push('network: vpcId/vswitchId need type vpc');
  if (s.addressType === 'intranet' && s.bandwidth !== undefined) out.push('bandwidth applies to internet load balancers only');
  const name = res.spec.loadBalancerName ?? res.metadata.name;
  const twins = all.list<SlbLoadBalancerSpec>('SlbLoadBalancer').filter((o) => o.metadata.name !== res.metadata.name && (o.spec.loadBalancerName ?? o.metadata.name) === name && o.spec.region === s.region);
  if (twins.length > 0) out.push(`loadBalancerName ${name} is also used by ${twins.map((t) => `SlbLoadBalancer/${t.metadata.name}`).join(', ')}`);
  for (const name of Object.keys(s.backends?.instanceIds ?? {})) if (!all.get('Host', name)) out.push(`backends.instanceIds: Host/${name} is not declared`);
  return out.map((m) => problemAt(res, m));
}

export function slbHealth(o: SlbObserved | undefined): HealthReport {
  if (!o?.lb) return { status: 'Missing', message: 'load balancer not created yet' };
  const stopped = o.lb.listeners.filter((l) => l.status !== 'running').map(listenerKey);
  if (stopped.length > 0) return { status: 'Progressing', message: `listeners not running: ${stopped.join(', ')}` };
  const unmapped = o.unmapped.length > 0 ? `; no instance id for ${o.unmapped.join(', ')}` : '';
  if (o.backends.length === 0) return { status: 'Degraded', message: `no backend server${unmapped}` };
  if (unmapped) return { status: 'Degraded', message: `${o.lb.id} at ${o.lb.address ?? '?'}${unmapped}` };
  return { status: 'Healthy', message: `${o.lb.id} at ${o.lb.address ?? '?'}: ${o.lb.listeners.length} listener(s), ${o.lb.backends.length} backend(s)` };
}

export const slbLoadBalancerKind: KindModule<SlbLoadBalancerSpec, SlbObserved> = {
  kind: 'SlbLoadBalancer',
  schemaId: 'https://driftless.dev/schemas/slb-load-balancer.schema.json',
  order: 40,
  dependencies,
  validate,
  observe: observeSlb,
  diff: diffSlb,
  apply: applySlb,
  remove: removeSlb,
  health: slbHealth,
  observedDigest: (o) => (o?.lb ? digestOf(o.lb) : undefined),
};

export type { SlbLoadBalancerSpec, SlbObserved } from './spec.js';
