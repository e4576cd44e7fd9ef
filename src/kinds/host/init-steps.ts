/**
 * Init steps run once per content digest. Each step's digest covers its own text and every step before it, so
 * editing step 2 re-runs step 2 and later steps but never step 1. The marker is written by the same remote shell
 * that ran the step, so a client killed mid-apply cannot lose the record of a step that completed.
 */
import { digestOf, shortDigest } from '../../util/digest.js';
import { shellQuote } from '../../util/shell.js';
import type { InitStep } from './spec.js';

export const MARKER_DIR = '/var/lib/driftless/init';

export interface PlannedStep extends InitStep {
  digest: string;
}

export function planSteps(steps: InitStep[] | undefined): PlannedStep[] {
  const out: PlannedStep[] = [];
  let chain = '';
  for (const step of steps ?? []) {
    chain = digestOf({ prev: chain, name: step.name, run: step.run });
    out.push({ ...step, digest: shortDigest(chain, 24) });
  }
  return out;
}

/** The script for one step: its text in a subshell, then the marker, only if it exited 0. */
export function stepScript(step: PlannedStep): string {
  return [
    'set -e',
    `mkdir -p ${MARKER_DIR}`,
    '(',
    step.run,
    ')',
    `printf '%s\\n' ${shellQuote(step.name)} > ${MARKER_DIR}/${step.digest}.tmp`,
    `mv -f ${MARKER_DIR}/${step.digest}.tmp ${MARKER_DIR}/${step.digest}`,
    '',
  ].join('\n');
}

/** Steps not yet recorded on the host, in order. */
export function pendingSteps(planned: PlannedStep[], done: readonly string[]): PlannedStep[] {
  const set = new Set(done);
  return planned.filter((s) => !set.has(s.digest));
}
