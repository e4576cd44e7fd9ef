/**
 * Applies a Host: runs the init steps not yet recorded on it, in order, each with its timeout. A step that exits
 * non-zero stalls the host (a human must fix the script or the machine); a connection that drops is transient and
 * retried by the engine, which resumes at the first unrecorded step.
 */
import { FailedError, StalledError, TransientError } from '../../errors.js';
import type { Task } from '../../model/plan.js';
import type { KindContext } from '../types.js';
import { FACTS_COMMAND, parseFacts } from './facts.js';
import { pendingSteps, planSteps, stepScript } from './init-steps.js';
import type { HostObserved, HostSpec } from './spec.js';
import { hostTarget } from '../shared/host-target.js';
import { outputTail } from '../../util/output-tail.js';

export async function applyHost(task: Task<HostSpec, HostObserved>, ctx: KindContext): Promise<void> {
  const spec = task.desired.spec;
  const target = await hostTarget(task.desired, ctx.secrets);
  const facts = await ctx.drivers.ssh.exec(target, FACTS_COMMAND, { timeoutMs: 20_000, signal: ctx.signal });
  if (facts.code !== 0) throw new TransientError('ObserveFailed', `${target.id}: facts command exited ${facts.code}`);
  const pending = pendingSteps(planSteps(spec.init), parseFacts(facts.stdout).initDone);
  const log = ctx.logger.child({ key: task.key });
  for (const step of pending) {
    const timeoutMs = (step.timeoutSeconds ?? spec.initTimeoutSeconds ?? 600) * 1000;
    log.info({ step: step.name }, 'init step start');
    // killTree: a cancelled or timed-out step ends on the host too, instead of finishing after the run gave up on it.
    const result = await ctx.drivers.ssh.exec(target, 'sh -s', { stdin: stepScript(step), timeoutMs, signal: ctx.signal, killTree: true });
    if (result.code !== 0) {
      const tail = outputTail(result.stderr.trim() ? result.stderr : result.stdout);
      throw new FailedError('CommandFailed', `${target.id}: init step "${step.name}" exited ${result.code}${tail ? `: ${tail}` : ''}`);
    }
    log.info({ step: step.name, ms: result.durationMs }, 'init step done');
  }
}
