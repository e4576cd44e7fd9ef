/**
 * The sample repo's CFDeployment (what the quick start applies to lab-1..3) on three real hosts: its own release
 * directory and settings install every instance, create the vcap user, run all under monit, and re-plan to a no-op.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cfDeploymentKind } from '../../../src/kinds/cf-deployment/index.js';
import type { CFDeploymentSpec } from '../../../src/kinds/cf-deployment/spec.js';
import { createKindRegistry } from '../../../src/kinds/registry.js';
import { loadRepo } from '../../../src/loader/index.js';
import type { Resource } from '../../../src/model/resource.js';
import { REPO_ROOT } from '../../harness/cli.js';
import { createCfWorld, type CfWorld } from './fixture.js';

let w: CfWorld;

beforeAll(async () => {
  w = await createCfWorld(3, 'cfsample');
});

afterAll(async () => {
  await w?.close();
});

it('applies the sample CFDeployment with its own release', async () => {
  const loaded = await loadRepo(join(REPO_ROOT, 'sample-repo'), { registry: createKindRegistry() });
  expect(loaded.problems).toEqual([]);
  const sample = loaded.resources.find((r) => r.kind === 'CFDeployment') as Resource<CFDeploymentSpec>;
  // lab-N -> test host N; the sample's plain address of lab-2 -> test host 2's address
  const map = (e: string): string => (e === '127.0.0.1:2202' ? w.addressOf(1) : (w.hostNames[Number(e.replace('lab-', '')) - 1] ?? e));
  const components = Object.fromEntries(
    Object.entries(sample.spec.components).map(([k, v]) => [k, Array.isArray(v) ? v.map(map) : { ...v, hosts: v.hosts.map(map) }]),
  );
  const dep = w.deployment(sample.metadata.name, { ...sample.spec, components, release: { ...sample.spec.release, dir: 'sample-repo/cf/release' } });
  const diff = await w.converge(dep);
  expect(diff.action).toBe('create');
  const again = await w.plan(dep);
  expect(again.diff.action).toBe('noop');
  expect(cfDeploymentKind.health(again.observed)).toEqual({ status: 'Healthy', message: '5 instance(s) running' });
  expect((await w.sh(2, 'id -u vcap')).trim()).toMatch(/^\d+$/);
});
