/**
 * The template sandbox against the known nunjucks escapes: each payload is author text that, rendered by nunjucks
 * itself, runs code in the daemon (writes a marker file here) or reads its environment. Each must fail closed with
 * a clear error and do nothing. Also the bombs (loops, doubling strings, huge filter widths, recursion) and the
 * ways out of templates/ through include.
 */
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nunjucks from 'nunjucks';
import { afterEach, describe, expect, it } from 'vitest';
import { createRenderer } from '../../src/render/index.js';
import { tempDir } from '../harness/tmp.js';

const dir = tempDir('sandbox');
const marker = join(dir, 'pwned');
const SECRET = 'sandbox-secret-7f3a';
process.env.DRIFTLESS_SANDBOX_TEST_SECRET = SECRET;

/** JavaScript that, if it ever runs, leaves the marker file. */
const js = `process.getBuiltinModule('fs').writeFileSync('${marker}', 'ran')`;
const renderer = createRenderer();

afterEach(() => {
  expect(existsSync(marker), 'the payload ran').toBe(false);
});

function refused(source: string, context: object = {}, message: RegExp = /./): string {
  let text: string | undefined;
  let error: Error | undefined;
  try {
    text = renderer.renderString(source, context);
  } catch (err) {
    error = err as Error;
  }
  expect(text, `rendered: ${JSON.stringify(text)}`).toBeUndefined();
  expect(error?.message).toMatch(/^render template string: /);
  expect(error?.message).toMatch(message);
  expect(error?.message).not.toContain(SECRET);
  return error!.message;
}

