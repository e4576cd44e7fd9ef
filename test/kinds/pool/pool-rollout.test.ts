/**
 * Rollout failure and OpenDCP-style templates on real hosts: a canary whose health check fails stops the rollout
 * and leaves the other nodes on the old spec, running; an expand template runs shell and multi-line script
 * commands with rendered parameters, retries a step that fails once and goes past one that always fails because
 * of ignoreError; start-service* steps receive the image.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StalledError } from '../../../src/errors.js';
import type { PoolSpec } from '../../../src/kinds/pool/spec.js';
import type { CommandGroupSpec, CommandSpec, TaskTemplateSpec } from '../../../src/kinds/task-template/spec.js';
import type { Resource } from '../../../src/model/resource.js';
import { createPoolWorld, type PoolWorld } from './fixture.js';

let world: PoolWorld;

beforeAll(async () => {
  world = await createPoolWorld(2, 'poolro');
});

afterAll(async () => {
  await world?.close();
});

function httpPool(name: string, port: number, over: Partial<PoolSpec> = {}): Resource<PoolSpec> {
  return world.res<PoolSpec>('Pool', name, {
    service: 'web',
    hosts: { names: world.hostNames },
    mode: 'fixed',
    replicas: 3,
    container: { image: world.image, command: ['python3', '-m', 'http.server', String(port)], network: 'bridge' },
    rollout: { canary: 1, batchSize: 2, maxUnavailable: 2 },
    healthCheck: { tcp: { port: 8080 }, timeout: '3s', interval: '200ms' },
    ...over,
  });
}

describe('rollout stops on a failing health check', () => {
  it('replaces only the canary and leaves the rest on the old spec, running and healthy', async () => {
    const name = `bad-${randomBytes(3).toString('hex')}`;
    await world.converge(httpPool(name, 8080));
    const before = await world.nodes(name);
    expect(before).toHaveLength(3);
    const broken = httpPool(name, 9999);
    const err = await world.converge(broken).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StalledError);
    expect((err as StalledError).reason).toBe('HealthCheckFailed');
    expect((err as StalledError).message).toMatch(/rollout stopped after 1 of 3 node\(s\), 1 failed.*2 node\(s\) left on the previous spec/);
    const after = await world.nodes(name);
    expect(after.map((n) => n.name)).toEqual(before.map((n) => n.name));
    const newSpec = after.filter((n) => n.spec !== before[0]?.spec);
    expect(newSpec.map((n) => n.name)).toEqual([before[0]?.name]);
    const old = after.filter((n) => n.spec === before[0]?.spec);
    expect(old.map((n) => n.id)).toEqual(before.slice(1).map((n) => n.id));
    expect(old.every((n) => n.state === 'running')).toBe(true);
    const { observed } = await world.plan(broken);
    const probed = observed.hosts.flatMap((h) => h.nodes);
    expect(probed.filter((n) => n.healthy === true).map((n) => n.name).sort()).toEqual(old.map((n) => n.name).sort());
  });
});

describe('rollback', () => {
  it('puts the canary back on the last applied spec when it fails its health check', async () => {
    const name = `rb-${randomBytes(3).toString('hex')}`;
    const rollback = { canary: 1, batchSize: 2, maxUnavailable: 2, failureAction: 'rollback' as const };
    await world.converge(httpPool(name, 8080, { rollout: rollback }));
    const before = await world.nodes(name);
    const err = await world.converge(httpPool(name, 9999, { rollout: rollback })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StalledError);
    expect((err as Error).message).toMatch(/rollout stopped after 1 of 3 node\(s\), 1 failed .*; rolled back 1 node\(s\) to the previous spec; 2 node\(s\) were not touched/);
    const after = await world.nodes(name);
    expect(after.map((n) => [n.name, n.spec, n.state])).toEqual(before.map((n) => [n.name, n.spec, 'running']));
    expect(after[0]?.id).not.toBe(before[0]?.id);
    expect(after.slice(1).map((n) => n.id)).toEqual(before.slice(1).map((n) => n.id));
    const { observed } = await world.plan(httpPool(name, 8080, { rollout: rollback }));
    expect(observed.hosts.flatMap((h) => h.nodes).every((n) => n.healthy === true)).toBe(true);
  });
});

describe('surge rollout', () => {
  it('starts each new node before retiring an old one, so running nodes never drop below the count', async () => {
    const name = `surge-${randomBytes(3).toString('hex')}`;
    const spec = (version: string) =>
      httpPool(name, 8080, {
        replicas: 2,
        container: { image: world.image, command: ['python3', '-m', 'http.server', '8080'], env: { VERSION: version }, network: 'bridge' },
        rollout: { maxSurge: 1, maxUnavailable: 0 },
      });
    await world.converge(spec('1'));
    const before = await world.nodes(name);
    const since = (Date.now() / 1000).toFixed(3);
    await world.converge(spec('2'));
    const after = await world.nodes(name);
    expect(after).toHaveLength(2);
    expect(after.map((n) => n.id).filter((id) => before.some((b) => b.id === id))).toEqual([]);
    expect(new Set(after.map((n) => n.spec)).size).toBe(1);
    const events = await world.events(name, since);
    const running = new Set(before.map((n) => n.name));
    let lowest = running.size;
    for (const e of events) {
      if (e.status === 'start') running.add(e.name);
      if (e.status === 'die') running.delete(e.name);
      lowest = Math.min(lowest, running.size);
    }
    expect(events.filter((e) => e.status === 'start')).toHaveLength(2);
    expect(lowest).toBe(2);
    expect((await world.plan(spec('2'))).diff.action).toBe('noop');
  });
});

describe('an undefined parameter', () => {
  it('stops the apply before anything runs on any host', async () => {
    const name = `undef-${randomBytes(3).toString('hex')}`;
    const extra: Resource[] = [
      world.res<CommandSpec>('Command', 'say', { shell: 'echo {{ colour }} > /tmp/{{ node.name }}.said' }),
      world.res<CommandGroupSpec>('CommandGroup', 'say', { commands: ['say'] }),
      world.res<TaskTemplateSpec>('TaskTemplate', 'expand-say', { steps: [{ name: 'start_service' }, { name: 'say' }] }),
    ];
    const err = await world.converge(httpPool(name, 8080, { tasks: { expand: 'expand-say' } }), extra).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StalledError);
    expect((err as StalledError).message).toMatch(/Command\/say: .*near "\{\{ colour \}\}"/);
    expect(await world.nodes(name)).toEqual([]);
  });
});

describe('OpenDCP-style expand template', () => {
  it('renders params, retries a flaky step, ignores an always-failing one, passes the image to start-service*', async () => {
    const name = `tpl-${randomBytes(3).toString('hex')}`;
    const cmd = (n: string, spec: CommandSpec) => world.res<CommandSpec>('Command', n, spec);
    const group = (n: string, commands: string[]) => world.res<CommandGroupSpec>('CommandGroup', n, { commands });
    const extra: Resource[] = [
      cmd('greet', { params: { greeting: { type: 'string' } }, shell: 'echo {{ greeting }} from {{ pool }} > /tmp/{{ node.name }}.greet' }),
      cmd('flaky', {
        params: { marker: { type: 'string', default: 'flaky' } },
        script: [
          'M=/tmp/{{ node.name }}.{{ marker }}',
          'if [ -f "$M" ]; then echo second >> "$M"; exit 0; fi',
          'echo first > "$M"',
          'exit 1',
        ].join('\n'),
      }),
      cmd('always-fails', { shell: 'echo nope >&2; exit 7' }),
      cmd('record-image', { params: { image: { type: 'string' } }, shell: 'echo {{ image }} > /tmp/{{ node.name }}.image' }),
      group('greet', ['greet']),
      group('flaky', ['flaky']),
      group('always-fails', ['always-fails']),
      group('start-service-record', ['record-image']),
      world.res<TaskTemplateSpec>('TaskTemplate', 'expand-web', {
        steps: [
          { name: 'create_vm' },
          { name: 'greet', params: { greeting: 'hello' } },
          { name: 'flaky', retry: { times: 2 } },
          { name: 'start-service-record' },
          { name: 'start_service' },
          { name: 'always-fails', retry: { times: 1, ignoreError: true } },
          { name: 'register' },
        ],
      }),
    ];
    const pool = httpPool(name, 8080, { mode: 'one-per-host', replicas: 1, tasks: { expand: 'expand-web' }, healthCheck: { http: { port: 8080 } } });
    await world.converge(pool, extra);
    const nodes = await world.nodes(name);
    expect(nodes.map((n) => [n.name, n.state])).toEqual([[`${name}-0`, 'running']]);
    const host = world.th.hosts.find((h) => h.name === nodes[0]?.host);
    const files = await host?.exec(`cat /tmp/${name}-0.greet /tmp/${name}-0.flaky /tmp/${name}-0.image`);
    expect(files?.stdout).toBe(`hello from ${name}\nfirst\nsecond\n${world.image}\n`);
    expect((await world.plan(pool, extra)).diff.action).toBe('noop');
  });
});
