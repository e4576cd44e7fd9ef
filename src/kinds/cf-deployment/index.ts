/**
 * Kind `CFDeployment`: the Deployment Engine of seed 004 made declarative. Components of Cloud Foundry on hosts,
 * checked before anything runs (cardinality, hardware minimums, users, reachability), installed in dependency
 * order with BOSH's canaries / maxInFlight / watch times, run under monit, stopped and started by editing the
 * repo, resurrected when found down unless too many are (meltdown guard), and scaled out host by host.
 */
import type { Problem } from '../../model/plan.js';
import type { Resource, ResourceRef } from '../../model/resource.js';
import { digestOf } from '../../util/digest.js';
import { problemAt } from '../shared/problem.js';
import type { KindModule, RepoPathRef, ResourceIndex } from '../types.js';
import { JOB_FILES } from './release.js';
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

/** Problems at the field they are about (each unknown address at its own line), not at the document's start. */
function validate(res: Resource<CFDeploymentSpec>, all: ResourceIndex): Problem[] {
  const { located } = resolveDeployment(res.spec, all);
  const problems = [...located];
  const p = res.spec.properties;
  if (p.adduser && !p.user) problems.push({ pointer: '/spec/properties/adduser', message: 'properties.adduser needs properties.user' });
  if (/(^|\/)\.\.(\/|$)/.test(res.spec.release.dir) || res.spec.release.dir.startsWith('/')) {
    problems.push({ pointer: '/spec/release/dir', message: `release.dir ${res.spec.release.dir} must be a path inside the config repo` });
  }
  return problems.map(({ pointer, message }) => ({ ...problemAt(res, message), pointer }));
}

/**
 * The release's job files are read from the repo and installed on hosts: the directory must stay inside it, and
 * every declared component needs its job (install.sh and bin/ctl), reported at the component's line at load — an
 * imported Deployment Engine config whose release lacks jobs used to pass validate and fail only at plan.
 */
function repoPaths(res: Resource<CFDeploymentSpec>): RepoPathRef[] {
  const dir = res.spec.release.dir.replace(/\/+$/, '');
  const refs: RepoPathRef[] = [{ pointer: '/spec/release/dir', path: res.spec.release.dir, type: 'dir' }];
  for (const component of Object.keys(res.spec.components)) {
    const pointer = `/spec/components/${component}`;
    refs.push({ pointer, path: `${dir}/jobs/${component}`, type: 'dir', what: `the release's job directory for ${component}` });
    for (const file of JOB_FILES) {
      refs.push({ pointer, path: `${dir}/jobs/${component}/${file}`, type: 'file', what: `the release's job file for ${component}` });
    }
  }
  return refs;
}

export const cfDeploymentKind: KindModule<CFDeploymentSpec, CFObserved> = {
  kind: 'CFDeployment',
  schemaId: 'https://driftless.dev/schemas/cf-deployment.schema.json',
  order: 30,
  dependencies,
  validate,
  repoPaths,
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
