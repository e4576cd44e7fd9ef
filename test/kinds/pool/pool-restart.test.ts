/**
 * Swarm's restart delay and maxAttempts on a real node container that exits with code 1: driftless (not Docker)
 * restarts the same container, never before FinishedAt + delay (read back from `docker inspect`, no timing
 * assumptions), and after maxAttempts restarts leaves it exited and stalls the pool with the reason in status.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { StalledError } from '../../../src/errors.js';
import { poolDetails } from '../../../src/kinds/pool/index.js';
import { poolHealth } from '../../../src/kinds/pool/diff.js';
import { loadRestarts } from '../../../src/kinds/pool/managed-restarts.js';
import type { PoolSpec } from '../../../src/kinds/pool/spec.js';
import { labDocker } from '../../harness/docker.js';
import { createPoolWorld, type PoolWorld } from './fixture.js';

let world: PoolWorld;

beforeAll(async () => {
  world = await createPoolWorld(1, 'poolrs');
}, 300_000);

afterAll(async () => {
  await world?.close();
});

interface RunState {
  status: string;
  exitCode: number;
  startedAt: number;
  finishedAt: number;
}

async function state(id: string): Promise<RunState> {
  const s = (await labDocker().getContainer(id).inspect()).State;
  return { status: s.Status, exitCode: s.ExitCode, startedAt: Date.parse(s.StartedAt), finishedAt: Date.parse(s.FinishedAt) };
}

/** Polls until the node has exited after `startedAt` (a bounded deadline, not a sleep). */
async function exitedAfter(id: string, startedAt: number): Promise<RunState> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const s = await state(id);
    if (s.status === 'exited' && s.startedAt === startedAt) return s;
    if (Date.now() > deadline) throw new Error(`node did not exit: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

it('restarts an exited node after the delay, counts attempts, and stalls after maxAttempts with the reason', async () => {
  const name = `crash-${randomBytes(3).toString('hex')}`;
  const pool = world.res<PoolSpec>('Pool', name, {
    service: 'feed',
    hosts: { names: world.hostNames },
    container: {
      image: world.image,
      command: ['sh', '-c', 'sleep 3; exit 1'],
      restartPolicy: { condition: 'on-failure', delay: '2s', maxAttempts: 2 },
    },
  });
  await world.converge(pool);
  const [node] = await world.nodes(name);
  expect(node).toBeDefined();
  const id = node!.id;
  expect((await labDocker().getContainer(id).inspect()).HostConfig.RestartPolicy?.Name).toBe('no');

  let run = await state(id);
  for (const attempt of [1, 2]) {
    const exited = await exitedAfter(id, run.startedAt);
    expect(exited.exitCode).toBe(1);
    const { diff } = await world.plan(pool);
    expect(diff.reason).toBe('DriftDetected');
    expect(diff.changes.find((c) => c.path === 'nodes.restart')?.before).toEqual([expect.stringMatching(new RegExp(`^${name}-0@\\S+ exited with code 1: restart ${attempt}/2`))]);
    await world.converge(pool);
    run = await state(id);
    expect(run.startedAt - exited.finishedAt).toBeGreaterThanOrEqual(2000);
    expect((await world.nodes(name)).map((n) => n.id)).toEqual([id]);
  }

  const last = await exitedAfter(id, run.startedAt);
  const { diff, observed } = await world.plan(pool);
  const reason = `${name}-0@${world.hostNames[0]} exited with code 1 after 2 restart attempt(s) (restartPolicy.maxAttempts 2); left exited until the container spec changes`;
  expect(diff.changes).toEqual([{ path: 'nodes.restartLimit', before: [reason], after: 'left exited: the pool stalls' }]);
  expect(poolHealth(observed)).toEqual({ status: 'Degraded', message: reason });
  expect(poolDetails(observed).summary).toBe('nodes 0/1 running, 0 healthy, 1 gave up restarting');
  const err = await world.converge(pool).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StalledError);
  expect((err as Error).message).toBe(`pool ${name}: ${reason}`);
  expect(await state(id)).toEqual(last);
  const records = await loadRestarts(world.ctxFor([]).store, name);
  expect(records[id]?.attempts).toBe(2);
}, 240_000);
