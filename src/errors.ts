/**
 * Typed reconcile errors. The class decides what happens next (Flux's Stalling / Waiting / Generic):
 * stalled = a human must act, no retry until the revision changes; waiting = requeue later;
 * transient = retry with backoff and jitter. Anything else thrown is a bug and is treated as transient.
 */
import { sanitize } from './util/sanitize.js';

/** Why a resource or run is in the state it is in; stable strings that status, logs and tests match on. */
export type Reason =
  | 'SchemaInvalid'
  | 'ReferenceInvalid'
  | 'DependencyCycle'
  | 'DependencyNotReady'
  | 'DependencyFailed'
  | 'AuthenticationFailed'
  | 'HostKeyMismatch'
  | 'SourceUnavailable'
  | 'UnsafePath'
  /** The source answered, but the commit it points at is refused for what it holds (an empty or unsafe tree). */
  | 'RevisionRefused'
  /** What apply found differs from what the plan showed: the resource is re-planned, visibly, before it is applied. */
  | 'PlanStale'
  | 'SecretUnavailable'
  | 'SecretNotAllowed'
  | 'ObserveFailed'
  | 'ApplyFailed'
  | 'CommandFailed'
  | 'Unreachable'
  | 'Timeout'
  | 'HealthCheckFailed'
  | 'HealthCheckTimeout'
  | 'PruneFailed'
  | 'PruneDisabled'
  | 'QuotaExceeded'
  /** A Swarm manager change that would leave fewer managers reachable than a majority: refused before any step. */
  | 'QuorumAtRisk'
  | 'DriftDetected'
  | 'Superseded'
  | 'Cancelled'
  | 'InternalError'
  | 'StateDirUnsafe'
  | 'NotLeader'
  | 'StateStoreUnavailable'
  | 'ReconciliationSucceeded'
  | 'Progressing';

/**
 * What happens next, and the CLI's exit code (cli/exit-codes.ts): stalled = a human must act (2, not retried until
 * the revision changes); failed = a step ran and failed (3, the daemon's next run tries again with backoff);
 * waiting = a precondition (4, requeued); transient = retried within the run, then failed (3).
 */
export type Disposition = 'stalled' | 'failed' | 'waiting' | 'transient';

/** Base of every error the engine understands; messages are sanitised of URL credentials at construction. */
export abstract class ReconcileError extends Error {
  abstract readonly disposition: Disposition;
  readonly reason: Reason;

  constructor(reason: Reason, message: string, options?: { cause?: unknown }) {
    super(sanitize(message), options);
    this.reason = reason;
    this.name = new.target.name;
  }
}

/** A human must change something (spec, credentials, a host key); retrying cannot help. */
export class StalledError extends ReconcileError {
  readonly disposition = 'stalled' as const;
}

/**
 * A step ran and failed: a remote command exited non-zero (a pool command, a host init step, a CF install). Not a
 * matter for a human by default (the next run tries again, with backoff) and not retried within this run either:
 * a task template's own `retry` has had its say, and repeating a command that just failed rarely helps at once.
 */
export class FailedError extends ReconcileError {
  readonly disposition = 'failed' as const;
}

/**
 * Thrown by a kind's apply when the world moved since the plan it was given (what it would do now is not what the
 * plan printed). The engine re-plans that one resource, says so (`plan-stale`, `replanned` events) and applies the
 * new plan; only a second staleness in a row fails the task (the next run plans afresh anyway).
 */
export class PlanStaleError extends FailedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PlanStale', message, options);
  }
}

/** A precondition is not met yet (a dependency is not ready); requeue after `retryAfterMs`. */
export class WaitingError extends ReconcileError {
  readonly disposition = 'waiting' as const;
  readonly retryAfterMs: number;

  constructor(reason: Reason, message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(reason, message, options);
    this.retryAfterMs = options?.retryAfterMs ?? 5_000;
  }
}

/** Network, timeouts, throttling, a host that went away: worth retrying with backoff. */
export class TransientError extends ReconcileError {
  readonly disposition = 'transient' as const;
}

/** Classifies anything thrown: typed errors keep their disposition, everything else is an internal (transient) bug. */
export function classify(err: unknown): ReconcileError {
  if (err instanceof ReconcileError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TransientError('InternalError', `internal error: ${message}`, { cause: err });
}

/** Formats an error with its cause chain on one line, for status messages. */
export function describe(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 4; depth++) {
    const msg = cur instanceof Error ? cur.message : String(cur);
    if (!parts.some((p) => p.includes(msg))) parts.push(msg);
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return sanitize(parts.join(': '));
}
