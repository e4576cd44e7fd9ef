/**
 * The health wait polls until the deadline: a probe that does not answer (a busy engine timing the exec out) is
 * not the node's verdict, and the error it ends with keeps a transient cause transient so the apply is retried.
 */
import { describe, expect, it } from 'vitest';
import type { ExecResult, SshDriver } from '../../../src/drivers/types.js';
import { TransientError } from '../../../src/errors.js';
import { createNodeActions } from '../../../src/kinds/pool/builtin-steps.js';
import type { NodeJob } from '../../../src/kinds/pool/flow-runner.js';
import type { PoolSpec } from '../../../src/kinds/pool/spec.js';
import type { KindContext } from '../../../src/kinds/types.js';
import { API_VERSION, type Resource } from '../../../src/model/resource.js';
import { silentLogger } from './fixture.js';

const job: NodeJob = {
  target: { id: 'Host/h', host: '127.0.0.1', port: 22, username: 'root', privateKey: '' },
  vars: { pool: 'web', service: 'api', image: 'img', node: { name: 'web-0', host: 'h', address: '127.0.0.1', ordinal: 0 } },
  ref: { pool: 'web', service: 'api', name: 'web-0', host: 'h', address: '127.0.0.1', ports: [] },
};

const pool: Resource<PoolSpec> = {
  apiVersion: API_VERSION,
  kind: 'Pool',
  metadata: { name: 'web' },
  spec: { service: 'api', container: { image: 'img', network: 'bridge' }, healthCheck: { tcp: { port: 80 }, interval: '10ms', timeout: '1s' } },
  source: { file: 't', line: 1, col: 1 },
};

/** An SSH driver whose probe execs answer from a script: an Error is thrown, a string is the stdout. */
function answering(answers: (string | Error)[]): { ctx: KindContext; probes: () => number } {
  let n = 0;
  const exec = async (): Promise<ExecResult> => {
    const a = answers[Math.min(n++, answers.length - 1)];
    if (a instanceof Error) throw a;
    const answer = { code: 0, stdout: a ?? '', stderr: '', durationMs: 0 };
    return answer;
  };
  const unused = (): never => {
    throw new Error('not used');
  };
  const ssh: SshDriver = { exec, upload: unused, readFile: unused, disconnect: unused, close: unused };
  const ctx = { drivers: { ssh }, logger: silentLogger, signal: new AbortController().signal } as unknown as KindContext;
  return { ctx, probes: () => n };
}

describe('waitHealthy', () => {
  it('polls past a probe that timed out until the node answers ok', async () => {
    const { ctx, probes } = answering([new TransientError('Timeout', 'command on h timed out after 30000 ms'), 'web-0 fail\n', 'web-0 ok\n']);
    await createNodeActions(pool, 'd', ctx).waitHealthy(job);
    expect(probes()).toBe(3);
  });

  it('gives up at the deadline, transient when the probe never answered', async () => {
    const { ctx } = answering([new TransientError('Timeout', 'command on h timed out after 30000 ms')]);
    const err = await createNodeActions(pool, 'd', ctx).waitHealthy(job).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(String(err)).toContain('web-0 did not become healthy in 1s: no answer from the probe: command on h timed out');
    const down = answering(['web-0 down\n']);
    const stalled = await createNodeActions(pool, 'd', down.ctx).waitHealthy(job).catch((e: unknown) => e);
    expect(stalled).not.toBeInstanceOf(TransientError);
    expect(String(stalled)).toContain('container is not running');
  });
});
