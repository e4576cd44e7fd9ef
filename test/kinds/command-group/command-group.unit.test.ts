/** Kind CommandGroup: references its Commands, refuses built-in names and repeated commands. */
import { describe, expect, it } from 'vitest';
import { commandGroupKind } from '../../../src/kinds/command-group/index.js';
import type { CommandGroupSpec } from '../../../src/kinds/task-template/spec.js';
import { sharedSchemaRegistry } from '../../../src/loader/index.js';
import { API_VERSION, type Resource } from '../../../src/model/resource.js';
import { createResourceIndex } from '../../../src/reconcile/runtime.js';

const res = (name: string, commands: string[]): Resource<CommandGroupSpec> => ({
  apiVersion: API_VERSION,
  kind: 'CommandGroup',
  metadata: { name },
  spec: { commands },
  source: { file: 'g.yaml', line: 1, col: 1 },
});

describe('command group', () => {
  it('depends on each command, in order, at its own path', () => {
    expect(commandGroupKind.dependencies(res('g', ['a', 'b']))).toEqual([
      { kind: 'Command', name: 'a', path: '/spec/commands/0' },
      { kind: 'Command', name: 'b', path: '/spec/commands/1' },
    ]);
  });

  it.each([
    ['a clean group', res('deploy-app', ['a', 'b']), []],
    ['a built-in name', res('register', ['a']), ['CommandGroup/register: register is a built-in step name; a CommandGroup may not shadow it']],
    ['a repeated command', res('g', ['a', 'b', 'a']), ['CommandGroup/g: Command/a is listed twice']],
  ])('%s', (_name, r, messages) => {
    expect(commandGroupKind.validate?.(r, createResourceIndex([]))?.map((p) => p.message)).toEqual(messages);
  });

  it('needs at least one command', () => {
    expect(sharedSchemaRegistry().validate(commandGroupKind.schemaId, { commands: [] }).length).toBeGreaterThan(0);
  });
});
