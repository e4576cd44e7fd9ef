/**
 * The filters and tests a sandboxed template may use: nunjucks' own (so configs render as before), each wrapped so
 * that its arguments are plain data of bounded size, numbers that size its output are capped, attribute names are
 * read as OWN properties (never `constructor`), and its result is plain data again. Left out: `random` (a config
 * must render the same twice), `striptags` and `urlize` (HTML helpers whose regular expressions can be made slow).
 */
import { FORBIDDEN_NAMES, isPlainObject, ownGet, textSize } from './data.js';
import { TemplateSandboxError, type RenderBudget } from './limits.js';
import { njFilters, njRuntime, njTests, type NjFunction } from './nunjucks-internals.js';
import { guard, type Callables } from './runtime.js';

const LEFT_OUT = new Set(['random', 'striptags', 'urlize']);

function attrName(attr: unknown, filter: string): string {
  if (typeof attr !== 'string' && typeof attr !== 'number') throw new TemplateSandboxError(`${filter}: the attribute must be a name`);
  const name = String(attr);
  for (const part of name.split('.')) {
    if (FORBIDDEN_NAMES.has(part)) throw new TemplateSandboxError(`${filter}: access to "${part}" is not allowed in templates`);
  }
  return name;
}

const ownPath = (item: unknown, path: string): unknown => path.split('.').reduce<unknown>((v, part) => ownGet(v, part), item);

/** Table of a template's filters and tests, bound to one render's budget. */
export function makeFilters(budget: RenderBudget, callables: Callables) {
  const tests: Record<string, NjFunction> = Object.create(null) as Record<string, NjFunction>;
  const filters: Record<string, NjFunction> = Object.create(null) as Record<string, NjFunction>;
  const limits = budget.limits;
  const getTest = (name: unknown): NjFunction => {
    if (typeof name !== 'string' || !Object.hasOwn(tests, name)) throw new Error(`test not found: ${String(name)}`);
    return tests[name]!;
  };
  /** What nunjucks' filters read from `this`: only the option and the tests. */
  const self = Object.freeze({ env: Object.freeze({ opts: Object.freeze({ throwOnUndefined: true }), getTest }) });
  const number = (name: string, v: unknown, max = limits.maxFilterNumber): void => {
    if (typeof v === 'number' && Math.abs(v) > max) throw new TemplateSandboxError(`${name}: ${v} is over the limit of ${max}`);
  };
  const size = (name: string, n: number): void => {
    if (n > limits.maxString) throw new TemplateSandboxError(`${name} would make a string of about ${n} characters, over the limit of ${limits.maxString}`);
  };

  const checks: Record<string, (args: unknown[]) => void> = {
    indent: ([s, width]) => {
      number('indent', width);
      const text = String(s ?? '');
      size('indent', text.length + (text.split('\n').length * (typeof width === 'number' ? width : 4)));
    },
    center: ([, width]) => number('center', width),
    truncate: ([, length]) => number('truncate', length, limits.maxString),
    batch: ([, count]) => number('batch', count),
    slice: ([, count]) => number('slice', count),
    join: ([arr, sep]) => {
      const n = Array.isArray(arr) ? arr.length : 0;
      size('join', textSize(arr, limits.maxString) + n * String(sep ?? '').length);
    },
    dump: ([obj, spaces]) => {
      number('dump', spaces, 10);
      const indent = typeof spaces === 'number' ? spaces : typeof spaces === 'string' ? Math.min(spaces.length, 10) : 0;
      size('dump', textSize(obj, limits.maxString, indent));
    },
    replace: ([s, old, repl]) => {
      if (typeof s !== 'string' || typeof old !== 'string') return;
      const count = old === '' ? s.length + 1 : s.split(old).length - 1;
      size('replace', s.length + count * String(repl ?? '').length);
    },
  };

  const own: Record<string, NjFunction> = {
    selectattr: (arr, attr) => (Array.isArray(arr) ? arr.filter((item) => !!ownGet(item, attrName(attr, 'selectattr'))) : []),
    rejectattr: (arr, attr) => (Array.isArray(arr) ? arr.filter((item) => !ownGet(item, attrName(attr, 'rejectattr'))) : []),
    join: (arr, sep, attr) => njFilters().join!(attr ? (arr as unknown[]).map((v) => ownGet(v, attrName(attr, 'join'))) : arr, sep),
    sum: (arr, attr, start) => njFilters().sum!(attr ? (arr as unknown[]).map((v) => ownGet(v, attrName(attr, 'sum'))) : arr, undefined, start),
    groupby: (arr, attr) => {
      const name = attrName(attr, 'groupby');
      const out: Record<string, unknown[]> = {};
      for (const item of arr as unknown[]) {
        const key = ownPath(item, name);
        if (key === undefined) throw new TypeError(`groupby: attribute "${name}" resolved to undefined`);
        const k = String(key);
        if (!Object.hasOwn(out, k)) Object.defineProperty(out, k, { value: [], enumerable: true, writable: true, configurable: true });
        out[k]!.push(item);
      }
      return out;
    },
  };

  for (const [name, fn] of Object.entries(njTests())) {
    tests[name] = (...args: unknown[]) => {
      budget.tick();
      return fn.apply(self, args);
    };
  }
  for (const [name, fn] of Object.entries(njFilters())) {
    if (LEFT_OUT.has(name)) continue;
    const impl = own[name] ?? fn;
    const check = checks[name];
    filters[name] = (...args: unknown[]) => {
      budget.tick();
      args.forEach((a, i) => {
        budget.checkString(a, `argument ${i + 1} of filter ${name}`);
        if (typeof a === 'function') throw new TemplateSandboxError(`filter ${name}: a function cannot be an argument`);
        // nunjucks' list filters loop to `.length`: a dict claiming a billion items would hold the event loop.
        const length = isPlainObject(a) ? a.length : undefined;
        if (typeof length === 'number' && length > limits.maxRange) throw new TemplateSandboxError(`filter ${name}: a dict with a length of ${length} is not a list`);
      });
      if (name === 'sort' && args.length > 3) attrName(args[3], 'sort');
      check?.(args);
      let out = impl.apply(self, args);
      if (out instanceof njRuntime().SafeString) out = String(out);
      budget.checkString(out, `the result of filter ${name}`);
      return guard(out, `the result of filter ${name}`, callables);
    };
  }
  const getFilter = (name: unknown): NjFunction => {
    if (typeof name !== 'string' || !Object.hasOwn(filters, name)) {
      throw new Error(LEFT_OUT.has(String(name)) ? `filter ${String(name)} is not available in driftless templates` : `filter not found: ${String(name)}`);
    }
    return filters[name]!;
  };
  return { getFilter, getTest };
}
