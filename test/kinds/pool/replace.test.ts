/**
 * Replacing a node in one exec: the runner fuses stop_service + start_service only when both run once and stop the
 * flow on failure, a failure names the step it belongs to, and on a real host the old container (stopping in the
 * background) is gone before the node's health wait passes, a container that is not the pool's is never touched,
 * and stopGracePeriod reaches the container.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailedError, TransientError } from '../../../src/errors.js';
import { canOverlap, replaceScript } from '../../../src/kinds/pool/replace-script.js';
import { ReplaceError, runFlow, type BuiltinActions, type NodeJob } from '../../../src/kinds/pool/flow-runner.js';
import type { PoolSpec } from '../../../src/kinds/pool/spec.js';
import type { ResolvedStep } from '../../../src/kinds/shared/steps.js';
import type { BuiltinStep } from '../../../src/kinds/task-template/spec.js';
import type { KindContext } from '../../../src/kinds/types.js';
import type { Resource } from '../../../src/model/resource.js';
import { labDocker } from '../../harness/docker.js';
import { createPoolWorld, silentLogger, type PoolWorld } from './fixture.js';

const step = (name: BuiltinStep, times = 0): ResolvedStep => ({ name, builtin: name, commands: [], params: {}, retry: { times, ignoreError: false }, receivesImage: false });
const job: NodeJob = {
  target: { id: 'Host/h', host: '127.0.0.1', port: 22, username: 'root', privateKey: '' },
  vars: { pool: 'web', service: 'api', image: 'img', node: { name: 'web-0', host: 'h', address: '127.0.0.1', ordinal: 0 } },
  ref: { pool: 'web', service: 'api', name: 'web-0', host: 'h', address: '127.0.0.1', ports: [] },
};
const ctx = { logger: silentLogger } as unknown as KindContext;

function recording(replace: () => Promise<void>): { calls: string[]; builtins: BuiltinActions } {
  const calls: string[] = [];
  const note = (what: string) => async () => void calls.push(what);
  return {
    calls,
    builtins: {
      start: note('start'),
      stop: note('stop'),
      waitHealthy: note('waitHealthy'),
      replace: async () => {
        calls.push('replace');
        await replace();
      },
    },
  };
}

describe('fused replace in the runner', () => {
  const deploy = [step('stop_service'), step('start_service'), step('check_health')];

  it('runs adjacent stop_service + start_service as one replace and logs both steps', async () => {
    const { calls, builtins } = recording(async () => undefined);
    const r = await runFlow(deploy, job, { ctx, hooks: {}, builtins });
    expect(r.ok).toBe(true);
    expect(calls).toEqual(['replace', 'waitHealthy']);
    expect(r.log.map((l) => l.step)).toEqual(['stop_service', 'start_service', 'check_health']);
  });

  it('names the step a failed replace belongs to, and keeps a transient cause transient', async () => {
    const start = recording(async () => {
      throw new ReplaceError('start_service', { cause: new FailedError('CommandFailed', 'start web-0 on h exited 5: no such image') });
    });
    expect(await runFlow(deploy, job, { ctx, hooks: {}, builtins: start.builtins })).toMatchObject({
      ok: false,
      failedStep: 'start_service',
      error: 'step start_service: start web-0 on h exited 5: no such image',
      disposition: 'failed',
    });
    const down = recording(async () => {
      throw new ReplaceError('stop_service', { cause: new TransientError('Unreachable', 'ssh: connection refused') });
    });
    const r = await runFlow(deploy, job, { ctx, hooks: {}, builtins: down.builtins });
    expect(r).toMatchObject({ ok: false, failedStep: 'stop_service', disposition: 'transient' });
    expect(down.calls).toEqual(['replace']);
  });

  it('keeps the steps apart when one of them retries', async () => {
    const { calls, builtins } = recording(async () => undefined);
    await runFlow([step('stop_service'), step('start_service', 2), step('check_health')], job, { ctx, hooks: {}, builtins, retryDelay: async () => undefined });
    expect(calls).toEqual(['stop', 'start', 'waitHealthy']);
  });

  it('starts the new container while the old one stops only when no port can collide', () => {
    const meta = { pool: 'web', service: 'api', name: 'web-0', ordinal: 0, image: 'img', specDigest: 'd' };
    expect(canOverlap({ image: 'img', network: 'bridge' })).toBe(true);
    expect(canOverlap({ image: 'img', network: 'bridge', ports: [{ container: 80 }] })).toBe(false);
    expect(canOverlap({ image: 'img' })).toBe(false);
    const overlap = replaceScript({ image: 'img', network: 'bridge' }, meta);
    expect(overlap).toContain("docker rename 'web-0' 'web-0.retiring'");
    expect(overlap.indexOf("docker pull -q 'img'")).toBeLessThan(overlap.indexOf('docker rename'));
    const inPlace = replaceScript({ image: 'img', network: 'host' }, meta);
    expect(inPlace).not.toContain('rename');
    expect(inPlace.indexOf("docker stop 'web-0'")).toBeLessThan(inPlace.indexOf('docker run'));
  });
});

describe('replace on a real host', () => {
  let world: PoolWorld;
  const name = `rpl-${randomBytes(3).toString('hex')}`;
  const docker = labDocker();
  const pool = (version: string, over: Partial<PoolSpec['container']> = {}): Resource<PoolSpec> =>
    world.res<PoolSpec>('Pool', name, {
      service: 'web',
      hosts: { names: world.hostNames },
      mode: 'fixed',
      replicas: 1,
      container: { image: world.image, command: ['sleep', 'infinity'], env: { VERSION: version }, network: 'bridge', restartPolicy: { condition: 'none' }, ...over },
      rollout: { batchSize: 1, maxUnavailable: 1 },
    });
  const foreign: string[] = [];

  beforeAll(async () => {
    world = await createPoolWorld(1, 'pool-replace');
  }, 180_000);
  afterAll(async () => {
    for (const id of foreign) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
    for (const n of await world.nodes(name)) await docker.getContainer(n.id).remove({ force: true }).catch(() => undefined);
    await world.close();
  });

  it('ends the rollout with one container on the new spec, after the old one (deaf to SIGTERM) was killed at its grace period', async () => {
    await world.converge(pool('1', { command: ['sh', '-c', 'trap "" TERM; while :; do sleep 1; done'], stopGracePeriod: '3s' }));
    const [old] = await world.nodes(name);
    await world.converge(pool('2', { stopGracePeriod: '3s' }));
    const after = await world.nodes(name);
    expect(after.map((n) => n.name)).toEqual([`${name}-0`]);
    expect(after[0]?.id).not.toBe(old?.id);
    expect(after[0]?.spec).not.toBe(old?.spec);
    const info = await docker.getContainer(after[0]?.id ?? '').inspect();
    expect((info.Config as { StopTimeout?: number }).StopTimeout).toBe(3);
    const all = await docker.listContainers({ all: true, filters: { name: [`${name}-0.retiring`] } });
    expect(all).toEqual([]);
  }, 120_000);

  it('never touches a container named like a retiring node that is not the pool\'s', async () => {
    const squatter = await docker.createContainer({ name: `${name}-0.retiring`, Image: world.image, Entrypoint: ['sleep', 'infinity'] });
    foreign.push(squatter.id);
    await squatter.start();
    const [old] = await world.nodes(name);
    await world.converge(pool('3'));
    const after = await world.nodes(name);
    expect(after).toHaveLength(1);
    expect(after[0]?.id).not.toBe(old?.id);
    expect((await squatter.inspect()).State.Running).toBe(true);
  }, 120_000);
});
