/**
 * `driftless apply [DIR|URL]`: plan, show the plan, ask (unless --yes), then apply exactly that plan.
 * SIGINT/SIGTERM cancel cleanly: the running task finishes or is aborted, the rest is skipped and recorded.
 */
import { createInterface } from 'node:readline/promises';
import { applyRevision, loadRevision, planRevision, recordProblems } from '../../reconcile/run.js';
import { isNoop } from '../../model/plan.js';
import { type CommonOptions, fetchRevision, withRuntime } from '../context.js';
import { EXIT, exitForOutcome, type ExitCode } from '../exit-codes.js';
import { createProgress, printJson, printMessage, printPlan, printProblems, printRun } from '../output.js';

export interface ApplyOptions extends CommonOptions {
  yes?: boolean;
  dryRun?: boolean;
}

export async function applyCommand(source: string | undefined, opts: ApplyOptions): Promise<ExitCode> {
  const revision = await fetchRevision(source, opts);
  return withRuntime(opts, async (rt) => {
    const load = await loadRevision(rt, revision);
    if (load.problems.length > 0) {
      await recordProblems(rt, { revision, problems: load.problems, trigger: 'cli-apply' });
      if (opts.json) printJson({ revision: revision.commit, problems: load.problems });
      else printProblems(load.problems);
      return EXIT.invalid;
    }
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const plan = await planRevision(rt, { revision, load, signal: controller.signal });
      if (!opts.json) printPlan(plan);
      if (opts.dryRun) {
        if (opts.json) printJson(plan);
        return EXIT.ok;
      }
      if (!opts.yes && !isNoop(plan) && !(await confirm())) {
        printMessage('Apply cancelled; nothing was changed.');
        return EXIT.declined;
      }
      const progress = createProgress(Boolean(opts.json), plan.tasks.length);
      const run = await applyRevision(rt, {
        revision,
        load,
        plan,
        trigger: 'cli-apply',
        signal: controller.signal,
        onEvent: progress.onEvent,
      });
      progress.finish();
      if (opts.json) printJson(run);
      else printRun(run);
      return exitForOutcome(run.outcome);
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  });
}

async function confirm(): Promise<boolean> {
  if (!process.stdin.isTTY) {
    printMessage('refusing to apply without confirmation: stdin is not a terminal; pass --yes');
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question('\nApply these changes? Only "yes" is accepted: ');
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}
