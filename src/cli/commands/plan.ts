/**
 * `driftless plan [DIR|URL]`: observe the real world and print what apply would change; changes nothing.
 * With `--ref BRANCH|SHA` (a Git source only) it is a preview of that ref, the same one the daemon publishes for a
 * pull request (src/preview/): nothing is recorded in the journal either, whatever the ref holds.
 */
import { StalledError } from '../../errors.js';
import { planPreview } from '../../preview/plan.js';
import { loadRevision, planRevision, recordProblems } from '../../reconcile/run.js';
import { parseSourceArg } from '../../source/types.js';
import { type CommonOptions, fetchRevision, withRuntime } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { printJson, printMessage, printPlan, printProblems } from '../output.js';

export interface PlanOptions extends CommonOptions {
  verbose?: boolean;
}

export async function planCommand(source: string | undefined, opts: PlanOptions): Promise<ExitCode> {
  if (opts.ref !== undefined) return previewCommand(source, opts);
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

/** `plan --ref`: a read-only preview of a branch, tag, full ref (`refs/pull/7/head`) or commit of a Git source. */
async function previewCommand(source: string | undefined, opts: PlanOptions): Promise<ExitCode> {
  const spec = parseSourceArg(source ?? '.', { ref: opts.ref });
  if (spec.type !== 'git') {
    throw new StalledError('SchemaInvalid', `--ref ${opts.ref} needs a Git source (an http(s):// or ssh:// URL), not the directory ${spec.path}`);
  }
  const revision = await fetchRevision(source, opts);
  return withRuntime(opts, async (rt) => {
    const preview = await planPreview(rt, revision, new AbortController().signal, { verbose: opts.verbose });
    if (opts.json) printJson(preview.plan ?? { revision: preview.commit, problems: preview.problems });
    else for (const line of preview.lines) printMessage(line);
    return preview.verdict === 'valid' ? EXIT.ok : EXIT.invalid;
  });
}
