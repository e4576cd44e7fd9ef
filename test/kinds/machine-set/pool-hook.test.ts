/**
 * The pools' create_vm / return_vm seam on the lab provider: create_vm makes (once) a machine named after the
 * node, tagged with the pool, ready over SSH; a repeated create_vm adopts it; return_vm stops and deletes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StalledError } from '../../../src/errors.js';
import type { MachineTemplateSpec } from '../../../src/kinds/machine-template/spec.js';
import { createMachineHook } from '../../../src/kinds/shared/machines/pool-hook.js';
import { createMachineWorld, res, type MachineWorld } from './fixture.js';

let w: MachineWorld;
const tpl = res<MachineTemplateSpec>('MachineTemplate', 'pool-vm', { provider: 'lab', quota: { hours: 5 }, init: [{ name: 'm', run: 'touch /root/vm' }], waitTimeoutSeconds: 60 });
const node = { pool: 'feed', service: 'feed', name: 'feed-0', host: 'feed-0', address: '127.0.0.1', ports: [] };

beforeAll(async () => {
  w = await createMachineWorld();
});
afterAll(async () => {
  await w?.close();
});

describe('pool machine hook', () => {
  it('creates a machine per node once, and returns it', async () => {
    const hook = createMachineHook();
    const ctx = w.ctx([tpl]);
    await hook.createVm([node], { vm_type_id: 'pool-vm' }, ctx);
    await hook.createVm([node], { template: 'pool-vm' }, ctx);
    expect(await w.labContainers()).toHaveLength(1);
    await hook.returnVm([node], { template: 'pool-vm' }, ctx);
    expect(await w.labContainers()).toHaveLength(0);
    const err = await hook.createVm([node], {}, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StalledError);
    expect((err as Error).message).toMatch(/needs a template parameter/);
  });
});
