/**
 * Runs one flow (the resolved steps of a template) on one node, OpenDCP's step semantics made explicit: a step is
 * tried `retry.times + 1` times; a step that still fails stops the node's flow unless `retry.ignoreError`, in which
 * case it is logged and the node goes on. Built-ins run driftless's own scripts; CommandGroup steps run their
 * commands in order over SSH and stop at the first failing one.
 */
import type { SshTarget } from '../../drivers/types.js';
import { classify, describe, FailedError, type Disposition } from '../../errors.js';
import { renderCommand, type NodeVars, type ResolvedStep } from '../shared/steps.js';
import type { KindContext } from '../types.js';
import type { NodeRef, PoolHooks } from './hooks.js';
import { outputTail } from '../../util/output-tail.js';
import { outOfRotation, rotationPlan } from './rotation.js';
import { shellQuote } from '../../util/shell.js';

/** Everything a step needs about one node. */
export interface NodeJob {
  target: SshTarget;
  vars: NodeVars;
  ref: NodeRef;
}

/** The built-in steps that touch the host (start, stop, wait for health), supplied by the pool. */
export interface BuiltinActions {
  start(job: NodeJob): Promise<void>;
  stop(job: NodeJob): Promise<void>;
  waitHealthy(job: NodeJob): Promise<void>;
  /**
   * stop_service then start_service as one host operation (one SSH exec, and the new container may start while
   * the old one stops): the runner uses it when the two steps are adjacent and neither retries nor ignores errors.
   * Throws a ReplaceError naming the step that failed.
   */
  replace?(job: NodeJob): Promise<void>;
}

/** A fused replace failed in one of its two steps; `cause` is the error as the step alone would have thrown it. */
export class ReplaceError extends Error {
  constructor(
    readonly step: 'stop_service' | 'start_service',
    options: { cause: unknown },
  ) {
    super(`${step.replace('_', ' ')} failed`, options);
    this.name = 'ReplaceError';
  }
}

/** One attempt of one step on one node. */
export interface StepLog {
  node: string;
  step: string;
  attempt: number;
  ok: boolean;
  ignored?: boolean;
  message?: string;
}

/** How a flow ended on one node, with every attempt. */
export interface FlowResult {
  node: string;
  ok: boolean;
  failedStep?: string;
  error?: string;
  /**
   * How the failing step's last error ends the apply: transient (connection, timeout: worth retrying the whole
   * apply), stalled (a human must act: a refused key, a missing reference) or failed (the step ran and failed).
   */
  disposition?: Disposition;
  log: StepLog[];
}

/** What steps run with: the kind context, hooks for discovery and machines, and the built-in actions. */
export interface RunnerEnv {
  ctx: KindContext;
  hooks: PoolHooks;
  builtins: BuiltinActions;
  /** The pool draws machines from a template: they are made before expand and returned after shrink by apply. */
  machineBacked?: boolean;
  /** Pause between attempts of a step; injectable so unit tests do not wait. */
  retryDelay?: (attempt: number) => Promise<void>;
}

/**
 * How a step's error ends the node's flow: the one rule of errors.ts `classify` (typed errors keep their
 * disposition; anything untyped is an internal error, retried as transient), as the engine applies it to kinds.
 */
export function dispositionOf(err: unknown): Disposition {
  return classify(err).disposition;
}

/** Runs the steps in order on one node; never throws for a step failure, it returns it. */
export async function runFlow(steps: ResolvedStep[], job: NodeJob, env: RunnerEnv): Promise<FlowResult> {
  const log: StepLog[] = [];
  const discovery = env.hooks.discovery;
  const rotation = rotationPlan(steps, discovery !== undefined);
  const key = `${job.ref.pool}/${job.ref.name}`;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as ResolvedStep;
    const next = steps[i + 1];
    if (i === rotation.drainBefore && discovery) {
      const failed = await implicitStep('unregister', () => discovery.unregister([job.ref], env.ctx), job, env, log);
      if (failed) return failed;
    }
    // A node is out of rotation from its start until it is registered (a step, or the end of this flow).
    if (step.builtin === 'start_service' && discovery) await outOfRotation(env.ctx.store).add(key);
    if (next && env.builtins.replace && fusable(step, next)) {
      const failed = await runReplace(step, next, job, env, log);
      if (failed) return failed;
      i++;
      continue;
    }
    let lastError = '';
    let lastDisposition: Disposition = 'failed';
    let ok = false;
    for (let attempt = 1; attempt <= step.retry.times + 1 && !ok; attempt++) {
      if (attempt > 1) await (env.retryDelay ?? defaultDelay)(attempt);
      const started = performance.now();
      try {
        await runStep(step, job, env);
        ok = true;
        log.push({ node: job.ref.name, step: step.name, attempt, ok: true });
        env.ctx.logger.debug({ node: job.ref.name, step: step.name, attempt, ms: Math.round(performance.now() - started) }, 'pool step done');
      } catch (err) {
        lastError = describe(err);
        lastDisposition = dispositionOf(err);
        log.push({ node: job.ref.name, step: step.name, attempt, ok: false, message: lastError });
        env.ctx.logger.warn({ node: job.ref.name, step: step.name, attempt, err: lastError }, 'pool step failed');
      }
    }
    if (ok) continue;
    if (step.retry.ignoreError) {
      const last = log[log.length - 1];
      if (last) last.ignored = true;
      env.ctx.logger.info({ node: job.ref.name, step: step.name }, 'pool step failed; ignoreError lets the node go on');
      continue;
    }
    return { node: job.ref.name, ok: false, failedStep: step.name, error: `step ${step.name}: ${lastError}`, disposition: lastDisposition, log };
  }
  if (rotation.registerAtEnd && discovery) {
    const failed = await implicitStep('register', () => discovery.register([job.ref], env.ctx), job, env, log);
    if (failed) return failed;
  }
  return { node: job.ref.name, ok: true, log };
}

