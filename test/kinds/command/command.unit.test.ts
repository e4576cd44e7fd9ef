/** Kind Command: schema (one-line shell or script, typed params), reserved parameter names, declaration diff. */
import { describe, expect, it } from 'vitest';
import { commandKind } from '../../../src/kinds/command/index.js';
import type { CommandSpec } from '../../../src/kinds/task-template/spec.js';
import { sharedSchemaRegistry } from '../../../src/loader/index.js';
import { API_VERSION, type Resource } from '../../../src/model/resource.js';
import { createResourceIndex } from '../../../src/reconcile/runtime.js';

const res = (spec: CommandSpec): Resource<CommandSpec> => ({
  apiVersion: API_VERSION,
  kind: 'Command',
  metadata: { name: 'cmd' },
  spec,
  source: { file: 'c.yaml', line: 3, col: 1 },
});

describe('command schema', () => {
  const schemas = sharedSchemaRegistry();
  it.each([
    ['a shell line', { shell: 'echo {{ x }}', params: { x: { type: 'string' } } }, true],
    ['a script', { script: 'set -e\necho hi\n' }, true],
    ['both', { shell: 'echo', script: 'echo' }, false],
    ['neither', { params: {} }, false],
    ['a multi-line shell', { shell: 'echo a\necho b' }, false],
    ['an unknown param type', { shell: 'echo', params: { x: { type: 'list' } } }, false],
    ['a bad param name', { shell: 'echo', params: { 'a-b': { type: 'string' } } }, false],
  ])('%s valid: %s', (_name, spec, valid) => {
    expect(schemas.validate(commandKind.schemaId, structuredClone(spec)).length === 0).toBe(valid);
  });
  it('fills the default timeout', () => {
    const spec: Record<string, unknown> = { shell: 'echo' };
    schemas.validate(commandKind.schemaId, spec);
    expect(spec.timeout).toBe('5m');
  });
});

describe('command validate', () => {
  it('rejects parameters that would hide the values driftless provides', () => {
    const problems = commandKind.validate?.(res({ shell: 'echo', params: { node: { type: 'string' }, ok: { type: 'string' } } }), createResourceIndex([]));
    expect(problems).toEqual([
      { file: 'c.yaml', line: 3, col: 1, message: 'Command/cmd: parameter node is reserved (driftless provides pool, service, node to every command)' },
    ]);
  });

  it('is a declaration: a new one plans create', () => {
    expect(commandKind.diff(res({ shell: 'echo' }), undefined).action).toBe('create');
  });
});
