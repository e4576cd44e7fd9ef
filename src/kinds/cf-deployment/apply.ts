/**
 * Applying a deployment converges the hosts on it, starting from a fresh observation: pre-flight checks first
 * (nothing runs when one fails), then host preparation (monit, layout, user), stops and removals, the install
 * schedule, starts, and resurrection of instances found down unless the meltdown guard holds.
 */
import { FailedError, StalledError } from '../../errors.js';
import type { Task } from '../../model/plan.js';
import type { Resource } from '../../model/resource.js';
import { hostTarget } from '../shared/host-target.js';
import type { HostSpec } from '../host/public.js';
import type { KindContext } from '../types.js';
import type { ComponentName } from './components.js';
import { componentUpdate, driveTo, installInstance, type InstallEnv } from './install.js';
import { monitFor, observeDeployment, prepare } from './observe.js';
import { addressBook, MARKER_DIR, MONITRC, renderBundle, renderMonitrc, VCAP, type ComponentBundle } from './release.js';
import { createKeyedLock, runSchedule } from './schedule.js';
import { monitUpScript, prepareScript } from './scripts.js';
import type { CFDeploymentSpec, CFObserved, Instance } from './spec.js';
import { appendLog } from './store.js';
import { parseWatch, watch } from './watch.js';
import { instanceId, workOf } from './work.js';
import { outputTail } from '../../util/output-tail.js';
import { shellQuote } from '../../util/shell.js';

async function buildEnv(res: Resource<CFDeploymentSpec>, ctx: KindContext): Promise<InstallEnv> {
  const prep = await prepare(res, ctx);
  const book = addressBook(prep.placements);
  const bundles = new Map<string, ComponentBundle>();
  for (const p of prep.placements) {
    const files = prep.files.get(p.component);
    if (files) bundles.set(`${p.component}@${p.host}`, renderBundle(res.metadata.name, res.spec, p, files, book));
  }
  const name = res.metadata.name;
  return {
    ctx,
    spec: res.spec,
    deployment: name,
    monit: monitFor(res.spec, ctx),
    lock: createKeyedLock(),
    target: async (host) => hostTarget(ctx.resources.get<HostSpec>('Host', host) as Resource<HostSpec>, ctx.secrets),
    bundle: (inst) => {
      const b = bundles.get(`${inst.component}@${inst.host}`);
      if (!b) throw new StalledError('ApplyFailed', `host ${inst.host}, component ${inst.component}: nothing rendered`);
      return b;
    },
    log: (inst, text) => appendLog(ctx.store, name, inst ? `${inst.component}_${inst.index}.log` : 'local.log', text),
  };
}

/** Prepares a host; monit is reloaded only when its control file changed, so running requests are not dropped. */
async function prepareHost(env: InstallEnv, host: string, monitRunning: boolean): Promise<void> {
  const { ssh } = env.ctx.drivers;
  const target = await env.target(host);
  const p = env.spec.properties;
  const user = p.adduser ? p.user : undefined;
  // The password is set on the host: it goes to that host over SSH.
  const password = user && p.password ? await env.ctx.secrets.resolve(p.password, { ssh: target.host }) : undefined;
  await env.lock(host, async () => {
    const r = await ssh.exec(target, prepareScript(user, password !== undefined), {
      timeoutMs: 600_000,
      ...(password !== undefined ? { stdin: `${password}\n` } : {}),
    });
    if (r.code !== 0) throw new FailedError('CommandFailed', `host ${host}: preparation failed (exit ${r.code}): ${outputTail(r.stderr)}`);
    const rc = renderMonitrc(env.spec);
    const current = await ssh.readFile(target, MONITRC);
    if (monitRunning && current?.toString() === rc) return;
    await ssh.upload(target, MONITRC, rc, { mode: 0o600, mkdirs: true });
    const up = await ssh.exec(target, monitUpScript(), { timeoutMs: 60_000 });
    if (up.code !== 0) throw new FailedError('CommandFailed', `host ${host}: monit did not start (exit ${up.code}): ${outputTail(up.stderr)}`);
  });
  await waitMonit(env, host);
  await env.log(undefined, `${new Date().toISOString()} host ${host} prepared (monit up)`);
}

async function waitMonit(env: InstallEnv, host: string): Promise<void> {
  const target = await env.target(host);
  const ok = await watch({ low: 0, high: 30_000, poll: true }, async () => {
    try {
      return (await env.monit.status(target, env.ctx.signal)).services.length > 0;
    } catch {
      return false;
    }
  }, env.ctx.signal);
  if (!ok) throw new StalledError('CommandFailed', `host ${host}: monit does not answer on its http interface`);
}

