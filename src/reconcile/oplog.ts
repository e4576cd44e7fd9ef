/**
 * The operation log of each resource, from what kinds already log while they apply (a pool's rollout batches, a
 * machine created or deleted, an nginx unit published): kinds need no new contract and the engine stays unaware.
 * Each `apply` / `remove` runs inside an AsyncLocalStorage scope naming its resource, and the kinds' logger passes
 * every info/warn/error line logged inside such a scope to a sink as well as to the log, attributed to that key.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { KindModule, KindRegistry, Logger } from '../kinds/types.js';
import type { ResourceKey } from '../model/resource.js';

export interface OplogEntry {
  key: ResourceKey;
  level: 'info' | 'warn' | 'error';
  msg: string;
  /** The line's fields, bindings of child loggers included (the sink sanitises before showing them). */
  fields: Record<string, unknown>;
}

export type OplogSink = (entry: OplogEntry) => void;

const scope = new AsyncLocalStorage<ResourceKey>();

/** The registry with each kind's apply and remove run inside a scope naming the resource. */
export function attributedRegistry(registry: KindRegistry): KindRegistry {
  const out = new Map<string, KindModule<any, any>>();
  for (const [kind, mod] of registry) {
    const wrapped: KindModule<any, any> = Object.assign(Object.create(mod) as KindModule<any, any>, {
      apply: (task: Parameters<KindModule['apply']>[0], ctx: Parameters<KindModule['apply']>[1]) => scope.run(task.key, () => mod.apply(task, ctx)),
      ...(mod.remove
        ? { remove: (entry: Parameters<NonNullable<KindModule['remove']>>[0], ctx: Parameters<KindModule['apply']>[1]) => scope.run(entry.key, () => mod.remove!(entry, ctx)) }
        : {}),
    });
    out.set(kind, wrapped);
  }
  return out;
}

/** A logger that also hands lines logged inside an apply/remove scope to `sink`; a failing sink never fails a kind. */
export function oplogLogger(base: Logger, sink: OplogSink, bindings: Record<string, unknown> = {}): Logger {
  const tap = (level: OplogEntry['level']) => (obj: object, msg?: string) => {
    base[level](obj, msg);
    const key = scope.getStore();
    if (key === undefined) return;
    try {
      sink({ key, level, msg: msg ?? '', fields: { ...bindings, ...(obj as Record<string, unknown>) } });
    } catch {
      // the operation log is a view; the apply goes on without it
    }
  };
  return {
    info: tap('info'),
    warn: tap('warn'),
    error: tap('error'),
    debug: (obj, msg) => base.debug(obj, msg),
    child: (b) => oplogLogger(base.child(b), sink, { ...bindings, ...(b as Record<string, unknown>) }),
  };
}
