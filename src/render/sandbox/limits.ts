/**
 * Bounds of one render. A template is author text: without bounds `{% for a in range(1e9) %}` or a string doubled
 * sixty times would hold the daemon's event loop or memory. Counting operations (not only the clock) makes the
 * refusal deterministic: the same template fails the same way on every machine.
 */

export interface RenderLimits {
  /** Characters written to all output buffers of one render (macro and capture buffers included). */
  maxOutput: number;
  /** Characters of any one string a template stores, passes to a filter or gets back from one. */
  maxString: number;
  /** Runtime operations (variable sets, lookups, calls, writes) of one render. */
  maxOps: number;
  /** Wall-clock budget of one render, checked every 1024 operations. */
  maxMillis: number;
  /** Items `range()` may make. */
  maxRange: number;
  /** Nesting of macro calls (a recursive macro stops here). */
  maxCallDepth: number;
  /** Nesting of include/import/extends. */
  maxTemplateDepth: number;
  /** Characters of one template's source. */
  maxSource: number;
  /** `+`/`~` operators in one expression: bounds the string one expression can build before it is checked. */
  maxConcatPerExpression: number;
  /** Numeric arguments of filters that size their output (indent, center, batch, slice, truncate). */
  maxFilterNumber: number;
}

export const DEFAULT_LIMITS: Readonly<RenderLimits> = Object.freeze({
  maxOutput: 4 * 1024 * 1024,
  maxString: 1024 * 1024,
  maxOps: 250_000,
  maxMillis: 2_000,
  maxRange: 10_000,
  maxCallDepth: 64,
  maxTemplateDepth: 16,
  maxSource: 1024 * 1024,
  maxConcatPerExpression: 64,
  maxFilterNumber: 10_000,
});

/** A template tried to leave the sandbox or to pass a bound; the render stops. */
export class TemplateSandboxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateSandboxError';
  }
}

/** The counters of one render. */
export class RenderBudget {
  private ops = 0;
  private written = 0;
  private readonly deadline: number;
  depth = 0;
  templateDepth = 0;

  constructor(readonly limits: RenderLimits) {
    this.deadline = Date.now() + limits.maxMillis;
  }

  /** Counts one operation; throws once the count or (checked every 1024) the clock runs out. */
  tick(): void {
    this.ops++;
    if (this.ops > this.limits.maxOps) throw new TemplateSandboxError(`the template ran more than ${this.limits.maxOps} operations`);
    if ((this.ops & 1023) === 0 && Date.now() > this.deadline) {
      throw new TemplateSandboxError(`the template ran longer than ${this.limits.maxMillis} ms`);
    }
  }

  /** Counts characters written to an output buffer. */
  write(chars: number): void {
    this.tick();
    this.written += chars;
    if (this.written > this.limits.maxOutput) throw new TemplateSandboxError(`the template wrote more than ${this.limits.maxOutput} characters`);
  }

  /** Throws if `v` is a string longer than maxString; returns it. */
  checkString<T>(v: T, what: string): T {
    if (typeof v === 'string' && v.length > this.limits.maxString) {
      throw new TemplateSandboxError(`${what} is a string of ${v.length} characters, over the limit of ${this.limits.maxString}`);
    }
    return v;
  }
}
