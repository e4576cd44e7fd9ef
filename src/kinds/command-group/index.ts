/** Kind `CommandGroup` (OpenDCP 命令组): ordered Commands that run as one template step; a declaration. */
import { createDeclarationKind } from '../shared/declaration.js';
import type { KindModule } from '../types.js';
import { problemAt } from '../shared/problem.js';
import { isBuiltinStep, type CommandGroupSpec } from '../task-template/public.js';

/** The CommandGroup kind. */
export const commandGroupKind: KindModule<CommandGroupSpec> = {
  ...createDeclarationKind<CommandGroupSpec>({
    kind: 'CommandGroup',
    schemaId: 'https://driftless.dev/schemas/command-group.schema.json',
    order: 2,
    dependencies: (res) => res.spec.commands.map((name, i) => ({ kind: 'Command', name, path: `/spec/commands/${i}` })),
  }),
  validate(res) {
    const problems = [];
    if (isBuiltinStep(res.metadata.name)) {
      problems.push(problemAt(res, `${res.metadata.name} is a built-in step name; a CommandGroup may not shadow it`));
    }
    const dup = res.spec.commands.find((c, i) => res.spec.commands.indexOf(c) !== i);
    if (dup) problems.push(problemAt(res, `Command/${dup} is listed twice`));
    return problems;
  },
};
