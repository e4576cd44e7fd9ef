/**
 * Provider lifecycle made explicit and bounded: wait for a state with a timeout, bring a created machine up
 * (public IP on classic, start, wait running), and take one down (stop, wait stopped, delete). Every step reads
 * the state first, so calling it again after a crash resumes where the last run stopped.
 */
import { checkedIp } from '../../../util/ip.js';
import { StalledError, TransientError } from '../../../errors.js';
import type { InstanceState, ProviderDriver, ProviderInstance } from '../../../drivers/types.js';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/** Polls until the instance is in one of `states`; undefined (gone) or the deadline are errors. */
export async function waitForState(
  driver: ProviderDriver,
  id: string,
  states: readonly InstanceState[],
  opts: WaitOptions,
): Promise<ProviderInstance> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: ProviderInstance | undefined;
  for (;;) {
    if (opts.signal?.aborted) throw new TransientError('Cancelled', `waiting for ${id} cancelled`);
    last = await driver.describe(id);
    if (!last) throw new TransientError('ApplyFailed', `instance ${id} disappeared while waiting for ${states.join('|')}`);
    if (states.includes(last.state)) return last;
    if (Date.now() >= deadline) {
      throw new TransientError('Timeout', `instance ${id} still ${last.rawState} after ${opts.timeoutMs} ms (waiting for ${states.join('|')})`);
    }
    await sleep(opts.intervalMs ?? 1000, opts.signal);
  }
}

/** From any state to running: waits out pending, allocates a public IP on classic, starts, waits for running. */
export async function ensureRunning(driver: ProviderDriver, id: string, opts: WaitOptions & { publicIp: boolean }): Promise<ProviderInstance> {
  let inst = await waitForState(driver, id, ['stopped', 'running', 'starting', 'stopping'], opts);
  if (inst.state === 'running') return inst;
  if (inst.state === 'stopping') inst = await waitForState(driver, id, ['stopped'], opts);
  if (opts.publicIp && !inst.publicIp) await driver.allocatePublicIp(id);
  if (inst.state === 'stopped') await driver.start(id);
  return waitForState(driver, id, ['running'], opts);
}

/** Stop then delete; an instance already gone is success. */
export async function stopAndDelete(driver: ProviderDriver, id: string, opts: WaitOptions): Promise<void> {
  const inst = await driver.describe(id);
  if (!inst) return;
  if (inst.state === 'pending' || inst.state === 'starting') await waitForState(driver, id, ['stopped', 'running'], opts);
  const now = await driver.describe(id);
  if (!now) return;
  if (now.state !== 'stopped') {
    if (now.state !== 'stopping') await driver.stop(id);
    await waitForState(driver, id, ['stopped'], opts);
  }
  await driver.delete(id);
}

/** The address to reach a machine on: the private IP in a VPC unless told otherwise, the public IP on classic. */
export function sshAddress(inst: ProviderInstance, prefer: 'private' | 'public' | undefined): { host: string; port: number } {
  const order = (prefer ?? (inst.networkType === 'classic' ? 'public' : 'private')) === 'public'
    ? [inst.publicIp, inst.privateIp]
    : [inst.privateIp, inst.publicIp];
  const host = order.find((a) => a !== undefined && a !== '');
  if (!host) throw new StalledError('Unreachable', `instance ${inst.id} has no ${prefer ?? 'usable'} ip address`);
  // the provider's answer becomes an SSH target and, through pools, other hosts' upstream files (util/ip.ts)
  return { host: checkedIp(host, `instance ${inst.id}`, 'the provider'), port: inst.sshPort ?? 22 };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