async function drive(env: InstallEnv, inst: Instance, action: 'start' | 'stop' | 'restart'): Promise<void> {
  const policy = { ...env.spec.update, ...(componentUpdate(env.spec, inst.component) ?? {}) };
  const ok = await driveTo(env, inst, action, parseWatch(policy.updateWatchTime, '0-30000'));
  await env.log(inst, `${new Date().toISOString()} monit ${action} ${inst.component} on ${inst.host}: ${ok ? 'done' : 'not confirmed'}`);
  if (!ok) throw new StalledError('HealthCheckFailed', `host ${inst.host}, component ${inst.component}: not ${action === 'stop' ? 'stopped' : 'running'} after monit ${action}`);
}

async function removeInstance(env: InstallEnv, r: { component: string; host: string }): Promise<void> {
  const target = await env.target(r.host);
  const c = r.component;
  await env.lock(r.host, async () => {
    await env.monit.control(target, 'stop', c, env.ctx.signal).catch(() => undefined);
    await env.ctx.drivers.ssh.exec(target, `rm -f ${shellQuote(`${VCAP}/monit/job/${c}.monitrc`)} ${shellQuote(`${MARKER_DIR}/${c}.digest`)} && rm -rf ${shellQuote(`${VCAP}/jobs/${c}`)}`, { timeoutMs: 30_000 });
    await env.monit.reload(target, env.ctx.signal);
  });
  await env.log(undefined, `${new Date().toISOString()} removed ${c} from ${r.host}`);
}

/** Runs `fn` over items, collecting failures as messages instead of stopping at the first. */
async function each<T>(items: T[], name: (t: T) => string, fn: (t: T) => Promise<void>): Promise<string[]> {
  const out = await Promise.allSettled(items.map(fn));
  return out.flatMap((r, i) => (r.status === 'rejected' ? [`${name(items[i] as T)}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`] : []));
}

export async function applyDeployment(task: Task<CFDeploymentSpec, CFObserved>, ctx: KindContext): Promise<void> {
  const res = task.desired;
  const observed = await observeDeployment(res, ctx);
  if (observed.preflight.length > 0) {
    throw new StalledError('ApplyFailed', `pre-flight checks failed, nothing was installed: ${observed.preflight.join('; ')}`);
  }
  const w = workOf(observed);
  const env = await buildEnv(res, ctx);
  await env.log(undefined, `${new Date().toISOString()} apply ${ctx.revision}: install ${w.install.length}, start ${w.start.length}, stop ${w.stop.length}, resurrect ${w.meltdown ? 0 : w.resurrect.length}, remove ${w.remove.length}`);
  const busy = new Set(w.install.map((i) => i.host));
  const unprepared = observed.hosts.filter((h) => busy.has(h.host) || (!h.monitRunning && observed.instances.some((i) => i.host === h.host)));
  const prepErrors = await each(unprepared, (h) => `host ${h.host}`, (h) => prepareHost(env, h.host, h.monitRunning));
  if (prepErrors.length > 0) throw new FailedError('CommandFailed', `host preparation failed, nothing was installed: ${prepErrors.join('; ')}`);
  const errors = [
    ...(await each(w.stop, instanceId, (i) => drive(env, i, 'stop'))),
    ...(await each(w.remove, instanceId, (r) => removeInstance(env, r))),
  ];
  const declared = Object.keys(res.spec.components) as ComponentName[];
  const sched = await runSchedule(w.install, declared, (c) => ({ ...res.spec.update, ...(componentUpdate(res.spec, c) ?? {}) }), (i, canary) =>
    installInstance(env, i, canary),
  );
  errors.push(...sched.failed.map((f) => f.error), ...sched.skipped.map((s) => `${instanceId(s.instance)} skipped: ${s.reason}`));
  errors.push(...(await each(w.start, instanceId, (i) => drive(env, i, 'start'))));
  if (!w.meltdown) errors.push(...(await each(w.resurrect, instanceId, (i) => drive(env, i, 'restart'))));
  await env.log(undefined, `${new Date().toISOString()} apply done: ${errors.length} problem(s)${w.meltdown ? `; ${w.meltdown}` : ''}`);
  if (errors.length > 0) throw new FailedError('ApplyFailed', `deployment ${res.metadata.name}: ${errors.join('; ')}`);
  if (w.meltdown) throw new StalledError('HealthCheckFailed', `deployment ${res.metadata.name}: ${w.meltdown}`);
}
