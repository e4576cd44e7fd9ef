/**
 * Logic-less substitution for command lines (Command `shell`/`script`, Pool `healthCheck.command`): `{{ name }}`
 * and `{{ node.host }}` are replaced by the value found through OWN properties of plain data, and that is all. No
 * filters, expressions, calls, tags or comments: a command is author text that runs on hosts, and a template
 * language there was a way into the daemon itself (`{{ range.constructor("...")() }}`). `{% raw %}...{% endraw %}`
 * is kept as the one way to write a literal `{{` (docker's `--format '{{.State.Status}}'`).
 * Errors name the line and column, which the loader reports at the resource.
 */
import { FORBIDDEN_NAMES } from './sandbox/data.js';

/** A command text that is not plain substitution, or names a value that is not there. */
export class SubstitutionError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`render template string: [Line ${line}, Column ${column}] ${message}`);
    this.name = 'SubstitutionError';
  }
}

const NAME = /^\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*$/;
const RAW = /^\{%-?\s*raw\s*-?%\}/;

function position(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

/** The value at a dotted path, through own properties only; undefined when any step is missing. */
function lookup(vars: object, path: string): unknown {
  let v: unknown = vars;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** Replaces every `{{ name }}` in `text` with its value from `vars`; throws SubstitutionError on anything else. */
export function substitute(text: string, vars: object): string {
  const OPEN = /\{[{%#]/g;
  const END_RAW = /\{%-?\s*endraw\s*-?%\}/g;
  let out = '';
  let at = 0;
  for (let m = OPEN.exec(text); m; m = OPEN.exec(text)) {
    const start = m.index;
    const fail = (message: string): never => {
      const { line, column } = position(text, start);
      throw new SubstitutionError(message, line, column);
    };
    out += text.slice(at, start);
    if (m[0] !== '{{') {
      const raw = RAW.exec(text.slice(start));
      if (!raw) fail(`"${m[0]}" is not allowed in a command: commands substitute {{ name }} only`);
      END_RAW.lastIndex = start + raw![0].length;
      const end = END_RAW.exec(text);
      if (!end) fail('{% raw %} without {% endraw %}');
      out += text.slice(start + raw![0].length, end!.index);
      at = OPEN.lastIndex = end!.index + end![0].length;
      continue;
    }
    const close = text.indexOf('}}', start + 2);
    if (close < 0) fail('"{{" without "}}"');
    const inner = text.slice(start + 2, close);
    const name = NAME.exec(inner)?.[1];
    if (!name) fail(`{{${inner}}} is not a name: commands substitute {{ name }} and {{ a.b }} only (no filters, expressions or calls)`);
    const forbidden = name!.split('.').find((p) => FORBIDDEN_NAMES.has(p));
    if (forbidden) fail(`access to "${forbidden}" is not allowed`);
    const value = lookup(vars, name!);
    if (value === undefined || value === null) fail(`${name!} is undefined`);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') fail(`${name!} is not a string, number or boolean`);
    out += String(value);
    at = OPEN.lastIndex = close + 2;
  }
  return out + text.slice(at);
}
