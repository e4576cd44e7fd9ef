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
  observedDigest: (o) =>
    o ? digestOf({ reachable: o.reachable, hostname: o.hostname, os: o.os, cpus: o.cpus, initDone: o.initDone }) : undefined,
};

export type { HostObserved, HostSpec } from './spec.js';
export { hostTarget } from './target.js';
