/**
 * Membership follows registration and health (issues 18.18, 18.19): a flow that stops a node without unregistering
 * it first gets an implicit unregister; one that starts a node without a register step registers it at the end,
 * only when every step passed; a started node is out of rotation until then, across a restart (the set is a file).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SshDriver } from '../../../src/drivers/types.js';
import type { DiscoveryHook } from '../../../src/kinds/pool/hooks.js';
import { outOfRotation, rotationPlan } from '../../../src/kinds/pool/rotation.js';
import { createFileStore } from '../../../src/store/index.js';
import { runFlow, type BuiltinActions, type NodeJob } from '../../../src/kinds/pool/flow-runner.js';
import type { ResolvedStep } from '../../../src/kinds/shared/steps.js';
import type { BuiltinStep } from '../../../src/kinds/task-template/spec.js';
import type { KindContext } from '../../../src/kinds/types.js';
import { tempDir } from '../../harness/tmp.js';
import { silentLogger } from './fixture.js';

const step = (name: BuiltinStep): ResolvedStep => ({ name, builtin: name, commands: [], params: {}, retry: { times: 0, ignoreError: false }, receivesImage: false });
const s = (...names: BuiltinStep[]) => names.map(step);

describe('rotationPlan', () => {
  it.each([
    ['OpenDCP default upgrade: stop + start', s('stop_service', 'start_service'), true, { drainBefore: 0, registerAtEnd: true }],
    ['driftless default deploy', s('unregister', 'stop_service', 'start_service', 'check_health', 'register'), true, { registerAtEnd: false }],
    ['expand without register', s('start_service', 'check_health'), true, { registerAtEnd: true }],
    ['shrink without unregister', s('stop_service'), true, { drainBefore: 0, registerAtEnd: false }],
    ['no discovery wired', s('stop_service', 'start_service'), false, { registerAtEnd: false }],
  ])('%s', (_name, steps, discovery, plan) => {
    expect(rotationPlan(steps, discovery)).toEqual(plan);
  });
});

function world() {
  const stateDir = tempDir('rotation');
  const unused = (): never => {
    throw new Error('not used');
  };
  const ssh: SshDriver = { exec: unused, upload: unused, readFile: unused, disconnect: unused, close: unused };
  const store = createFileStore(stateDir);
  const ctx = { drivers: { ssh }, logger: silentLogger, signal: new AbortController().signal, stateDir, store } as unknown as KindContext;
  const calls: string[] = [];
  const rotation = outOfRotation(store);
  // A discovery that records what it was asked and what membership would see at that moment.
  const discovery: DiscoveryHook = {
    async register(nodes) {
      await rotation.delete(...nodes.map((n) => `${n.pool}/${n.name}`));
      calls.push(`register ${nodes.map((n) => n.name).join(',')}`);
    },
    async unregister(nodes) {
      await rotation.add(...nodes.map((n) => `${n.pool}/${n.name}`));
      calls.push(`unregister ${nodes.map((n) => n.name).join(',')}`);
    },
  };
  const failing = new Set<string>();
  const act = (what: string) => async () => {
    calls.push(`${what} (in rotation: ${!(await rotation.keys()).has('web/web-0')})`);
    if (failing.has(what)) throw new Error(`${what} failed`);
  };
  const builtins: BuiltinActions = { start: act('start'), stop: act('stop'), waitHealthy: act('health') };
  const job: NodeJob = {
    target: { id: 'Host/h', host: '127.0.0.1', port: 22, username: 'root', privateKey: '' },
    vars: { pool: 'web', service: 'api', image: 'img', node: { name: 'web-0', host: 'h', address: '127.0.0.1', ordinal: 0 } },
    ref: { pool: 'web', service: 'api', name: 'web-0', host: 'h', address: '127.0.0.1', ports: [] },
  };
  const run = (steps: ResolvedStep[]) => runFlow(steps, job, { ctx, hooks: { discovery }, builtins, retryDelay: async () => undefined });
  return { stateDir, calls, rotation, failing, run };
}

describe('runFlow keeps membership health-gated', () => {
  it('a stop + start template drains the node before the stop and registers it after the whole flow', async () => {
    const w = world();
    const r = await w.run(s('stop_service', 'start_service', 'check_health'));
    expect(r.ok).toBe(true);
    expect(w.calls).toEqual(['unregister web-0', 'stop (in rotation: false)', 'start (in rotation: false)', 'health (in rotation: false)', 'register web-0']);
    expect(r.log.map((l) => l.step)).toEqual(['unregister (implicit)', 'stop_service', 'start_service', 'check_health', 'register (implicit)']);
  });

  it('a failed expand leaves the node out of rotation, remembered in the state dir', async () => {
    const w = world();
    w.failing.add('health');
    const r = await w.run(s('start_service', 'check_health', 'register'));
    expect(r).toMatchObject({ ok: false, failedStep: 'check_health' });
    expect(w.calls).toEqual(['start (in rotation: false)', 'health (in rotation: false)']);
    expect((await w.rotation.keys()).has('web/web-0')).toBe(true);
    expect(JSON.parse(readFileSync(join(w.stateDir, 'pools', 'rotation.json'), 'utf8'))).toEqual(['web/web-0']);
  });

  it('a template that unregisters itself gets no implicit step', async () => {
    const w = world();
    await w.run(s('unregister', 'stop_service', 'start_service', 'register'));
    expect(w.calls).toEqual(['unregister web-0', 'stop (in rotation: false)', 'start (in rotation: false)', 'register web-0']);
  });
});
