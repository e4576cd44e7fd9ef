/** Template resolution and command rendering: params, defaults, types, image passing, undefined variables. */
import { describe, expect, it } from 'vitest';
import {
  PLACEHOLDER_VARS,
  renderCommand,
  renderProblems,
  resolveSteps,
  type NodeVars,
} from '../../../src/kinds/shared/steps.js';
import type { CommandGroupSpec, CommandSpec, StepSpec } from '../../../src/kinds/task-template/spec.js';
import { API_VERSION, type Resource } from '../../../src/model/resource.js';
import { createResourceIndex } from '../../../src/reconcile/runtime.js';

const r = <S>(kind: string, name: string, spec: S): Resource<S> => ({
  apiVersion: API_VERSION,
  kind,
  metadata: { name },
  spec,
  source: { file: 'x.yaml', line: 1, col: 1 },
});

const index = createResourceIndex([
  r<CommandSpec>('Command', 'start-docker', { params: { host: { type: 'string' }, name: { type: 'string' }, tag: { type: 'string' } }, shell: 'docker run -d --net="{{host}}" --name {{name}} {{tag}}' }),
  r<CommandSpec>('Command', 'check-port', {
    params: { check_port: { type: 'integer' }, check_times: { type: 'integer', default: 30 } },
    script: 'TIMES={{check_times}}\nPORT={{check_port}}\necho {{ node.name }} on {{ node.host }}',
  }),
  r<CommandSpec>('Command', 'typo', { params: { word: { type: 'string' } }, shell: 'echo {{ wrod }}' }),
  r<CommandGroupSpec>('CommandGroup', 'start_service_java', { commands: ['start-docker'] }),
  r<CommandGroupSpec>('CommandGroup', 'check', { commands: ['check-port'] }),
  r<CommandGroupSpec>('CommandGroup', 'typo', { commands: ['typo'] }),
  r<CommandGroupSpec>('CommandGroup', 'dangling', { commands: ['nope'] }),
]);

const vars: NodeVars = { pool: 'web', service: 'api', image: 'reg:5000/api:2', node: { name: 'web-3', host: 'h1', address: '10.0.0.1', ordinal: 3 } };

function resolve(steps: StepSpec[]) {
  return resolveSteps(steps, index);
}

describe('resolveSteps', () => {
  it('keeps built-ins symbolic and fills defaults and retry', () => {
    const { steps, problems } = resolve([{ name: 'create_vm' }, { name: 'check', params: { check_port: 8080 }, retry: { times: 2 } }]);
    expect(problems).toEqual([]);
    expect(steps.map((s) => [s.name, s.builtin, s.retry])).toEqual([
      ['create_vm', 'create_vm', { times: 0, ignoreError: false }],
      ['check', undefined, { times: 2, ignoreError: false }],
    ]);
  });

  it.each([
    ['an unknown step', [{ name: 'nothing' }], 'step 1 (nothing): no built-in step and no CommandGroup named nothing'],
    ['a missing parameter', [{ name: 'check' }], 'step 1 (check): parameter check_port of Command/check-port has no value and no default'],
    ['a wrong type', [{ name: 'check', params: { check_port: '80' } }], 'step 1 (check): parameter check_port of Command/check-port must be integer, got "80"'],
    ['an undeclared parameter', [{ name: 'check', params: { check_port: 1, chek_times: 2 } }], 'step 1 (check): parameter chek_times is not declared by any command of CommandGroup/check'],
    ['a dangling command', [{ name: 'dangling' }], 'step 1 (dangling): CommandGroup/dangling names Command/nope, which is not declared'],
  ] as const)('reports %s', (_name, steps, message) => {
    expect(resolve([...steps] as StepSpec[]).problems).toEqual([message]);
  });
});

describe('renderCommand', () => {
  it('renders declared params, defaults and node values', () => {
    const { steps } = resolve([{ name: 'check', params: { check_port: 8080 } }]);
    const step = steps[0]!;
    expect(renderCommand(step, step.commands[0]!, vars)).toBe('TIMES=30\nPORT=8080\necho web-3 on h1');
  });

  it('gives a start_service* step the pool image as image and tag, over the template value', () => {
    const { steps, problems } = resolve([{ name: 'start_service_java', params: { host: 'host', name: 'my_server', tag: 'old:1 ' } }]);
    expect(problems).toEqual([]);
    const step = steps[0]!;
    expect(renderCommand(step, step.commands[0]!, vars)).toBe('docker run -d --net="host" --name my_server reg:5000/api:2');
  });

  it('throws on an undefined variable, naming the step and command', () => {
    const { steps } = resolve([{ name: 'typo', params: { word: 'hi' } }]);
    const step = steps[0]!;
    expect(() => renderCommand(step, step.commands[0]!, vars)).toThrow(/step typo, Command\/typo: .*wrod/);
    expect(renderProblems(steps)).toHaveLength(1);
  });

  it('does not give the image to other steps', () => {
    const idx = createResourceIndex([
      r<CommandSpec>('Command', 'img', { shell: 'echo {{ image }}' }),
      r<CommandGroupSpec>('CommandGroup', 'show', { commands: ['img'] }),
      r<CommandGroupSpec>('CommandGroup', 'start-service-show', { commands: ['img'] }),
    ]);
    const { steps } = resolveSteps([{ name: 'show' }, { name: 'start-service-show' }], idx);
    expect(renderProblems(steps.slice(0, 1))).toHaveLength(1);
    expect(renderCommand(steps[1]!, steps[1]!.commands[0]!, PLACEHOLDER_VARS)).toBe(`echo ${PLACEHOLDER_VARS.image}`);
  });
});
