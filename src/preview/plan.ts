/**
 * A plan preview of one revision that is not (yet) the watched branch: load and validate it, then plan it against
 * the observed world, and stop there. Shared by `driftless plan --ref` and the daemon's pull-request previews, so
 * the text a reviewer reads on the forge is exactly what the CLI prints. Never applies, never prunes, and writes
 * nothing the main branch's runs read: no run record, no status, no inventory, and the kinds get an overlay of the
 * state store that keeps their writes in memory (src/store/overlay.ts).
 */
import { createLoadCache, type LoadCache } from '../loader/cache.js';
import type { Plan, Problem } from '../model/plan.js';
import { loadRevision, planRevision } from '../reconcile/run.js';
import type { Runtime } from '../reconcile/runtime.js';
import { planLines, planSummary, problemLines } from '../report/plan-text.js';
import type { Revision } from '../source/types.js';
import { createOverlayStore } from '../store/index.js';

/** `valid`: planned and every resource could be told; `invalid`: problems, or a resource a human must fix. */
export type PreviewVerdict = 'valid' | 'invalid';

export interface PlanPreview {
  commit: string;
  ref: string;
  verdict: PreviewVerdict;
  /** Load problems (file:line:col); empty when the revision loaded. */
  problems: Problem[];
  plan?: Plan;
  /** Exactly the lines `driftless plan` prints for this revision (before sanitising). */
  lines: string[];
  /** One line: the plan's summary, or the number of problems. */
  summary: string;
}

export interface PlanPreviewOptions {
  verbose?: boolean;
  /**
   * Parse cache for previews. Never the runtime's own: a preview's load would replace the main branch's entries
   * (and drop its files the pull request lacks), and the next main run would parse them all again.
   */
  loadCache?: LoadCache;
}

export async function planPreview(rt: Runtime, revision: Revision, signal: AbortSignal, opts: PlanPreviewOptions = {}): Promise<PlanPreview> {
  const base = { commit: revision.commit, ref: revision.ref };
  const load = await loadRevision({ ...rt, loadCache: opts.loadCache ?? createLoadCache() }, revision);
  if (load.problems.length > 0) {
    const n = load.problems.length;
    return { ...base, verdict: 'invalid', problems: load.problems, lines: problemLines(load.problems), summary: `${n} problem(s) in the config repo` };
  }
  // The same runtime (SSH connections, caches), but kinds write only to memory.
  const readOnly: Runtime = { ...rt, store: createOverlayStore(rt.store) };
  const plan = await planRevision(readOnly, { revision, load, signal });
  const stalled = plan.tasks.filter((t) => t.error?.disposition === 'stalled');
  return {
    ...base,
    verdict: stalled.length > 0 ? 'invalid' : 'valid',
    problems: [],
    plan,
    lines: planLines(plan, opts),
    summary: stalled.length > 0 ? `${stalled.length} resource(s) need a human: ${stalled.map((t) => t.key).join(', ')}` : planSummary(plan),
  };
}
