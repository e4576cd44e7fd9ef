/**
 * The swarm pool's rollout wait (pure over a scripted manager): right after an update, the old tasks that still
 * run healthy do not end the wait (Swarm may not have set its update state yet); tasks of the new template,
 * healthy on ready nodes, do; an update that left the template alone is done at once; a paused or rolled-back
 * update is a FailedError naming Swarm's message.
 */
import { describe, expect, it } from 'vitest';
import { FailedError } from '../../../src/errors.js';
import type { SwarmEngine, SwarmNode, SwarmService, SwarmTask } from '../../../src/drivers/types.js';
import type { PoolSpec } from '../../../src/kinds/pool/spec.js';
import { lookAtRollout, oldTasks, waitConverged } from '../../../src/kinds/pool/swarm/wait.js';
import { API_VERSION, type Resource } from '../../../src/model/resource.js';

const pool: Resource<PoolSpec> = {
  apiVersion: API_VERSION,
  kind: 'Pool',
  metadata: { name: 'web' },
  source: { file: 'p.yaml', line: 1, col: 1 },
  spec: { service: 'web', runtime: 'swarm', replicas: 2, container: { image: 'r/web:1' }, swarm: { cluster: 'c' } } as PoolSpec,
};

const template = (v: string) => ({ ContainerSpec: { Image: 'r/web:1', Env: [`VERSION=${v}`] } });
const service = (v: string, updateState?: string, updateMessage?: string): SwarmService => ({
  id: 's1',
  name: 'web',
  version: 7,
  spec: { Name: 'web', TaskTemplate: template(v) },
  ports: [],
  ...(updateState ? { updateState } : {}),
  ...(updateMessage ? { updateMessage } : {}),
});
const task = (id: string, spec: string, state = 'running', node = 'n1', health?: string): SwarmTask => ({
  id,
  serviceId: 's1',
  nodeId: node,
  desiredState: 'running',
  state,
  specDigest: spec,
  addresses: [],
  createdAt: '',
  updatedAt: '',
  ...(health ? { health } : {}),
});
const node = (id: string, state = 'ready'): SwarmNode => ({ id, version: 1, hostname: id, role: 'worker', availability: 'active', labels: {}, state, leader: false });

/** A manager answering with fixed lists (only what the wait asks for). */
function manager(svc: SwarmService, tasks: SwarmTask[], nodes: SwarmNode[] = [node('n1'), node('n2')]): SwarmEngine {
  return { services: async () => [svc], tasks: async () => tasks, nodes: async () => nodes } as unknown as SwarmEngine;
}

describe('swarm rollout wait', () => {
  it('does not count the old tasks still running right after the update', async () => {
    const before = await oldTasks(manager(service('1'), [task('a', 'old'), task('b', 'old')]), 's1', service('1').spec);
    const look = await lookAtRollout(manager(service('2'), [task('a', 'old'), task('b', 'old')]), pool, before);
    expect(look).toEqual({ done: false, message: '0/2 tasks running and healthy' });
  });

  it('is done when the new tasks run healthy on ready nodes and Swarm is not updating', async () => {
    const before = { template: 'x', specs: new Set(['old']) };
    const updating = await lookAtRollout(manager(service('2', 'updating'), [task('c', 'new'), task('d', 'new', 'running', 'n2', 'healthy')]), pool, before);
    expect(updating.done).toBe(false);
    const starting = await lookAtRollout(manager(service('2', 'completed'), [task('c', 'new'), task('d', 'new', 'running', 'n2', 'starting')]), pool, before);
    expect(starting).toEqual({ done: false, message: '1/2 tasks running and healthy' });
    const nodeDown = await lookAtRollout(manager(service('2', 'completed'), [task('c', 'new'), task('d', 'new', 'running', 'n2')], [node('n1'), node('n2', 'down')]), pool, before);
    expect(nodeDown.done).toBe(false);
    const done = await lookAtRollout(manager(service('2', 'completed'), [task('c', 'new'), task('d', 'new', 'running', 'n2', 'healthy')]), pool, before);
    expect(done).toEqual({ done: true, message: '2/2 tasks running and healthy' });
  });

  it('counts every task when the update left the task template alone (nothing to replace)', async () => {
    const before = await oldTasks(manager(service('1'), [task('a', 'old'), task('b', 'old')]), 's1', service('1').spec);
    const look = await lookAtRollout(manager(service('1'), [task('a', 'old'), task('b', 'old')]), pool, before);
    expect(look.done).toBe(true);
  });

  it('fails with Swarm message on a paused or rolled-back update', async () => {
    const signal = new AbortController().signal;
    for (const state of ['paused', 'rollback_completed', 'rollback_paused']) {
      const err = await waitConverged(pool, signal, manager(service('2', state, 'task exited 1'), []), undefined).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FailedError);
      expect((err as FailedError).message).toContain('task exited 1');
    }
  });
});
