/**
 * The `runtime` object compiled templates call, in place of nunjucks' own. nunjucks' memberLookup returns any
 * property (inherited ones too, functions bound to their object) and its callWrap calls any function: that is how
 * `range.constructor("...")()` becomes code. Here a lookup returns an OWN property of plain data only, a call is
 * allowed only to the functions the sandbox made (macros, `range`), and every set, lookup, call and write counts
 * against the render's budget.
 */
import { FORBIDDEN_NAMES, isPlainValue, ownGet, textSize } from './data.js';
import { TemplateSandboxError, type RenderBudget } from './limits.js';
import { njLib, njRuntime, type NjFunction } from './nunjucks-internals.js';

/** What a macro returns inside a render, unwrapped to a plain string by the macro itself. */
class MacroOutput {
  constructor(readonly val: string) {}
}

/** The functions a template may call: made by the sandbox, recorded here, nothing else is callable. */
export type Callables = WeakSet<NjFunction>;

/** Refuses a value that is not plain data and not one of the sandbox's callables. */
export function guard(v: unknown, what: string, callables: Callables): unknown {
  if (typeof v === 'function') {
    if (callables.has(v as NjFunction)) return v;
    throw new TemplateSandboxError(`${what} is a function; templates see plain data only`);
  }
  if (!isPlainValue(v)) throw new TemplateSandboxError(`${what} is not plain data`);
  return v;
}

function refuseName(name: unknown, what: string): string | number {
  if (typeof name === 'number') return name;
  if (typeof name !== 'string') throw new TemplateSandboxError(`${what}: a member name must be a string or a number`);
  if (FORBIDDEN_NAMES.has(name)) throw new TemplateSandboxError(`access to "${name}" is not allowed in templates`);
  return name;
}

/** Builds the runtime of one render; `callables` collects the macros it makes. */
export function makeRuntime(budget: RenderBudget, callables: Callables) {
  /** nunjucks' Frame, with null-prototype variables and every set counted and size-checked. */
  class Frame {
    variables: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    topLevel = false;
    constructor(
      readonly parent?: Frame,
      readonly isolateWrites?: boolean,
    ) {}

    set(name: string, val: unknown, resolveUp?: boolean): void {
      budget.tick();
      budget.checkString(val, name);
      const parts = name.split('.');
      if (resolveUp) {
        const frame = this.resolve(parts[0]!, true);
        if (frame) {
          frame.set(name, val);
          return;
        }
      }
      let obj = this.variables;
      for (const id of parts.slice(0, -1)) {
        if (!Object.hasOwn(obj, id)) obj[id] = {};
        obj = obj[id] as Record<string, unknown>;
      }
      obj[parts[parts.length - 1]!] = val;
    }
    get(name: string): unknown {
      const val = this.variables[name];
      return val !== undefined ? val : null;
    }
    lookup(name: string): unknown {
      const val = this.variables[name];
      return val !== undefined ? val : this.parent?.lookup(name);
    }
    resolve(name: string, forWrite?: boolean): Frame | undefined {
      const p = forWrite && this.isolateWrites ? undefined : this.parent;
      return this.variables[name] !== undefined ? this : p?.resolve(name);
    }
    push(isolateWrites?: boolean): Frame {
      return new Frame(this, isolateWrites);
    }
    pop(): Frame | undefined {
      return this.parent;
    }
  }

  const str = (val: unknown): string => {
    const size = textSize(val, budget.limits.maxOutput);
    if (size > budget.limits.maxOutput) throw new TemplateSandboxError(`a value of over ${budget.limits.maxOutput} characters was written`);
    return val === null || val === undefined ? '' : String(val);
  };

  return {
    Frame,
    SafeString: MacroOutput,
    makeKeywordArgs: njRuntime().makeKeywordArgs,
    numArgs: njRuntime().numArgs,
    handleError: njRuntime().handleError,
    isArray: Array.isArray,
    keys: (obj: object): string[] => Object.keys(obj),
    markSafe: (v: unknown): unknown => v,
    copySafeness: (_dest: unknown, target: unknown): string => String(target),
    ensureDefined(val: unknown, lineno: number, colno: number): unknown {
      if (val === null || val === undefined) throw new (njLib().TemplateError)('attempted to output null or undefined value', lineno + 1, colno + 1);
      return val;
    },
    /** Every write to an output buffer goes through here (the compiler is told to), data and values alike. */
    out(val: unknown): string {
      const s = str(val);
      budget.write(s.length);
      return s;
    },
    suppressValue: (val: unknown): string => str(val),
    memberLookup(obj: unknown, key: unknown): unknown {
      budget.tick();
      const name = refuseName(key, 'lookup');
      if (obj === null || obj === undefined) return undefined;
      if (typeof obj === 'function') throw new TemplateSandboxError(`"${String(name)}" of a function: templates see plain data only`);
      return guard(ownGet(obj, name), `"${String(name)}"`, callables);
    },
    contextOrFrameLookup(context: { lookup(name: string): unknown }, frame: Frame, name: string): unknown {
      budget.tick();
      refuseName(name, 'lookup');
      const val = frame.lookup(name);
      return guard(val !== undefined ? val : context.lookup(name), `"${name}"`, callables);
    },
    callWrap(fn: unknown, name: string, context: unknown, args: unknown[]): unknown {
      budget.tick();
      if (!fn) throw new Error(`Unable to call \`${name}\`, which is undefined or falsey`);
      if (typeof fn !== 'function' || !callables.has(fn as NjFunction)) {
        throw new TemplateSandboxError(`\`${name}\` cannot be called: only macros and range() can`);
      }
      args.forEach((a, i) => budget.checkString(a, `argument ${i + 1} of ${name}`));
      return guard((fn as NjFunction).apply(context, args), `the result of ${name}`, callables);
    },
    makeMacro(argNames: string[], kwargNames: string[], fn: NjFunction): NjFunction {
      const body = function (this: unknown, ...args: unknown[]): unknown {
        if (++budget.depth > budget.limits.maxCallDepth) {
          throw new TemplateSandboxError(`macros nested deeper than ${budget.limits.maxCallDepth} (a recursive macro?)`);
        }
        try {
          const r = fn.apply(this, args);
          return budget.checkString(r instanceof MacroOutput ? r.val : r, 'a macro result');
        } finally {
          budget.depth--;
        }
      };
      const macro = njRuntime().makeMacro(argNames, kwargNames, body);
      callables.add(macro);
      return macro;
    },
    inOperator(key: unknown, val: unknown): boolean {
      budget.tick();
      if (Array.isArray(val)) return val.indexOf(key) !== -1;
      if (typeof val === 'string') return val.indexOf(String(budget.checkString(key, 'the left side of in'))) !== -1;
      if (isPlainValue(val) && typeof val === 'object' && val !== null) return Object.hasOwn(val, String(key));
      throw new Error(`Cannot use "in" operator to search for "${String(key)}" in unexpected types.`);
    },
    fromIterator(arr: unknown): unknown {
      budget.tick();
      budget.checkString(arr, 'a loop over a string');
      if (typeof arr === 'function') throw new TemplateSandboxError('a function cannot be looped over');
      return guard(arr, 'the loop value', callables);
    },
  };
}

export type SandboxRuntime = ReturnType<typeof makeRuntime>;
export type SandboxFrame = InstanceType<SandboxRuntime['Frame']>;
