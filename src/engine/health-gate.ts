/**
 * The health gate: after a wave is applied, re-observe what changed and poll `health()` until each resource is
 * Healthy (or Suspended), Degraded, or out of time. The next wave starts only after the gate, so a dependent is
 * never applied against a dependency that is still starting.
 */
import pLimit from 'p-limit';
import { describe } from '../errors.js';
import type { KindContext, KindModule, KindRegistry } from '../kinds/types.js';
import type { HealthReport, HealthStatus } from '../model/health.js';
import type { Task } from '../model/plan.js';
import type { ResourceKey } from '../model/resource.js';
import type { Sleep } from './retry.js';
import type { EngineEvent } from './types.js';

export type GateVerdict =
  | { ok: true; health: HealthStatus; observed: unknown; observedKnown: boolean }
  | {
      ok: false;
      health: HealthStatus;
      reason: 'HealthCheckFailed' | 'HealthCheckTimeout' | 'Cancelled';
      message: string;
      observed: unknown;
      observedKnown: boolean;
    };

export interface GateDeps {
  registry: KindRegistry;
  ctx: KindContext;
  health: { timeoutMs: number; intervalMs: number };
  concurrency: number;
  sleep: Sleep;
  emit: (e: EngineEvent) => void;
  /** Each resource's verdict as soon as it has one, so its result is reported when it finishes, not with the wave. */
  onVerdict?: (key: ResourceKey, verdict: GateVerdict) => void;
}

/** Health of an observation; a health function that throws is a bug reported as Unknown, not a crash. */
export function safeHealth(mod: KindModule, observed: unknown): HealthReport {
  try {
    return mod.health(observed);
  } catch (err) {
    return { status: 'Unknown', message: `health check threw: ${describe(err)}` };
  }
}

/** Healthy and Suspended pass the gate; Degraded fails it; anything else is still settling. */
export function gateClass(status: HealthStatus): 'pass' | 'fail' | 'wait' {
  if (status === 'Healthy' || status === 'Suspended') return 'pass';
  return status === 'Degraded' ? 'fail' : 'wait';
}

function withMessage(report: HealthReport): string {
  return report.message ? `${report.status}: ${report.message}` : report.status;
}

/**
 * Polls the given tasks' resources. Timing is counted two ways so injected sleeps never make a test wait: at most
 * ceil(timeout / interval) sleeps, and never past the real deadline.
 */
export async function runHealthGate(wave: number, tasks: Task[], deps: GateDeps): Promise<Map<ResourceKey, GateVerdict>> {
  const verdicts = new Map<ResourceKey, GateVerdict>();
  const pending = new Map(tasks.map((t) => [t.key, t] as const));
  const last = new Map<ResourceKey, { report: HealthReport; observed: unknown; known: boolean }>();
  const limit = pLimit(Math.max(1, deps.concurrency));
  const maxSleeps = Math.max(1, Math.ceil(deps.health.timeoutMs / Math.max(1, deps.health.intervalMs)));
  const deadline = Date.now() + deps.health.timeoutMs;
  const settle = (key: ResourceKey, verdict: GateVerdict): void => {
    verdicts.set(key, verdict);
    deps.onVerdict?.(key, verdict);
  };
  for (let sleeps = 0; pending.size > 0; sleeps++) {
    await Promise.all(
      [...pending.values()].map((task) =>
        limit(async () => {
          const mod = deps.registry.get(task.kind) as KindModule;
          let observed: unknown;
          let report: HealthReport;
          let known = true;
          try {
            observed = await mod.observe(task.desired, deps.ctx);
            report = safeHealth(mod, observed);
          } catch (err) {
            known = false;
            report = { status: 'Unknown', message: `observe failed: ${describe(err)}` };
          }
          last.set(task.key, { report, observed, known });
          const cls = gateClass(report.status);
          if (cls === 'wait') return;
          pending.delete(task.key);
          settle(
            task.key,
            cls === 'pass'
              ? { ok: true, health: report.status, observed, observedKnown: known }
              : {
                  ok: false,
                  health: report.status,
                  reason: 'HealthCheckFailed',
                  message: `health check failed: ${withMessage(report)}`,
                  observed,
                  observedKnown: known,
                },
          );
        }),
      ),
    );
    if (pending.size === 0) break;
    const timedOut = sleeps >= maxSleeps || Date.now() >= deadline;
    let cancelled = deps.ctx.signal.aborted;
    if (!timedOut && !cancelled) {
      deps.emit({ type: 'health-wait', wave, pending: [...pending.keys()].sort() });
      try {
        await deps.sleep(deps.health.intervalMs, deps.ctx.signal);
        continue;
      } catch {
        cancelled = true;
      }
    }
    for (const key of pending.keys()) {
      const l = last.get(key);
      const report = l?.report ?? { status: 'Unknown' as const };
      settle(key, {
        ok: false,
        health: report.status,
        reason: cancelled ? 'Cancelled' : 'HealthCheckTimeout',
        message: cancelled
          ? `health gate cancelled while ${withMessage(report)}`
          : `not healthy after ${deps.health.timeoutMs}ms: last health ${withMessage(report)}`,
        observed: l?.observed,
        observedKnown: l?.known ?? false,
      });
    }
    pending.clear();
  }
  return verdicts;
}
