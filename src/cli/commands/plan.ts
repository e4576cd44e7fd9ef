/** `driftless plan [DIR|URL]`: observe the real world and print what apply would change; changes nothing. */
import { loadRevision, planRevision, recordProblems } from '../../reconcile/run.js';
import { type CommonOptions, fetchRevision, withRuntime } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { printJson, printPlan, printProblems } from '../output.js';

export interface PlanOptions extends CommonOptions {
  verbose?: boolean;
}

export async function planCommand(source: string | undefined, opts: PlanOptions): Promise<ExitCode> {
  const revision = await fetchRevision(source, opts);
  return withRuntime(opts, async (rt) => {
    const load = await loadRevision(rt, revision);
    if (load.problems.length > 0) {
      await recordProblems(rt, { revision, problems: load.problems, trigger: 'cli-plan' });
      if (opts.json) printJson({ revision: revision.commit, problems: load.problems });
      else printProblems(load.problems);
      return EXIT.invalid;
    }
    const plan = await planRevision(rt, { revision, load, signal: new AbortController().signal });
    if (opts.json) printJson(plan);
    else printPlan(plan, { verbose: opts.verbose });
    // A resource that could not be observed because a human must act (a changed host key) makes the plan untrustworthy.
    return plan.tasks.some((t) => t.error?.disposition === 'stalled') ? EXIT.invalid : EXIT.ok;
  });
}
