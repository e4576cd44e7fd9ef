/**
 * Runs a compiled template in the sandbox: the `env` and `context` objects compiled code talks to, made per render
 * (nunjucks' Environment, Context and Template would hand it their globals, `cycler`/`joiner` objects with
 * methods, and a context whose lookups inherit from Object.prototype). The context is the caller's data copied
 * to frozen plain data; the only global is a bounded `range`.
 */
import type { CompiledTemplate, RenderFn } from './compile.js';
import { toPlainData, isPlainObject } from './data.js';
import { makeFilters } from './filters.js';
import { RenderBudget, TemplateSandboxError, type RenderLimits } from './limits.js';
import { njLib, type NjFunction } from './nunjucks-internals.js';
import { makeRuntime, type Callables, type SandboxFrame, type SandboxRuntime } from './runtime.js';

/** Finds a template by name (relative to `parent` for ./ and ../ names); throws if missing or not allowed. */
export type TemplateLoader = (name: unknown, parent: string | undefined) => CompiledTemplate;

type Callback = (err: unknown, out?: unknown) => void;

class SandboxContext {
  readonly ctx: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  readonly blocks: Record<string, RenderFn[]> = Object.create(null) as Record<string, RenderFn[]>;
  private readonly exported: string[] = [];

  constructor(
    vars: Record<string, unknown>,
    blocks: Record<string, RenderFn>,
    private readonly globals: Record<string, unknown>,
    private readonly budget: RenderBudget,
  ) {
    for (const k of Object.keys(vars)) this.ctx[k] = vars[k];
    for (const k of Object.keys(blocks)) this.addBlock(k, blocks[k]!);
  }
  lookup(name: string): unknown {
    if (Object.hasOwn(this.ctx, name)) return this.ctx[name];
    return Object.hasOwn(this.globals, name) ? this.globals[name] : undefined;
  }
  setVariable(name: string, val: unknown): void {
    this.budget.tick();
    this.ctx[name] = this.budget.checkString(val, name);
  }
  getVariables(): Record<string, unknown> {
    return this.ctx;
  }
  addBlock(name: string, block: RenderFn): this {
    (this.blocks[name] ??= []).push(block);
    return this;
  }
  getBlock(name: string): RenderFn {
    const list = this.blocks[name];
    if (!list) throw new Error(`unknown block "${name}"`);
    return list[0]!;
  }
  getSuper(env: unknown, name: string, block: RenderFn, frame: unknown, runtime: unknown, cb: Callback): void {
    const list = this.blocks[name] ?? [];
    const blk = list[list.indexOf(block) + 1];
    if (list.indexOf(block) === -1 || !blk) throw new Error(`no super block available for "${name}"`);
    blk(env, this, frame, runtime, cb);
  }
  addExport(name: string): void {
    this.exported.push(name);
  }
  getExported(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const name of this.exported) Object.defineProperty(out, name, { value: this.ctx[name], enumerable: true, writable: true, configurable: true });
    return out;
  }
}

/** Makes `range` as nunjucks has it (same loop, same values), refusing to make more than `max` items. */
function boundedRange(max: number): NjFunction {
  return (start: unknown, stop: unknown, step: unknown) => {
    let [from, to, by] = [start, stop, step] as [number, number, number];
    if (stop === undefined) [from, to, by] = [0, start as number, 1];
    else if (!by) by = 1;
    const out: number[] = [];
    const more = (): never => {
      throw new TemplateSandboxError(`range() of more than ${max} items is over the limit`);
    };
    if (by > 0) for (let i = from; i < to; i += by) out.push(out.length < max ? i : more());
    else for (let i = from; i > to; i += by) out.push(out.length < max ? i : more());
    return out;
  };
}

/** Renders `template` with `context` (copied to frozen plain data) within `limits`. */
export function renderCompiled(template: CompiledTemplate, context: object, load: TemplateLoader, limits: RenderLimits): string {
  const data = toPlainData(context);
  if (!isPlainObject(data)) throw new TemplateSandboxError('the render context must be an object');
  const budget = new RenderBudget(limits);
  const callables: Callables = new WeakSet();
  const runtime: SandboxRuntime = makeRuntime(budget, callables);
  const { getFilter, getTest } = makeFilters(budget, callables);
  const range = boundedRange(limits.maxRange);
  callables.add(range);
  const globals = Object.freeze(Object.assign(Object.create(null) as Record<string, unknown>, { range }));

  const bind = (t: CompiledTemplate) => ({
    rootRenderFunc: t.root,
    blocks: t.blocks,
    render(vars: Record<string, unknown> | undefined, parentFrame: SandboxFrame | undefined, cb: Callback): void {
      if (++budget.templateDepth > limits.maxTemplateDepth) throw new TemplateSandboxError(`templates nested deeper than ${limits.maxTemplateDepth}`);
      try {
        const ctx = new SandboxContext(vars ?? {}, t.blocks, globals, budget);
        const frame = parentFrame ? parentFrame.push(true) : new runtime.Frame();
        frame.topLevel = true;
        t.root(env, ctx, frame, runtime, (err, out) => cb(err ? njLib()._prettifyError(t.path, true, err) : null, out));
      } finally {
        budget.templateDepth--;
      }
    },
    getExported(vars: unknown, parentFrame: unknown, cb?: Callback): void {
      const done = (typeof vars === 'function' ? vars : typeof parentFrame === 'function' ? parentFrame : cb) as Callback;
      const withVars = typeof vars === 'object' && vars !== null ? (vars as Record<string, unknown>) : {};
      const pf = typeof parentFrame === 'object' && parentFrame !== null ? (parentFrame as SandboxFrame) : undefined;
      const ctx = new SandboxContext(withVars, t.blocks, globals, budget);
      const frame = pf ? pf.push() : new runtime.Frame();
      frame.topLevel = true;
      t.root(env, ctx, frame, runtime, (err) => (err ? done(err, null) : done(null, ctx.getExported())));
    },
  });

  const env = Object.freeze({
    opts: Object.freeze({ autoescape: false, throwOnUndefined: true, dev: false }),
    getFilter,
    getTest,
    getExtension(): never {
      throw new TemplateSandboxError('extensions are not available');
    },
    getTemplate(name: unknown, _eager: unknown, parentName: unknown, ignoreMissing: unknown, cb: Callback): void {
      let t: CompiledTemplate;
      try {
        t = load(name, typeof parentName === 'string' ? parentName : undefined);
      } catch (err) {
        if (ignoreMissing === true && err instanceof Error && err.message.startsWith('template not found')) {
          cb(null, bind({ path: undefined, root: (_e, _c, _f, _r, done) => done(null, ''), blocks: {} }));
          return;
        }
        cb(err);
        return;
      }
      cb(null, bind(t));
    },
    waterfall(tasks: ((...args: unknown[]) => void)[], done: Callback): void {
      let i = 0;
      const next = (err: unknown, ...args: unknown[]): void => {
        if (err || i >= tasks.length) return done(err, ...args);
        tasks[i++]!(...args, next);
      };
      next(null);
    },
  });

  let result: unknown;
  let failure: unknown;
  bind(template).render(data, undefined, (err, out) => {
    if (err) failure ??= err;
    else if (failure === undefined) result = out;
  });
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  return typeof result === 'string' ? result : '';
}