describe('nunjucks escapes fail closed', () => {
  it.each([
    ['range.constructor', `{{ range.constructor("${js}")() }}`],
    ['range["constructor"]', `{{ range["constructor"]("${js}")() }}`],
    ['a computed constructor', `{{ range["constr" ~ "uctor"]("${js}")() }}`],
    ['cycler.constructor', `{{ cycler.constructor("${js}")() }}`],
    ['joiner.constructor', `{{ joiner.constructor("${js}")() }}`],
    ['constructor.constructor', `{{ constructor.constructor("${js}")() }}`],
    ['"".constructor.constructor', `{{ "".constructor.constructor("${js}")() }}`],
    ['a string method', `{{ "x".toString.constructor("${js}")() }}`],
    ['[].map.constructor', `{{ [].map.constructor("${js}")() }}`],
    ['a set of range.constructor', `{% set f = range.constructor %}{{ f("${js}")() }}`],
    ['a set of a computed constructor', `{% set k = "constructor" %}{% set f = range[k] %}{{ f("${js}")() }}`],
    ['({}).__proto__', `{{ ({}).__proto__ }}`],
    ['x.__proto__.polluted', `{% set x = {} %}{{ x.__proto__.polluted }}`],
    ['a __proto__ key', `{% set x = {"__proto__": {"polluted": 1}} %}{{ x.polluted }}`],
    ['a macro constructor', `{% macro m() %}{% endmacro %}{{ m.constructor("${js}")() }}`],
    ['a macro result constructor', `{% macro m() %}x{% endmacro %}{{ m()["constructor"]["constructor"]("${js}")() }}`],
    ['a loop object', `{% for i in [1] %}{{ loop["constr" ~ "uctor"]["constr" ~ "uctor"]("${js}")() }}{% endfor %}`],
    ['code in a symbol name', '{{ x"&Function`' + js.replace(/[.=()' ,]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`) + '```&" }}'],
    ['a caller', `{% macro m() %}{{ caller.constructor("${js}")() }}{% endmacro %}{% call m() %}{% endcall %}`],
    ['a filter reaching a function', `{{ ([range] | first).constructor("${js}")() }}`],
    ['groupby constructor', `{{ [{"a": 1}] | groupby("constructor") | dump }}`],
    ['sort by constructor', `{{ [{"a": 1}, {"a": 2}] | sort(false, false, "constructor") | dump }}`],
    ['selectattr constructor', `{{ ["a"] | selectattr("constructor") | dump }}`],
    ['join attribute constructor', `{{ ["a"] | join(",", "constructor") }}`],
    ['a test with a symbol name', `{{ 1 is odd"&Function\`\`\`&" }}`],
    ['an extension tag', `{% asyncEach x in [1] %}{{ x }}{% endeach %}`],
    ['a regular expression', `{{ "abc" | replace(r/b/g, "x") }}`],
  ])('%s', (_name, source) => {
    refused(source);
  });

  it.each([
    ['lipsum', '{{ lipsum() }}'],
    ['self', '{{ self.__init__ }}'],
    ['this', '{{ this }}'],
    ['process', '{{ process.env.DRIFTLESS_SANDBOX_TEST_SECRET }}'],
    ['global', '{{ global.process.env.DRIFTLESS_SANDBOX_TEST_SECRET }}'],
    ['globalThis', '{{ globalThis.process.env.DRIFTLESS_SANDBOX_TEST_SECRET }}'],
    ['env through a function', `{{ range.constructor("return process.env.DRIFTLESS_SANDBOX_TEST_SECRET")() }}`],
  ])('has no %s', (_name, source) => {
    refused(source);
  });

  it('names the refused access and where it is', () => {
    expect(refused(`\n  {{ range.constructor("${js}")() }}`)).toMatch(/\[Line 2, Column \d+\].*access to "constructor" is not allowed/);
    expect(refused('{% set k = "__proto__" %}{{ {}[k] }}')).toMatch(/access to "__proto__" is not allowed/);
    expect(refused('{{ vars.x.upper() }}', { vars: { x: 'a' } })).toMatch(/Unable to call/);
  });

  it('refuses a context that is not plain data', () => {
    expect(() => renderer.renderString('{{ f }}', { f: () => 1 })).toThrow(/context.f is a function, not plain data/);
    expect(() => renderer.renderString('{{ d }}', { d: new Date() })).toThrow(/context.d is a Date/);
  });
});

describe('includes stay in templates/', () => {
  it.each([
    ['a relative escape', '{% include "../../../../../../../etc/passwd" %}', /outside the templates directory/],
    ['an absolute name', '{% include "/etc/passwd" %}', /absolute names are not allowed/],
    ['a computed name', '{% include "/etc/" ~ "passwd" %}', /absolute names are not allowed/],
    ['an import', '{% import "/etc/passwd" as p %}', /absolute names are not allowed/],
    ['an extends', '{% extends "../package.json" %}', /outside the templates directory/],
  ])('%s', (_name, source, message) => {
    refused(source, {}, message);
  });

  it('does not follow a link out of the directory', () => {
    const root = join(dir, 'templates');
    mkdirSync(join(root, 'nginx'), { recursive: true });
    writeFileSync(join(dir, 'outside.njk'), 'secret file');
    symlinkSync(join(dir, 'outside.njk'), join(root, 'nginx', 'link.njk'));
    writeFileSync(join(root, 'nginx', 'ok.njk'), 'ok {{ x }}');
    const own = createRenderer(root);
    expect(own.renderString('{% include "nginx/ok.njk" %}', { x: 1 })).toBe('ok 1');
    expect(() => own.renderString('{% include "nginx/link.njk" %}', {})).toThrow(/outside the templates directory/);
    expect(() => own.render('nginx/link.njk', {})).toThrow(/outside the templates directory/);
  });

  it('still includes the project partials', () => {
    expect(renderer.renderString('{% include "nginx/partials/events.njk" %}', { vars: { workerConnections: 7 } })).toContain('worker_connections 7;');
  });
});

describe('bombs stop at a bound', () => {
  it.each([
    ['range(1e9)', '{% for a in range(1000000000) %}x{% endfor %}', /range\(\) of more than 10000 items is over the limit/],
    ['nested loops', '{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}', /more than 250000 operations/],
    ['a doubling string', '{% set s = "x" %}{% for i in range(60) %}{% set s = s ~ s %}{% endfor %}{{ s }}', /over the limit of 1048576/],
    ['a huge indent', '{{ "x\ny" | indent(1000000000) }}', /indent: 1000000000 is over the limit/],
    ['a huge center', '{{ "x" | center(1000000000) }}', /center: 1000000000 is over the limit/],
    ['a huge batch', '{{ [1] | batch(1000000000, "x") | length }}', /batch: 1000000000 is over the limit/],
    ['a dict posing as a long list', '{{ {"length": 1000000000} | batch(1) | length }}', /a dict with a length of 1000000000 is not a list/],
    ['a recursive macro', '{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}', /macros nested deeper than 64/],
    ['a long replace', '{% set s = "x" | indent(1, true) %}{% for i in range(30) %}{% set s = s | replace("x", "xx") %}{% endfor %}', /over the limit of 1048576/],
    ['a long output', '{% for i in range(10000) %}' + 'x'.repeat(1000) + '{% endfor %}', /wrote more than 4194304 characters/],
    ['a long join', '{% set s = "x" %}{% for i in range(20) %}{% set s = s ~ s %}{% endfor %}{{ [s, s, s] | join }}', /join would make a string/],
    ['a long expression', `{{ ${Array.from({ length: 70 }, () => '"x"').join(' ~ ')} }}`, /at most 64 \+ or ~/],
  ])('%s', (_name, source, message) => {
    refused(source, {}, message);
  });
});

describe('the template features configs use still render', () => {
  /** nunjucks itself, configured as the renderer was before the sandbox: the reference for identical output. */
  const plain = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true, trimBlocks: true, lstripBlocks: true });

  it('runs the payload under plain nunjucks (why the sandbox exists)', () => {
    const ran = join(dir, 'ran-under-nunjucks');
    plain.renderString(`{{ range.constructor("process.getBuiltinModule('fs').writeFileSync('${ran}', 'ran'); return 'x'")() }}`, {});
    expect(existsSync(ran)).toBe(true);
  });

  it.each([
    [
      'loops, conditions, macros, filters',
      [
        '{% macro srv(s) %}server {{ s.address }}{% if s.weight != 1 %} weight={{ s.weight }}{% endif %};{% endmacro %}',
        '{% for s in servers %}{{ srv(s) }}{{ "\\n" if not loop.last }}{% endfor %}',
        'listen {{ vars.listen | default(80) }}{{ " default_server" if vars.defaultServer | default(true) else "" }};',
        '{% for k, v in vars.headers %}{{ k }}={{ v | dump }};{% endfor %} {{ servers | length }} {{ range(3) | join(",") }} {{ unit.root ~ "/x" }}',
      ].join('\n'),
    ],
    ['arithmetic as nunjucks emits it', '{{ "x" ~ 1 + 2 }} {{ not 1 == 2 }} {{ 7 // 2 }} {{ 2 ** 10 }} {{ 7 % 3 }} {{ vars.n * 3 / 2 }} {{ "12" | int + 1 }}'],
    ['sets, captures, switch, call', '{% set y %}cap{{ 1 }}{% endset %}{{ y }}{% for x in [] %}{% else %}empty{% endfor %}{% switch 2 %}{% case 1 %}one{% case 2 %}two{% endswitch %}{% macro m() %}[{{ caller() }}]{% endmacro %}{% call m() %}in{% endcall %}'],
    ['list filters', '{{ servers | groupby("weight") | dump }} {{ servers | selectattr("weight") | length }} {{ servers | sum("weight") }} {{ servers | join(",", "address") }} {{ servers | sort(true, false, "weight") | dump }} {{ vars.headers | dictsort | dump }} {{ "b" in ["a", "b"] }} {{ 3 is odd }}'],
    ['string filters', '{{ "a-b" | replace("-", "+") }} {{ "abc" | center(9) }}|{{ "hello world" | truncate(5) }} {{ "ab" | list | dump }} {{ "x y" | urlencode }} {{ "x\ny" | indent(2) }} {{ " t " | trim | title }} {{ 3.14159 | round(2) }}'],
  ])('%s', (_name, source) => {
    const context = { servers: [{ address: 'a:1', weight: 1 }, { address: 'b:2', weight: 3 }], vars: { n: 5, headers: { X: 'y', A: 'b' } }, unit: { root: '/r' } };
    expect(renderer.renderString(source, context)).toBe(plain.renderString(source, context));
  });

  it('reports an undefined variable with its line and column', () => {
    expect(() => renderer.renderString('a\n  {{ vars.port }}', { vars: {} })).toThrow(/render template string: .*Line 2, Column 3.*undefined/);
  });
});
