/**
 * kill -9 in the middle of a rolling deploy, then a re-run: the nodes already replaced are kept (their labels
 * carry the new spec digest), the rest are rolled, and no node is ever duplicated.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PoolSpec } from '../../../src/kinds/pool/spec.js';
import type { CommandGroupSpec, CommandSpec, TaskTemplateSpec } from '../../../src/kinds/task-template/spec.js';
import type { Resource } from '../../../src/model/resource.js';
import { createPoolWorld, type PoolWorld } from './fixture.js';
import { LOOPBACK_HOSTS } from '../../harness/secrets.js';

let world: PoolWorld;

beforeAll(async () => {
  world = await createPoolWorld(2, 'poolcr');
});

afterAll(async () => {
  await world?.close();
});

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('converges after kill -9 mid-rollout with no duplicate nodes', async () => {
  const name = `crash-${randomBytes(3).toString('hex')}`;
  const extra: Resource[] = [
    world.res<CommandSpec>('Command', 'settle', { shell: 'sleep 2' }),
    world.res<CommandGroupSpec>('CommandGroup', 'settle', { commands: ['settle'] }),
    world.res<TaskTemplateSpec>('TaskTemplate', 'deploy-slow', {
      steps: [{ name: 'stop_service' }, { name: 'start_service' }, { name: 'check_health' }, { name: 'settle' }],
    }),
  ];
  const spec = (version: string): Resource<PoolSpec> =>
    world.res<PoolSpec>('Pool', name, {
      service: 'web',
      hosts: { names: world.hostNames },
      mode: 'fixed',
      replicas: 3,
      container: { image: world.image, command: ['python3', '-m', 'http.server', '8080'], env: { VERSION: version }, network: 'bridge' },
      tasks: { deploy: 'deploy-slow' },
      rollout: { batchSize: 1, maxUnavailable: 1 },
      healthCheck: { http: { port: 8080 }, timeout: '30s', interval: '200ms' },
    });
  await world.converge(spec('1'), extra);
  const before = await world.nodes(name);
  expect(before).toHaveLength(3);

  const input = join(world.ctxFor([]).stateDir, 'child.json');
  const resources = [...world.hostResources(), spec('2'), ...extra];
  await writeFile(input, JSON.stringify({ resources, pool: name, secrets: { 'pool-key': { value: world.th.privateKey, allow: LOOPBACK_HOSTS } } }));
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'apply-child.ts'), input], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const replaced = await until(
    'the first node on the new spec',
    async () => {
      const nodes = await world.nodes(name);
      const fresh = nodes.filter((n) => n.spec !== before[0]?.spec && n.state === 'running');
      return fresh.length >= 1 ? fresh : undefined;
    },
    60_000,
  );
  child.kill('SIGKILL');
  await exited;
  const mid = await world.nodes(name);
  expect(mid.filter((n) => n.spec === before[0]?.spec).length, stderr).toBeGreaterThan(0);
  expect(replaced.length).toBeLessThan(3);

  await world.converge(spec('2'), extra);
  const after = await world.nodes(name);
  expect(after).toHaveLength(3);
  expect(new Set(after.map((n) => n.ordinal)).size).toBe(3);
  expect(after.every((n) => n.state === 'running')).toBe(true);
  expect(new Set(after.map((n) => n.spec)).size).toBe(1);
  expect(after[0]?.spec).not.toBe(before[0]?.spec);
  for (const r of replaced) expect(after.map((n) => n.id)).toContain(r.id);
  expect((await world.plan(spec('2'), extra)).diff.action).toBe('noop');
});