/** A register/unregister the template left out (see rotation.ts), logged as a step of its own. */
async function implicitStep(verb: 'register' | 'unregister', run: () => Promise<void>, job: NodeJob, env: RunnerEnv, log: StepLog[]): Promise<FlowResult | undefined> {
  const step = `${verb} (implicit)`;
  try {
    await run();
    log.push({ node: job.ref.name, step, attempt: 1, ok: true });
    return undefined;
  } catch (err) {
    const message = describe(err);
    log.push({ node: job.ref.name, step, attempt: 1, ok: false, message });
    return { node: job.ref.name, ok: false, failedStep: step, error: `step ${step}: ${message}`, disposition: dispositionOf(err), log };
  }
}

/** stop_service directly followed by start_service, both run once and stopping the flow on failure. */
function fusable(a: ResolvedStep, b: ResolvedStep): boolean {
  const plain = (s: ResolvedStep): boolean => s.retry.times === 0 && !s.retry.ignoreError;
  return a.builtin === 'stop_service' && b.builtin === 'start_service' && plain(a) && plain(b);
}

/** Both steps through builtins.replace; logs them as the runner would have, returns the failure if any. */
async function runReplace(stop: ResolvedStep, start: ResolvedStep, job: NodeJob, env: RunnerEnv, log: StepLog[]): Promise<FlowResult | undefined> {
  const node = job.ref.name;
  const started = performance.now();
  try {
    await (env.builtins.replace as (j: NodeJob) => Promise<void>)(job);
  } catch (err) {
    const failed = err instanceof ReplaceError && err.step === 'start_service' ? start : stop;
    const cause = err instanceof ReplaceError ? err.cause : err;
    if (failed === start) log.push({ node, step: stop.name, attempt: 1, ok: true });
    const message = describe(cause);
    log.push({ node, step: failed.name, attempt: 1, ok: false, message });
    env.ctx.logger.warn({ node, step: failed.name, attempt: 1, err: message }, 'pool step failed');
    return { node, ok: false, failedStep: failed.name, error: `step ${failed.name}: ${message}`, disposition: dispositionOf(cause), log };
  }
  log.push({ node, step: stop.name, attempt: 1, ok: true }, { node, step: start.name, attempt: 1, ok: true });
  env.ctx.logger.debug({ node, step: `${stop.name}+${start.name}`, attempt: 1, ms: Math.round(performance.now() - started) }, 'pool step done');
  return undefined;
}

/** Runs a flow on every job at once (the SSH driver bounds the channels per host). */
export async function runAll(steps: ResolvedStep[], jobs: NodeJob[], env: RunnerEnv): Promise<FlowResult[]> {
  return Promise.all(jobs.map((job) => runFlow(steps, job, env)));
}

function defaultDelay(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(5000, 500 * attempt)));
}

async function runStep(step: ResolvedStep, job: NodeJob, env: RunnerEnv): Promise<void> {
  const { ctx, hooks, builtins } = env;
  switch (step.builtin) {
    case 'start_service':
      return builtins.start(job);
    case 'stop_service':
      return builtins.stop(job);
    case 'check_health':
      return builtins.waitHealthy(job);
    case 'register':
    case 'unregister': {
      const hook = hooks.discovery;
      if (!hook) {
        ctx.logger.info({ node: job.ref.name, step: step.name }, 'no service discovery wired; step does nothing');
        return;
      }
      return step.builtin === 'register' ? hook.register([job.ref], ctx) : hook.unregister([job.ref], ctx);
    }
    case 'create_vm':
    case 'return_vm': {
      if (env.machineBacked) {
        ctx.logger.debug({ node: job.ref.name, step: step.name }, step.builtin === 'create_vm' ? 'machine ready before expand' : 'machine returned once no node is left on it');
        return;
      }
      ctx.logger.info({ node: job.ref.name, step: step.name }, 'pool has no machine template; it uses its declared hosts');
      return;
    }
    case undefined:
      for (const cmd of step.commands) {
        const text = renderCommand(step, cmd, job.vars);
        const r =
          cmd.mode === 'shell'
            ? await ctx.drivers.ssh.exec(job.target, `bash -c ${quote(text)}`, { timeoutMs: cmd.timeoutMs, signal: ctx.signal, killTree: true })
            : await ctx.drivers.ssh.exec(job.target, 'bash -s', { stdin: text, timeoutMs: cmd.timeoutMs, signal: ctx.signal, killTree: true });
        if (r.code !== 0) {
          throw new FailedError('CommandFailed', `Command/${cmd.name} exited ${r.code}: ${outputTail(r.stderr.trim() ? r.stderr : r.stdout)}`);
        }
      }
      return;
  }
}

const quote = shellQuote;
