/** `driftless validate [DIR|URL]`: load and check everything, touch nothing, no network beyond fetching the repo. */
import { createKindRegistry } from '../../kinds/registry.js';
import { loadChecked } from '../../reconcile/check.js';
import { type CommonOptions, fetchRevision, operatorCatalogue } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { printJson, printProblems, printValid } from '../output.js';

export async function validateCommand(source: string | undefined, opts: CommonOptions): Promise<ExitCode> {
  const catalogue = operatorCatalogue(opts);
  const revision = await fetchRevision(source, opts);
  const load = await loadChecked(revision.dir, createKindRegistry(), catalogue ? { catalogue } : {});
  if (opts.json) {
    printJson({ revision: revision.commit, valid: load.problems.length === 0, resources: load.resources.length, problems: load.problems });
  } else if (load.problems.length > 0) {
    printProblems(load.problems);
  } else {
    printValid(load.resources.length, revision.commit);
  }
  return load.problems.length > 0 ? EXIT.invalid : EXIT.ok;
}
