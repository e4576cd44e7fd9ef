/**
 * Kind `TaskTemplate` (OpenDCP 任务模板): ordered steps a pool runs on each node. A declaration: it changes nothing
 * by itself, but it is checked whole at load time — unknown steps, parameters no command declares, wrong types,
 * and commands that would render an undefined `{{param}}` — so a broken template never starts a flow.
 */
import type { Problem } from '../../model/plan.js';
import type { Resource } from '../../model/resource.js';
import { createDeclarationKind } from '../shared/declaration.js';
import type { KindModule } from '../types.js';
import { renderProblems, resolveSteps } from './resolve.js';
import { isBuiltinStep, type TaskTemplateSpec } from './spec.js';

/** The TaskTemplate kind: a declaration validated whole at load time. */
export const taskTemplateKind: KindModule<TaskTemplateSpec> = {
  ...createDeclarationKind<TaskTemplateSpec>({
    kind: 'TaskTemplate',
    schemaId: 'https://driftless.dev/schemas/task-template.schema.json',
    order: 3,
    dependencies: (res) =>
      res.spec.steps
        .map((s, i) => ({ s, i }))
        .filter(({ s }) => !isBuiltinStep(s.name))
        .map(({ s, i }) => ({ kind: 'CommandGroup', name: s.name, path: `/spec/steps/${i}/name` })),
  }),
  validate(res, all) {
    const { steps, problems } = resolveSteps(res.spec.steps, all);
    return [...problems, ...renderProblems(steps)].map((message) => problemAt(res, message));
  },
};

/**
 * A problem of a kind's validate(), placed at the field it is about when the message starts with one
 * (`healthCheck.command: ...`, `maxPerHost 2 ...`, `step 3 (name): ...`): the loader turns the pointer into that
 * field's line, or its nearest declared parent; other problems stay at the document.
 */
export function problemAt(res: Resource, message: string): Problem {
  const pointer = fieldPointer(res, message);
  return {
    file: res.source.file,
    line: res.source.line,
    col: res.source.col,
    message: `${res.kind}/${res.metadata.name}: ${message}`,
    ...(pointer ? { pointer } : {}),
  };
}

function fieldPointer(res: Resource, message: string): string | undefined {
  const step = /^step (\d+) \(/.exec(message);
  if (step) return `/spec/steps/${Number(step[1]) - 1}`;
  const path = /^([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)(?::| )/.exec(message)?.[1];
  const spec = res.spec as Record<string, unknown> | undefined;
  if (!path || !spec || typeof spec !== 'object' || !Object.hasOwn(spec, path.split('.')[0] as string)) return undefined;
  return `/spec/${path.split('.').join('/')}`;
}

export type { TaskTemplateSpec, StepSpec, CommandGroupSpec, CommandSpec } from './spec.js';
