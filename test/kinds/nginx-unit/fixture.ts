/**
 * An nginx test world on top of the pool world: the same lab hosts (sibling containers for pool nodes), plus the
 * real nginx driver, resource builders for the nginx kinds, and a converge that does what one engine task does.
 */
import { createNginxDriver } from '../../../src/drivers/nginx/index.js';
import { nginxUnitKind } from '../../../src/kinds/nginx-unit/index.js';
import type { NginxUnitSpec, UnitObserved } from '../../../src/kinds/nginx-unit/spec.js';
import type { KindContext } from '../../../src/kinds/types.js';
import type { DiffOutcome } from '../../../src/model/plan.js';
import type { Resource } from '../../../src/model/resource.js';
import { createPoolWorld, type PoolWorld } from '../pool/fixture.js';

export interface NginxWorld extends Omit<PoolWorld, 'plan'> {
  nginxCtx(resources: Resource[]): KindContext;
  plan(unit: Resource<NginxUnitSpec>, extra: Resource[]): Promise<{ diff: DiffOutcome; observed: UnitObserved }>;
  apply(unit: Resource<NginxUnitSpec>, extra: Resource[]): Promise<DiffOutcome>;
  /** Runs curl inside host i against its own nginx; returns the body (or `ERR <code>`). */
  curl(i: number, port: number, path?: string): Promise<string>;
}

/** The run id every nginx test context carries: records the unit keeps must name it. */
export const NGINX_TEST_RUN = 'run-under-test';

export async function createNginxWorld(hostCount: number, name: string): Promise<NginxWorld> {
  const world = await createPoolWorld(hostCount, name);
  let nginx: ReturnType<typeof createNginxDriver> | undefined;
  const nginxCtx = (resources: Resource[]): KindContext => {
    const ctx = world.ctxFor([...world.hostResources(), ...resources]);
    nginx ??= createNginxDriver(ctx.drivers.ssh);
    return { ...ctx, runId: NGINX_TEST_RUN, drivers: { ...ctx.drivers, nginx } };
  };
  const plan = async (unit: Resource<NginxUnitSpec>, extra: Resource[]) => {
    const observed = await nginxUnitKind.observe(unit, nginxCtx([unit, ...extra]));
    if (!observed) throw new Error('unit observe returned nothing');
    return { diff: nginxUnitKind.diff(unit, observed), observed };
  };
  return {
    ...world,
    nginxCtx,
    plan,
    async apply(unit, extra) {
      const { diff, observed } = await plan(unit, extra);
      if (diff.action === 'noop') return diff;
      const key = `NginxUnit/${unit.metadata.name}`;
      await nginxUnitKind.apply(
        { key, kind: 'NginxUnit', name: unit.metadata.name, action: diff.action, wave: 0, changes: diff.changes, ...(diff.reason ? { reason: diff.reason } : {}), dependsOn: [], digest: 'd', desired: unit, observed },
        nginxCtx([unit, ...extra]),
      );
      return diff;
    },
    async curl(i, port, path = '/') {
      const host = world.th.hosts[i];
      if (!host) throw new Error(`no host ${i}`);
      const r = await host.exec(`curl -s -m 5 -o - -w '' http://127.0.0.1:${port}${path} || echo "ERR $?"`);
      return r.stdout.trim();
    },
  };
}
