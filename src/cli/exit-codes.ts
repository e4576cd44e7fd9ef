/** The one place outcomes become exit codes, so scripts and CI can rely on them. */
import { ReconcileError } from '../errors.js';
import type { RunOutcome } from '../model/plan.js';

export const EXIT = {
  ok: 0,
  /** Unexpected failure (a bug, or the environment). */
  error: 1,
  /** The config repo is invalid, or a human must act (stalled). */
  invalid: 2,
  /** Apply ran and at least one task failed. */
  applyFailed: 3,
  /** Waiting on a precondition; retrying later may succeed. */
  waiting: 4,
  /** The user declined the plan, or it could not be confirmed (no TTY and no --yes). */
  declined: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export function exitForOutcome(outcome: RunOutcome): ExitCode {
  switch (outcome) {
    case 'Succeeded':
    case 'NoChanges':
    case 'Planned':
      return EXIT.ok;
    case 'Stalled':
      return EXIT.invalid;
    case 'Waiting':
      return EXIT.waiting;
    case 'Failed':
      return EXIT.applyFailed;
  }
}

export function exitForError(err: unknown): ExitCode {
  if (err instanceof ReconcileError) {
    if (err.disposition === 'stalled') return EXIT.invalid;
    if (err.disposition === 'waiting') return EXIT.waiting;
    if (err.disposition === 'failed') return EXIT.applyFailed;
  }
  return EXIT.error;
}

/** Thrown by commands to end with a specific code after output was already written. */
export class ExitSignal extends Error {
  constructor(readonly code: ExitCode) {
    super(`exit ${code}`);
  }
}
