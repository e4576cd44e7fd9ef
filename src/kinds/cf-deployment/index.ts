/**
 * Kind `CFDeployment`: the Deployment Engine of seed 004 made declarative. Components of Cloud Foundry on hosts,
 * checked before anything runs (cardinality, hardware minimums, users, reachability), installed in dependency
 * order with BOSH's canaries / maxInFlight / watch times, run under monit, stopped and started by editing the
 * repo, resurrected when found down unless too many are (meltdown guard), and scaled out host by host.
 */
import type { Problem } from '../../model/plan.js';
import type { Resource, ResourceRef } from '../../model/resource.js';
import { digestOf } from '../../util/digest.js';
import { problemAt } from '../task-template/index.js';
import type { KindModule, ResourceIndex } from '../types.js';
import { applyDeployment } from './apply.js';
import { deploymentHealth, diffDeployment } from './diff.js';
import { observeDeployment } from './observe.js';
import { componentSpec, isAddressEntry, resolveDeployment } from './resolve.js';
import type { CFDeploymentSpec, CFObserved } from './spec.js';

/** Host names (not plain addresses, which are matched to Hosts in validate) must exist and be ready first. */
function dependencies(res: Resource<CFDeploymentSpec>): ResourceRef[] {
  const refs = new Map<string, ResourceRef>();
  for (const [name, raw] of Object.entries(res.spec.components)) {
    componentSpec(raw).hosts.forEach((entry, i) => {
      if (!isAddressEntry(entry) && !refs.has(entry)) {
        const path = Array.isArray(raw) ? `/spec/components/${name}/${i}` : `/spec/components/${name}/hosts/${i}`;
        refs.set(entry, { kind: 'Host', name: entry, path });
      }
    });
  }
  return [...refs.values()];
}

function validate(res: Resource<CFDeploymentSpec>, all: ResourceIndex): Problem[] {
  const { problems } = resolveDeployment(res.spec, all);
  const p = res.spec.properties;
  if (p.adduser && !p.user) problems.push('properties.adduser needs properties.user');
  if (/(^|\/)\.\.(\/|$)/.test(res.spec.release.dir) || res.spec.release.dir.startsWith('/')) {
    problems.push(`release.dir ${res.spec.release.dir} must be a path inside the config repo`);
  }
  return problems.map((m) => problemAt(res, m));
}

export const cfDeploymentKind: KindModule<CFDeploymentSpec, CFObserved> = {
  kind: 'CFDeployment',
  schemaId: 'https://driftless.dev/schemas/cf-deployment.schema.json',
  order: 30,
  dependencies,
  validate,
  /** The release's job files are read from the repo and installed on hosts: the directory must stay inside it. */
  repoPaths: (res) => [{ pointer: '/spec/release/dir', path: res.spec.release.dir, type: 'dir' }],
  observe: observeDeployment,
  diff: diffDeployment,
  apply: applyDeployment,
  health: deploymentHealth,
  observedDigest: (o) =>
    o
      ? digestOf(
          o.hosts.map((h) => ({ host: h.host, reachable: h.reachable, installed: h.installed, processes: Object.fromEntries(Object.entries(h.processes).map(([k, v]) => [k, v.state])) })),
        )
      : undefined,
};

export type { CFDeploymentSpec, CFObserved } from './spec.js';
