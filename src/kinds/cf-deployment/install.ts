/**
 * Installing one component instance on its host (BOSH's job lifecycle, reduced): upload the release's job files
 * and the rendered config, run install.sh, write the monit control file, reload monit and start the process, then
 * watch it. The install marker (the digest) is written last, so a failure anywhere means the next run installs
 * again rather than believing a half-done host.
 */
import { FailedError, StalledError, TransientError } from '../../errors.js';
import type { MonitDriver, SshTarget } from '../../drivers/types.js';
import type { KindContext } from '../types.js';
import { MARKER_DIR, VCAP, type ComponentBundle } from './release.js';
import type { CFDeploymentSpec, Instance } from './spec.js';
import { parseWatch, watch, type Watch } from './watch.js';
import { outputTail } from '../../util/output-tail.js';
import { shellQuote } from '../../util/shell.js';

const q = shellQuote;

export interface InstallEnv {
  ctx: KindContext;
  spec: CFDeploymentSpec;
  deployment: string;
  monit: MonitDriver;
  lock: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
  target(host: string): Promise<SshTarget>;
  bundle(inst: Instance): ComponentBundle;
  log(inst: Instance | undefined, text: string): Promise<void>;
}

const at = (i: Instance): string => `host ${i.host}, component ${i.component}`;

/** Polls monit until it lists the service (a reload is asynchronous). */
export async function waitListed(env: InstallEnv, target: SshTarget, name: string): Promise<void> {
  const ok = await watch({ low: 0, high: 30_000, poll: true }, async () => {
    try {
      return (await env.monit.status(target, env.ctx.signal)).services.some((s) => s.name === name);
    } catch {
      return false;
    }
  }, env.ctx.signal);
  if (!ok) throw new TransientError('Timeout', `${target.id}: monit did not load the control file of ${name} within 30 s`);
}

export async function isRunning(env: InstallEnv, target: SshTarget, name: string): Promise<boolean> {
  try {
    const s = await env.monit.status(target, env.ctx.signal);
    return s.services.find((x) => x.name === name)?.state === 'running';
  } catch {
    return false;
  }
}

export async function installInstance(env: InstallEnv, inst: Instance, canary: boolean): Promise<void> {
  const { ssh } = env.ctx.drivers;
  const target = await env.target(inst.host);
  const b = env.bundle(inst);
  const c = inst.component;
  const jobDir = `${VCAP}/jobs/${c}`;
  await env.log(inst, `== ${new Date().toISOString()} install ${c}_${inst.index} on ${inst.host} (${inst.address})${canary ? ' as canary' : ''}, revision ${env.ctx.revision}`);
  await env.lock(inst.host, async () => {
    await ssh.exec(target, `rm -rf ${q(jobDir)} && mkdir -p ${q(`${jobDir}/config`)} ${q(`${VCAP}/sys/run/${c}`)} ${q(`${VCAP}/sys/log/${c}`)}`, { timeoutMs: 30_000 });
    for (const f of b.files) await ssh.upload(target, `${jobDir}/${f.path}`, f.content, { mode: f.mode, mkdirs: true });
    await ssh.upload(target, `${jobDir}/config/${c}.yml`, b.config, { mode: 0o644 });
    const envs = {
      CF_DEPLOYMENT: env.deployment,
      CF_COMPONENT: c,
      CF_INDEX: String(inst.index),
      CF_ADDRESS: inst.address,
      CF_DOMAIN: env.spec.properties.domain,
      CF_RELEASE: env.spec.release.version,
      CF_JOB_DIR: jobDir,
    };
    const exports = Object.entries(envs).map(([k, v]) => `${k}=${q(v)}`).join(' ');
    const r = await ssh.exec(target, `cd ${q(jobDir)} && ${exports} ./install.sh 2>&1`, { timeoutMs: 600_000, signal: env.ctx.signal, killTree: true });
    await env.log(inst, r.stdout + r.stderr);
    if (r.code !== 0) {
      throw new FailedError('CommandFailed', `${at(inst)}: install.sh exited ${r.code}: ${outputTail(r.stdout + '\n' + r.stderr)}`);
    }
    await ssh.upload(target, `${VCAP}/monit/job/${c}.monitrc`, b.monitrc, { mode: 0o600, mkdirs: true });
    await env.monit.reload(target, env.ctx.signal);
    await waitListed(env, target, c);
  });
  const wasRunning = await isRunning(env, target, c);
  const action = inst.state === 'stopped' ? 'stop' : wasRunning ? 'restart' : 'start';
  const policy = { ...env.spec.update, ...(componentUpdate(env.spec, c) ?? {}) };
  const w = parseWatch(canary ? policy.canaryWatchTime : policy.updateWatchTime, canary ? '0-60000' : '0-30000');
  const ok = await driveTo(env, inst, action, w);
  await env.log(inst, `monit ${action} ${c}: ${ok ? 'done' : 'not confirmed'}`);
  if (!ok) {
    throw new StalledError('HealthCheckFailed', `${at(inst)}: not ${inst.state} under monit after ${action} and ${w.high} ms${canary ? ' (canary)' : ''}`);
  }
  await ssh.upload(target, `${MARKER_DIR}/${c}.digest`, b.digest, { mode: 0o644, mkdirs: true });
  await env.log(inst, `installed ${b.digest}`);
}

/**
 * Issues a monit action and watches until monit reports the wanted state. A request that reaches monit while it
 * re-reads its control files can be dropped, so the action is repeated every few seconds within the watch time.
 */
export async function driveTo(env: InstallEnv, inst: Instance | { component: string; host: string }, action: 'start' | 'stop' | 'restart', w: Watch): Promise<boolean> {
  const target = await env.target(inst.host);
  const c = inst.component;
  const want = action === 'stop' ? 'not-monitored' : 'running';
  const stateNow = async (): Promise<string | undefined> => {
    try {
      return (await env.monit.status(target, env.ctx.signal)).services.find((x) => x.name === c)?.state;
    } catch {
      return undefined;
    }
  };
  let issued = 0;
  let first = true;
  const issue = async (): Promise<void> => {
    await env.lock(inst.host, () => env.monit.control(target, first || action !== 'restart' ? action : 'start', c, env.ctx.signal));
    first = false;
    issued = Date.now();
  };
  await issue();
  const window = { ...w, high: Math.max(w.high, w.low + 5_000), poll: true };
  return watch(window, async () => {
    const s = await stateNow();
    if (s === want) return true;
    if (s !== 'initializing' && Date.now() - issued > 5_000) await issue();
    return false;
  }, env.ctx.signal);
}

export function componentUpdate(spec: CFDeploymentSpec, component: string) {
  const raw = spec.components[component];
  return raw && !Array.isArray(raw) ? raw.update : undefined;
}
