/**
 * Kind `NginxUpstream` (OpenDCP upstream + 服务发现类型 in one): static servers plus pools whose healthy nodes
 * become servers on a port with a weight. A declaration; the units listing it render and publish the file, so
 * its operation log lives with the unit's publishes. It depends on its pools, so pools converge first.
 */
import type { Problem } from '../../model/plan.js';
import type { Resource, ResourceRef } from '../../model/resource.js';
import { createDeclarationKind } from '../shared/declaration.js';
import { problemAt } from '../shared/problem.js';
import type { ResourceIndex } from '../types.js';
import { upstreamFile, upstreamName, type NginxUpstreamSpec } from './spec.js';

function dependencies(res: Resource<NginxUpstreamSpec>): ResourceRef[] {
  return [
    { kind: 'NginxGroup', name: res.spec.group, path: '/spec/group' },
    ...(res.spec.pools ?? []).map((p, i) => ({ kind: 'Pool', name: p.pool, path: `/spec/pools/${i}/pool` })),
  ];
}

function validate(res: Resource<NginxUpstreamSpec>, all: ResourceIndex): Problem[] {
  const out: string[] = [];
  if ((res.spec.servers ?? []).length + (res.spec.pools ?? []).length === 0 && !res.spec.allowEmpty) {
    out.push('no servers and no pools: give at least one, or allowEmpty: true');
  }
  const mine = { name: upstreamName(res.metadata.name, res.spec), file: upstreamFile(res.metadata.name, res.spec) };
  for (const other of all.list<NginxUpstreamSpec>('NginxUpstream')) {
    if (other.metadata.name === res.metadata.name || other.spec.group !== res.spec.group) continue;
    if (upstreamName(other.metadata.name, other.spec) === mine.name) out.push(`upstream name ${mine.name} is also used by NginxUpstream/${other.metadata.name}`);
    if (upstreamFile(other.metadata.name, other.spec) === mine.file) out.push(`file ${mine.file} is also used by NginxUpstream/${other.metadata.name}`);
  }
  return out.map((m) => problemAt(res, m));
}

export const nginxUpstreamKind = {
  ...createDeclarationKind<NginxUpstreamSpec>({
    kind: 'NginxUpstream',
    schemaId: 'https://driftless.dev/schemas/nginx-upstream.schema.json',
    order: 32,
    dependencies,
  }),
  validate,
};

export type { NginxUpstreamSpec } from './spec.js';
