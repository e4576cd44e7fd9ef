/**
 * Converges a group of machines on its count, re-observing first so a re-run after a crash starts from the
 * provider's truth: surplus machines are stopped then deleted (highest ordinals first), machines found by their
 * tags are adopted and brought to ready, and only the names still missing are created — each with its key and
 * client token written to the key store before the provider is called, and only as far as the quota admits.
 */
import { describe, FailedError, ReconcileError, StalledError, TransientError } from '../../../errors.js';
import type { ProviderDriver, ProviderInstance, SshTarget } from '../../../drivers/types.js';
import { ensureRunning, stopAndDelete } from './lifecycle.js';
import { machineTags } from './tags.js';
import { FACTS_COMMAND, parseFacts, pendingSteps, planSteps, stepScript } from '../../host/public.js';
import type { KindContext } from '../../types.js';
import { ensureMachineKey, initTimeouts, removeMachineKey, setInitTimeouts } from './key-store.js';
import { admitted, closeMachine, describeUsage } from './quota.js';
import { groupDir, machineTarget, observeGroup, type GroupObserved, type MachineGroup, type MachineObserved } from './observe.js';
import { providerFor, waitOptions } from './provider.js';
import { outputTail } from '../../../util/output-tail.js';

export interface ConvergeResult {
  created: string[];
  adopted: string[];
  deleted: string[];
  observed: GroupObserved;
}

export async function convergeGroup(group: MachineGroup, ctx: KindContext): Promise<ConvergeResult> {
  const observed = await observeGroup(group, ctx);
  const driver = await providerFor(group.template, ctx);
  const log = ctx.logger.child({ machines: observed.group, template: observed.template });
  const byName = new Map<string, MachineObserved>();
  const surplus: MachineObserved[] = [];
  for (const m of observed.machines) {
    if (m.ordinal < 0 || m.ordinal >= group.count || byName.has(m.name)) surplus.push(m);
    else byName.set(m.name, m);
  }
  const missing = Array.from({ length: group.count }, (_, i) => `${group.prefix}-${i}`).filter((n) => !byName.has(n));
  const allowed = admitted(observed.usage, missing.length);
  const toCreate = missing.slice(0, allowed);
  const refused = missing.slice(allowed);
  log.info({ delete: surplus.map((m) => m.name), create: toCreate, adopt: [...byName.keys()], refused }, 'machines converging');

  const errors: unknown[] = [];
  const settle = async (work: Promise<unknown>[]): Promise<void> => {
    for (const r of await Promise.allSettled(work)) if (r.status === 'rejected') errors.push(r.reason);
  };
  await settle(surplus.sort((a, b) => b.ordinal - a.ordinal).map((m) => deleteMachine(driver, group, m.id, m.name, m.createdAt, ctx)));
  await settle([
    ...[...byName.values()].filter((m) => m.state !== 'ready').map((m) => bringUp(driver, group, m.id, m.name, ctx)),
    ...toCreate.map((name) => createMachine(driver, group, observed.owner, name, ctx)),
  ]);
  if (errors.length > 0) throw combine(errors, observed.group);
  if (refused.length > 0) {
    throw new StalledError(
      'QuotaExceeded',
      `quota of MachineTemplate/${observed.template} exhausted: ${describeUsage(observed.usage)}; ${refused.length} machine(s) not created (${refused.join(', ')}); raise quota.hours or set quota.allowOverdraft`,
    );
  }
  return {
    created: toCreate,
    adopted: [...byName.keys()],
    deleted: surplus.map((m) => m.name),
    observed,
  };
}

/** Creates one named machine (key and client token stored first) and brings it to ready. */
export async function createMachine(driver: ProviderDriver, group: MachineGroup, owner: string, name: string, ctx: KindContext): Promise<void> {
  const key = await ensureMachineKey(ctx.store, groupDir(group.ref), name);
  const id = await driver.create({
    clientToken: key.clientToken,
    name,
    publicKey: key.publicKey,
    tags: machineTags(owner, group.template.metadata.name, group.ref, name),
    spec: group.template.spec,
  });
  ctx.logger.info({ machine: name, id }, 'machine created');
  await bringUp(driver, group, id, name, ctx);
}

/** From created (or adopted in any state) to ready; a machine that cannot start is deleted, not leaked. */
export async function bringUp(driver: ProviderDriver, group: MachineGroup, id: string, name: string, ctx: KindContext): Promise<void> {
  const spec = group.template.spec;
  let inst: ProviderInstance;
  try {
    inst = await ensureRunning(driver, id, { ...waitOptions(spec, ctx.signal), publicIp: spec.network?.type === 'classic' });
  } catch (err) {
    if (err instanceof ReconcileError && err.disposition === 'stalled') {
      ctx.logger.warn({ machine: name, id, err: describe(err) }, 'machine could not start; deleting it');
      const created = (await driver.describe(id))?.createdAt ?? new Date().toISOString();
      await deleteMachine(driver, group, id, name, created, ctx);
    }
    throw err;
  }
  const key = await ensureMachineKey(ctx.store, groupDir(group.ref), name);
  const target = await machineTarget(inst, group.template, key.privateKey);
  await waitForSsh(target, spec.waitTimeoutSeconds ?? 600, ctx);
  await initialise(target, group, name, ctx);
}

