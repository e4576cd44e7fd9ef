/**
 * Kind `TaskTemplate` (OpenDCP 任务模板): ordered steps a pool runs on each node. A declaration: it changes nothing
 * by itself, but it is checked whole at load time — unknown steps, parameters no command declares, wrong types,
 * and commands that would render an undefined `{{param}}` — so a broken template never starts a flow.
 */
import { createDeclarationKind } from '../shared/declaration.js';
import type { KindModule } from '../types.js';
import { problemAt } from '../shared/problem.js';
import { renderProblems, resolveSteps } from '../shared/steps.js';
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

export type { TaskTemplateSpec, StepSpec, CommandGroupSpec, CommandSpec } from './spec.js';
