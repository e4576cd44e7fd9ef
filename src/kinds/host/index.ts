/**
 * Kind `Host`: an existing machine reached over SSH (OpenDCP's 录入物理机). Every later kind runs on hosts, so
 * its facts (OS, CPUs, memory, disk) and health (reachable + init done) are what placement and gates rely on.
 */
import type { Resource } from '../../model/resource.js';
import { digestOf } from '../../util/digest.js';
import type { KindModule } from '../types.js';
import { applyHost } from './apply.js';
import { diffHost } from './diff.js';
import { hostHealth } from './health.js';
import { observeHost } from './observe.js';
import type { HostObserved, HostSpec } from './spec.js';

/** The host's facts, as placement sees them: `debian 12, 2 cpus, 1024 MiB, 20 GiB`. */
export function hostDetails(o: HostObserved): Record<string, unknown> {
  if (!o.reachable) return { summary: 'unreachable', reachable: false };
  const facts = { hostname: o.hostname, os: o.os, kernel: o.kernel, cpus: o.cpus, memoryMiB: o.memoryMiB, diskGiB: o.diskGiB };
  const parts = [
    o.os,
    o.cpus !== undefined ? `${o.cpus} cpus` : undefined,
    o.memoryMiB !== undefined ? `${o.memoryMiB} MiB` : undefined,
    o.diskGiB !== undefined ? `${o.diskGiB} GiB` : undefined,
  ].filter((p): p is string => p !== undefined);
  const defined = Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined));
  return { summary: parts.join(', ') || 'no facts', reachable: true, ...defined };
}

export const hostKind: KindModule<HostSpec, HostObserved> = {
  kind: 'Host',
  schemaId: 'https://driftless.dev/schemas/host.schema.json',
  order: 10,
  dependencies: (res: Resource<HostSpec>) =>
    res.spec.cluster ? [{ kind: 'Cluster', name: res.spec.cluster, path: '/spec/cluster' }] : [],
  observe: observeHost,
  diff: diffHost,
  apply: applyHost,
  health: hostHealth,
  statusDetails: hostDetails,
  observedDigest: (o) =>
    o ? digestOf({ reachable: o.reachable, hostname: o.hostname, os: o.os, cpus: o.cpus, initDone: o.initDone }) : undefined,
};

export type { HostObserved, HostSpec } from './spec.js';
