/**
 * The load-time half of path confinement: every repo path a kind declares (`KindModule.repoPaths`) must exist and
 * resolve inside the checkout, or the revision gets a problem at that field's file:line and nothing is applied.
 * Run on every load, not cached with the parse: a symlink elsewhere in the repo can change what a path reaches.
 * Only lstat/readlink are used, and only inside the checkout: the file itself is not read here.
 */
import type { KindRegistry } from '../kinds/types.js';
import { resolveInside } from '../util/confine.js';
import { dotted } from './positions.js';
import type { Entry, PendingProblem } from './refs.js';

/** Problems of the repo paths of clean resources; a kind bug becomes a problem, as in checkReferences. */
export function checkRepoPaths(entries: readonly Entry[], kinds: KindRegistry): PendingProblem[] {
  const problems: PendingProblem[] = [];
  for (const e of entries) {
    const mod = kinds.get(e.resource.kind);
    if (!mod?.repoPaths || !e.clean) continue;
    try {
      // A path under one already refused (a missing release dir) would only repeat that problem.
      const refused: string[] = [];
      for (const ref of mod.repoPaths(e.resource)) {
        if (refused.some((r) => ref.path.startsWith(`${r.replace(/\/+$/, '')}/`))) continue;
        try {
          resolveInside(e.doc.dir, ref.path, ref.type, ref.what ?? dotted(ref.pointer));
        } catch (err) {
          refused.push(ref.path);
          problems.push({ doc: e.doc, pointer: ref.pointer, message: err instanceof Error ? err.message : String(err) });
        }
      }
    } catch (err) {
      const message = `internal error: ${mod.kind} repoPaths failed: ${err instanceof Error ? err.message : String(err)}`;
      problems.push({ doc: e.doc, pointer: '', message });
    }
  }
  return problems;
}
