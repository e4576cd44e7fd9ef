/**
 * Command substitution is logic-less: `{{ name }}` and `{{ a.b }}` over own properties of plain data, nothing
 * else. The template payloads that run code under nunjucks are errors here, with line and column.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { substitute, SubstitutionError } from '../../src/render/substitute.js';
import { tempDir } from '../harness/tmp.js';

const vars = { word: 'hi', port: 8080, on: true, node: { name: 'web-0', host: 'h1', address: '10.0.0.1', ordinal: 0 } };

describe('substitute', () => {
  it('replaces names and dotted names, with or without spaces', () => {
    expect(substitute('echo {{word}} {{ port }} {{ on }} on {{ node.host }} ({{node.ordinal}})', vars)).toBe('echo hi 8080 true on h1 (0)');
    expect(substitute('no braces at all: ${HOME} { x }', vars)).toBe('no braces at all: ${HOME} { x }');
  });

  it('keeps {% raw %} text literally, for docker --format strings', () => {
    expect(substitute("docker inspect -f '{% raw %}{{.State.Status}}{% endraw %}' {{ node.name }}", vars)).toBe("docker inspect -f '{{.State.Status}}' web-0");
  });

  it('renders the sample repo commands as nunjucks did', () => {
    const script = 'for i in $(seq 1 {{ check_times }}); do\n  timeout 1 bash -c "</dev/tcp/127.0.0.1/{{ check_port }}"\ndone';
    expect(substitute(script, { check_times: 30, check_port: 80 })).toBe('for i in $(seq 1 30); do\n  timeout 1 bash -c "</dev/tcp/127.0.0.1/80"\ndone');
  });

  it.each([
    ['an undefined name', 'echo {{ word }}\necho {{ colour }}', /\[Line 2, Column 6\] colour is undefined/],
    ['an undefined member', 'curl {{ node.adress }}', /\[Line 1, Column 6\] node.adress is undefined/],
    ['an inherited member', 'echo {{ word.length }}', /word.length is undefined/],
    ['toString', 'echo {{ toString }}', /toString is undefined/],
    ['constructor', '{{ constructor }}', /access to "constructor" is not allowed/],
    ['__proto__', '{{ node.__proto__ }}', /access to "__proto__" is not allowed/],
    ['an object', 'echo {{ node }}', /node is not a string, number or boolean/],
    ['a filter', 'echo {{ word | upper }}', /is not a name: commands substitute/],
    ['an expression', 'echo {{ port + 1 }}', /is not a name/],
    ['a call', '{{ range.constructor("process.exit(1)")() }}', /is not a name/],
    ['a tag', '{% set x = 1 %}', /"\{%" is not allowed in a command/],
    ['a comment', 'echo {# note #}', /"\{#" is not allowed in a command/],
    ['an unclosed brace', 'echo {{ word', /"\{\{" without "\}\}"/],
    ['an unclosed raw', '{% raw %}{{', /\{% raw %\} without \{% endraw %\}/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => substitute(text, vars)).toThrow(SubstitutionError);
    expect(() => substitute(text, vars)).toThrow(message);
  });

  it('never runs the nunjucks payloads', () => {
    const marker = join(tempDir('substitute'), 'pwned');
    const js = `process.getBuiltinModule('fs').writeFileSync('${marker}', 'ran')`;
    for (const payload of [`{{ range.constructor("${js}")() }}`, `{{ cycler.constructor("${js}")() }}`, `{% set x = range.constructor %}{{ x("${js}")() }}`]) {
      expect(() => substitute(payload, vars)).toThrow(SubstitutionError);
    }
    expect(existsSync(marker)).toBe(false);
  });
});
