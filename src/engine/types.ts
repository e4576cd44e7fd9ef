/**
 * The engine's public surface: plan (observe + pure diff, nothing changes) and apply (execute exactly a plan).
 * It knows kinds only through KindModule and never imports a concrete kind, driver, journal, source or server.
 */
import type { KindContext, KindRegistry } from '../kinds/types.js';
import type { InventoryEntry, PrunePolicy } from '../model/inventory.js';
import type { Plan, Task, TaskResult } from '../model/plan.js';
import type { Resource, ResourceKey } from '../model/resource.js';

export interface RetryOptions {
  /** Total attempts for a task whose error is transient (1 = no retry). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface EngineOptions {
  /** Tasks running at once inside a wave, and observations at once during plan. */
  concurrency: number;
  retry: RetryOptions;
  /** Health gate after each wave: poll every intervalMs until Healthy / Degraded or timeoutMs. */
  health: { timeoutMs: number; intervalMs: number };
}

export interface PlanInput {
  revision: string;
  resources: Resource[];
  inventory: InventoryEntry[];
  prune: PrunePolicy;
  ctx: KindContext;
}

export interface ApplyInput {
  plan: Plan;
  inventory: InventoryEntry[];
  prune: PrunePolicy;
  ctx: KindContext;
  /** Progress for the CLI and logs. */
  onEvent?: (event: EngineEvent) => void;
  /** Called after every task that changed the inventory, so a crash mid-apply loses nothing. */
  onInventory?: (inventory: InventoryEntry[]) => Promise<void>;
}

export interface ApplyOutcome {
  results: TaskResult[];
  inventory: InventoryEntry[];
}

export type EngineEvent =
  | { type: 'wave-start'; wave: number; keys: ResourceKey[] }
  | { type: 'task-start'; task: Task }
  | { type: 'task-retry'; key: ResourceKey; attempt: number; delayMs: number; message: string }
  | { type: 'task-end'; result: TaskResult }
  /** A kind found the world moved since the plan; `replanned` follows with the task that will be applied instead. */
  | { type: 'plan-stale'; key: ResourceKey; message: string }
  | { type: 'replanned'; task: Task }
  | { type: 'health-wait'; wave: number; pending: ResourceKey[] }
  | { type: 'prune-start'; key: ResourceKey }
  | { type: 'prune-end'; result: TaskResult };

export interface Engine {
  plan(input: PlanInput): Promise<Plan>;
  apply(input: ApplyInput): Promise<ApplyOutcome>;
}

export interface EngineDeps {
  registry: KindRegistry;
  options: EngineOptions;
  /** Injected so tests control time; defaults to real timers. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}
