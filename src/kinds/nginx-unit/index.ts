/**
 * Kind `NginxUnit` (OpenDCP Nginx单元, hubble done right): a set of nginx hosts serving the same files. Its
 * version is the digest of everything it renders (main configs + upstream files with pool membership); a publish
 * stages the version on every host, runs `nginx -t` on each, and switches all of them or none.
 */
import type { Problem } from '../../model/plan.js';
import type { Resource, ResourceRef } from '../../model/resource.js';
import { digestOf } from '../../util/digest.js';
import type { NginxUpstreamSpec } from '../nginx-upstream/public.js';
import { problemAt } from '../shared/problem.js';
import type { KindModule, ResourceIndex } from '../types.js';
import { unitDetails } from './details.js';
import { diffUnit, unitHealth } from './diff.js';
import { observeUnit } from './observe.js';
import { publishUnit } from './publish.js';
import type { NginxUnitSpec, UnitObserved } from './spec.js';

function dependencies(res: Resource<NginxUnitSpec>): ResourceRef[] {
  return [
    { kind: 'NginxGroup', name: res.spec.group, path: '/spec/group' },
    ...(res.spec.hosts.names ?? []).map((name, i) => ({ kind: 'Host', name, path: `/spec/hosts/names/${i}` })),
    ...(res.spec.upstreams ?? []).map((name, i) => ({ kind: 'NginxUpstream', name, path: `/spec/upstreams/${i}` })),
    ...(res.spec.configs ?? []).map((name, i) => ({ kind: 'NginxConfig', name, path: `/spec/configs/${i}` })),
  ];
}

function validate(res: Resource<NginxUnitSpec>, all: ResourceIndex): Problem[] {
  const out: string[] = [];
  for (const name of res.spec.upstreams ?? []) {
    const up = all.get<NginxUpstreamSpec>('NginxUpstream', name);
    if (up && up.spec.group !== res.spec.group) out.push(`NginxUpstream/${name} belongs to group ${up.spec.group}, not ${res.spec.group}`);
  }
  const mine = new Set(res.spec.hosts.names ?? []);
  for (const other of all.list<NginxUnitSpec>('NginxUnit')) {
    if (other.metadata.name === res.metadata.name) continue;
    const shared = (other.spec.hosts.names ?? []).filter((n) => mine.has(n));
    if (shared.length > 0 && (other.spec.root ?? '') === (res.spec.root ?? '')) {
      out.push(`hosts ${shared.join(', ')} are also in NginxUnit/${other.metadata.name}; give one of them another root`);
    }
  }
  return out.map((m) => problemAt(res, m));
}

export const nginxUnitKind: KindModule<NginxUnitSpec, UnitObserved> = {
  kind: 'NginxUnit',
  schemaId: 'https://driftless.dev/schemas/nginx-unit.schema.json',
  order: 35,
  dependencies,
  validate,
  observe: observeUnit,
  diff: diffUnit,
  async apply(task, ctx) {
    const cause = task.reason === 'DriftDetected' ? 'reconcile (drift)' : 'reconcile';
    await publishUnit(task.desired, ctx, { cause, ...(task.observed ? { observed: task.observed } : {}) });
  },
  health: unitHealth,
  statusDetails: unitDetails,
  observedDigest: (o) => (o ? digestOf(o.hosts.map((h) => ({ host: h.host, actual: h.actual ?? null, running: h.running }))) : undefined),
};

export type { NginxUnitSpec, UnitObserved } from './spec.js';
