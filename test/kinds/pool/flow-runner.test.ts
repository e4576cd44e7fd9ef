/** Step semantics (OpenDCP's, made explicit): retry.times extra attempts, ignoreError goes on, a failure stops. */
import { describe, expect, it } from 'vitest';
import type { SshDriver } from '../../../src/drivers/types.js';
import { FailedError, TransientError } from '../../../src/errors.js';
import { runFlow, type BuiltinActions, type NodeJob } from '../../../src/kinds/pool/flow-runner.js';
import type { ResolvedStep } from '../../../src/kinds/shared/steps.js';
import type { BuiltinStep } from '../../../src/kinds/task-template/spec.js';
import type { KindContext } from '../../../src/kinds/types.js';
import { silentLogger } from './fixture.js';

const unused = (): never => {
  throw new Error('ssh is not used by built-in steps in this test');
};
const ssh: SshDriver = { exec: unused, upload: unused, readFile: unused, disconnect: unused, close: unused };
const ctx = { drivers: { ssh }, logger: silentLogger, signal: new AbortController().signal } as unknown as KindContext;

const job: NodeJob = {
  target: { id: 'Host/h', host: '127.0.0.1', port: 22, username: 'root', privateKey: '' },
  vars: { pool: 'web', service: 'api', image: 'img', node: { name: 'web-0', host: 'h', address: '127.0.0.1', ordinal: 0 } },
  ref: { pool: 'web', service: 'api', name: 'web-0', host: 'h', address: '127.0.0.1', ports: [] },
};

const step = (name: BuiltinStep, times = 0, ignoreError = false): ResolvedStep => ({
  name,
  builtin: name,
  commands: [],
  params: {},
  retry: { times, ignoreError },
  receivesImage: false,
});

/** Built-ins that fail a given number of times each, recording every call. */
function scripted(failures: Partial<Record<'start' | 'stop' | 'waitHealthy', number>>) {
  const calls: string[] = [];
  const left = { start: 0, stop: 0, waitHealthy: 0, ...failures };
  const act = (what: keyof typeof left) => async () => {
    calls.push(what);
    if (left[what] > 0) {
      left[what]--;
      throw new FailedError('CommandFailed', `${what} failed`);
    }
  };
  const builtins: BuiltinActions = { start: act('start'), stop: act('stop'), waitHealthy: act('waitHealthy') };
  return { calls, builtins };
}

const env = (builtins: BuiltinActions) => ({ ctx, hooks: {}, builtins, retryDelay: async () => undefined });

describe('runFlow', () => {
  it('retries a step up to times + 1 attempts and goes on when one succeeds', async () => {
    const { calls, builtins } = scripted({ start: 2 });
    const r = await runFlow([step('start_service', 2), step('check_health')], job, env(builtins));
    expect(r.ok).toBe(true);
    expect(calls).toEqual(['start', 'start', 'start', 'waitHealthy']);
    expect(r.log.map((l) => [l.step, l.attempt, l.ok])).toEqual([
      ['start_service', 1, false],
      ['start_service', 2, false],
      ['start_service', 3, true],
      ['check_health', 1, true],
    ]);
  });

  it('stops the node at a step that still fails, skipping the rest', async () => {
    const { calls, builtins } = scripted({ start: 3 });
    const r = await runFlow([step('stop_service'), step('start_service', 1), step('check_health')], job, env(builtins));
    expect(r).toMatchObject({ ok: false, failedStep: 'start_service', error: 'step start_service: start failed', disposition: 'failed' });
    expect(calls).toEqual(['stop', 'start', 'start']);
  });

  it('marks a failure whose cause was transient, so the apply can be retried', async () => {
    const builtins: BuiltinActions = {
      start: async () => {
        throw new TransientError('Unreachable', 'ssh: connection refused');
      },
      stop: async () => undefined,
      waitHealthy: async () => undefined,
    };
    expect(await runFlow([step('start_service', 1)], job, env(builtins))).toMatchObject({ ok: false, disposition: 'transient', error: 'step start_service: ssh: connection refused' });
  });

  it('ignoreError lets the node go on after the last attempt fails', async () => {
    const { calls, builtins } = scripted({ stop: 5 });
    const r = await runFlow([step('stop_service', 1, true), step('start_service')], job, env(builtins));
    expect(r.ok).toBe(true);
    expect(calls).toEqual(['stop', 'stop', 'start']);
    expect(r.log.filter((l) => l.ignored).map((l) => [l.step, l.attempt])).toEqual([['stop_service', 2]]);
  });

  it('register and create_vm are no-ops without hooks, and call the hooks when wired', async () => {
    const { builtins } = scripted({});
    expect((await runFlow([step('create_vm'), step('register'), step('unregister'), step('return_vm')], job, env(builtins))).ok).toBe(true);
    const seen: string[] = [];
    const hooks = {
      discovery: {
        register: async (nodes: { name: string }[]) => void seen.push(`register ${nodes.map((n) => n.name).join()}`),
        unregister: async () => {
          throw new Error('discovery down');
        },
      },
    };
    const r = await runFlow([step('register'), step('unregister')], job, { ...env(builtins), hooks });
    expect(seen).toEqual(['register web-0']);
    expect(r).toMatchObject({ ok: false, failedStep: 'unregister' });
  });
});
