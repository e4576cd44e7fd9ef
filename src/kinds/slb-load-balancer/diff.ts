/**
 * The work between a declared load balancer and the observed one, as data: the plan prints it and apply does
 * exactly it. A weight change is only a SetBackendServers; a membership change only Add/RemoveBackendServers.
 */
import type { SlbBackend, SlbListener, SlbState } from '../../drivers/types.js';
import type { DiffOutcome, FieldChange } from '../../model/plan.js';
import type { Resource } from '../../model/resource.js';
import { digestOf } from '../../util/digest.js';
import { comparable, instanceSpecOf, listenerKey, normalListener, type SlbLoadBalancerSpec, type SlbObserved } from './spec.js';

export interface SlbWork {
  create: boolean;
  /** Fields SLB cannot change in place (address type, network): a human must recreate. */
  immutable: FieldChange[];
  instanceSpec?: string;
  internetSpec: boolean;
  tags: boolean;
  createListeners: SlbListener[];
  updateListeners: SlbListener[];
  startListeners: SlbListener[];
  deleteListeners: SlbListener[];
  addBackends: SlbBackend[];
  removeBackends: string[];
  setBackends: SlbBackend[];
  /** Every backend would go although pools are followed: removal is held back. */
  heldEmpty: boolean;
}

export function workOf(desired: Resource<SlbLoadBalancerSpec>, o: SlbObserved): SlbWork {
  const want = instanceSpecOf(desired);
  const lb: SlbState | undefined = o.lb;
  const listeners = desired.spec.listeners.map(normalListener);
  const have = new Map((lb?.listeners ?? []).map((l) => [listenerKey(l), l]));
  const wantKeys = new Set(listeners.map(listenerKey));
  const w: SlbWork = {
    create: !lb,
    immutable: [],
    internetSpec: false,
    tags: false,
    createListeners: [],
    updateListeners: [],
    startListeners: [],
    deleteListeners: (lb?.listeners ?? []).filter((l) => !wantKeys.has(listenerKey(l))),
    addBackends: [],
    removeBackends: [],
    setBackends: [],
    heldEmpty: false,
  };
  for (const l of listeners) {
    const cur = have.get(listenerKey(l));
    if (!cur) w.createListeners.push(l);
    else if (cur.backendPort !== l.backendPort) {
      // SLB cannot change a listener's backend port in place: the listener is recreated.
      w.deleteListeners.push(cur);
      w.createListeners.push(l);
    } else if (digestOf(comparable(cur)) !== digestOf(comparable(l))) w.updateListeners.push(l);
    if (!cur || cur.status !== 'running' || cur.backendPort !== l.backendPort) w.startListeners.push(l);
  }
  const current = new Map((lb?.backends ?? []).map((b) => [b.instanceId, b.weight]));
  const wanted = new Map(o.backends.map((b) => [b.instanceId, b.weight]));
  for (const b of o.backends) {
    const weight = current.get(b.instanceId);
    if (weight === undefined) w.addBackends.push(b);
    else if (weight !== b.weight) w.setBackends.push(b);
  }
  w.removeBackends = [...current.keys()].filter((id) => !wanted.has(id)).sort();
  const followsPools = (desired.spec.backends?.pools ?? []).length > 0;
  if (followsPools && wanted.size === 0 && current.size > 0) {
    w.heldEmpty = true;
    w.removeBackends = [];
  }
  if (!lb) return w;
  for (const k of ['addressType', 'networkType', 'vpcId', 'vswitchId'] as const) {
    if (want[k] !== undefined && want[k] !== lb[k]) w.immutable.push({ path: `loadBalancer.${k}`, before: lb[k], after: want[k] });
  }
  if (want.spec && want.spec !== lb.spec) w.instanceSpec = want.spec;
  w.internetSpec = want.internetChargeType !== lb.internetChargeType || (want.bandwidth !== undefined && want.bandwidth !== lb.bandwidth);
  w.tags = o.tagsMissing === true;
  return w;
}

export function changesOf(w: SlbWork, desired: Resource<SlbLoadBalancerSpec>, o: SlbObserved): FieldChange[] {
  const c: FieldChange[] = [...w.immutable];
  const lb = o.lb;
  if (w.create) c.push({ path: 'loadBalancer', after: instanceSpecOf(desired) });
  if (w.instanceSpec) c.push({ path: 'loadBalancer.spec', before: lb?.spec, after: w.instanceSpec });
  if (w.internetSpec) c.push({ path: 'loadBalancer.internet', before: { chargeType: lb?.internetChargeType, bandwidth: lb?.bandwidth }, after: { chargeType: desired.spec.internetChargeType ?? 'paybytraffic', bandwidth: desired.spec.bandwidth } });
  if (w.tags) c.push({ path: 'loadBalancer.tags', before: lb?.tags, after: 'adopt: add driftless tags' });
  for (const l of w.createListeners) c.push({ path: `listeners.${listenerKey(l)}`, after: l });
  for (const l of w.updateListeners) c.push({ path: `listeners.${listenerKey(l)}`, before: lb?.listeners.find((x) => listenerKey(x) === listenerKey(l)), after: l });
  const started = w.startListeners.filter((l) => !w.createListeners.includes(l));
  if (started.length > 0) c.push({ path: 'listeners.start', after: started.map(listenerKey) });
  if (w.deleteListeners.length > 0) c.push({ path: 'listeners.delete', before: w.deleteListeners.map(listenerKey) });
  if (w.addBackends.length > 0) c.push({ path: 'backends.add', after: w.addBackends });
  if (w.removeBackends.length > 0) c.push({ path: 'backends.remove', before: w.removeBackends });
  if (w.setBackends.length > 0) c.push({ path: 'backends.weight', before: w.setBackends.map((b) => ({ instanceId: b.instanceId, weight: lb?.backends.find((x) => x.instanceId === b.instanceId)?.weight })), after: w.setBackends });
  return c;
}

export function diffSlb(desired: Resource<SlbLoadBalancerSpec>, o: SlbObserved | undefined): DiffOutcome {
  const observed = o ?? { backends: [], unmapped: [] };
  const w = workOf(desired, observed);
  const changes = changesOf(w, desired, observed);
  if (w.create) return { action: 'create', changes };
  return changes.length === 0 ? { action: 'noop', changes } : { action: 'update', changes, ...(w.immutable.length > 0 ? { reason: 'ImmutableFieldChanged' } : {}) };
}