async function waitForSsh(target: SshTarget, seconds: number, ctx: KindContext): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      await ctx.drivers.ssh.exec(target, 'true', { timeoutMs: 15_000, signal: ctx.signal });
      return;
    } catch (err) {
      if (!(err instanceof TransientError) || Date.now() >= deadline || ctx.signal.aborted) throw err;
      await ctx.drivers.ssh.disconnect(target);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Runs the template's init steps not yet recorded on the machine; a step past its limit is an `init timeout`. */
async function initialise(target: SshTarget, group: MachineGroup, name: string, ctx: KindContext): Promise<void> {
  const spec = group.template.spec;
  const dir = groupDir(group.ref);
  const facts = await ctx.drivers.ssh.exec(target, FACTS_COMMAND, { timeoutMs: 20_000, signal: ctx.signal });
  const pending = pendingSteps(planSteps(spec.init), parseFacts(facts.stdout).initDone);
  for (const step of pending) {
    const timeoutMs = (step.timeoutSeconds ?? spec.initTimeoutSeconds ?? 600) * 1000;
    let result;
    try {
      result = await ctx.drivers.ssh.exec(target, 'sh -s', { stdin: stepScript(step), timeoutMs, signal: ctx.signal });
    } catch (err) {
      if (!(err instanceof TransientError) || err.reason !== 'Timeout') throw err;
      const attempts = (await initTimeouts(ctx.store, dir, name)) + 1;
      await setInitTimeouts(ctx.store, dir, name, attempts);
      await ctx.drivers.ssh.disconnect(target);
      const retries = spec.initRetries ?? 2;
      const msg = `${target.id}: init timeout in step "${step.name}" after ${timeoutMs} ms (attempt ${attempts} of ${retries + 1})`;
      if (attempts > retries) throw new StalledError('Timeout', msg, { cause: err });
      throw new TransientError('Timeout', msg, { cause: err });
    }
    if (result.code !== 0) {
      const tail = outputTail(result.stderr.trim() ? result.stderr : result.stdout);
      throw new FailedError('CommandFailed', `${target.id}: init step "${step.name}" exited ${result.code}${tail ? `: ${tail}` : ''}`);
    }
  }
  await setInitTimeouts(ctx.store, dir, name, 0);
}

/** Stop, then delete, then bill the hours and forget the key; an instance already gone still gets billed once. */
export async function deleteMachine(
  driver: ProviderDriver,
  group: MachineGroup,
  id: string,
  name: string,
  createdAt: string,
  ctx: KindContext,
): Promise<void> {
  await stopAndDelete(driver, id, waitOptions(group.template.spec, ctx.signal));
  await closeMachine(ctx.store, group.template.metadata.name, { id, machine: name, start: createdAt, end: new Date().toISOString() });
  await removeMachineKey(ctx.store, groupDir(group.ref), name);
  ctx.logger.info({ machine: name, id }, 'machine deleted');
}

function combine(errors: unknown[], group: string): ReconcileError {
  const typed = errors.map((e) => (e instanceof ReconcileError ? e : new TransientError('InternalError', describe(e), { cause: e })));
  // The most serious cause decides: a human must act, then a step that failed, then what a retry may fix.
  const first = typed.find((e) => e.disposition === 'stalled') ?? typed.find((e) => e.disposition === 'failed') ?? typed[0]!;
  if (typed.length === 1) return first;
  const message = `${group}: ${typed.map((e) => e.message).join('; ')}`;
  if (first.disposition === 'stalled') return new StalledError(first.reason, message, { cause: first });
  if (first.disposition === 'failed') return new FailedError(first.reason, message, { cause: first });
  return new TransientError(first.reason, message, { cause: first });
}

/** Ensures one named machine of a group exists and is ready (a pool's create_vm), within the quota. */
export async function ensureMachine(group: MachineGroup, name: string, ctx: KindContext): Promise<void> {
  const observed = await observeGroup(group, ctx);
  const driver = await providerFor(group.template, ctx);
  const found = observed.machines.find((m) => m.name === name);
  if (found) {
    if (found.state !== 'ready') await bringUp(driver, group, found.id, name, ctx);
    return;
  }
  if (admitted(observed.usage, 1) < 1) {
    throw new StalledError('QuotaExceeded', `quota of MachineTemplate/${observed.template} exhausted: ${describeUsage(observed.usage)}; ${name} not created`);
  }
  await createMachine(driver, group, observed.owner, name, ctx);
}

/** Stops and deletes one named machine of a group (a pool's return_vm); already gone is success. */
export async function returnMachine(group: MachineGroup, name: string, ctx: KindContext): Promise<void> {
  const observed = await observeGroup(group, ctx);
  const driver = await providerFor(group.template, ctx);
  for (const m of observed.machines.filter((x) => x.name === name)) await deleteMachine(driver, group, m.id, m.name, m.createdAt, ctx);
}
