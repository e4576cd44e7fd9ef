/**
 * Cancelling a remote step ends its work on the host (issue 18.4): with `killTree` the whole process group goes, so a
 * script's child cannot finish after the run said Cancelled. Real sshd test hosts; the control case shows that
 * signalling the channel alone leaves the child running.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReconcileError } from '../../src/errors.js';
import { createSshDriver, type ManagedSshDriver } from '../../src/drivers/ssh/index.js';
import type { SshTarget } from '../../src/drivers/types.js';
import { startTestHosts, type TestHosts } from '../harness/hosts.js';
import { tempDir } from '../harness/tmp.js';
import { join } from 'node:path';

let lab: TestHosts;
let driver: ManagedSshDriver;
let host: SshTarget;

beforeAll(async () => {
  lab = await startTestHosts(1, { name: 'killtree' });
  driver = createSshDriver({ knownHostsPath: join(tempDir('killtree-known'), 'known_hosts') });
  host = lab.targets()[0] as SshTarget;
});

afterAll(async () => {
  await driver?.close();
  await lab?.teardown();
});

/** Runs a script whose child outlives its shell unless its group is killed; aborts once the child is running. */
async function cancelStep(tag: string, killTree: boolean): Promise<ReconcileError> {
  const ac = new AbortController();
  const script = `sleep 600 & echo "child $!"; wait; touch /tmp/${tag}-finished`;
  try {
    await driver.exec(host, `bash -c '${script}' # ${tag}`, { signal: ac.signal, killTree, onStdout: (c) => c.toString().includes('child') && ac.abort() });
  } catch (err) {
    if (err instanceof ReconcileError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

/** Polls the host until no `sleep 600` is left (true) or 10 s passed (false). */
async function sleepersGone(): Promise<boolean> {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    const r = await driver.exec(host, 'pgrep -x sleep || true');
    if (r.stdout.trim() === '') return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('killTree', () => {
  it('signalling the channel alone leaves the step\'s child running (the defect)', async () => {
    const err = await cancelStep('plain', false);
    expect(err.reason).toBe('Cancelled');
    expect((await driver.exec(host, 'pgrep -x sleep')).stdout.trim()).not.toBe('');
    await driver.exec(host, 'pkill -x sleep; true');
    expect(await sleepersGone()).toBe(true);
  });

  it('ends the whole process group on cancel, so nothing of the step goes on', async () => {
    const err = await cancelStep('tree', true);
    expect(err.reason).toBe('Cancelled');
    expect(await sleepersGone()).toBe(true);
    expect((await driver.exec(host, 'ls /tmp/tree-finished 2>/dev/null || echo none')).stdout.trim()).toBe('none');
  });

  it('and on timeout; a normal run keeps its exit code, stdout and stderr (the pgid line is not output)', async () => {
    await expect(driver.exec(host, 'sleep 600 & wait', { killTree: true, timeoutMs: 500 })).rejects.toMatchObject({ reason: 'Timeout' });
    expect(await sleepersGone()).toBe(true);
    const r = await driver.exec(host, 'echo out; echo err >&2; exit 3', { killTree: true });
    expect(r).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    const withStdin = await driver.exec(host, 'cat; [ "$(ps -o sid= $$)" -eq "$(ps -o pid= $$)" ] && echo own-session', { killTree: true, stdin: 'in\n' });
    expect(withStdin.stdout).toBe('in\nown-session\n');
  });
});
