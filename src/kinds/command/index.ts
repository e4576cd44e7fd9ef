/**
 * Kind `Command` (OpenDCP 远程命令): typed parameters and a shell line or a script. A declaration; its body is
 * rendered per node by the pool that runs it, and checked at load time by the templates that use it.
 */
import { createDeclarationKind } from '../shared/declaration.js';
import type { KindModule } from '../types.js';
import { problemAt } from '../shared/problem.js';
import { isBuiltinStep, type CommandSpec } from '../task-template/public.js';

const RESERVED = ['pool', 'service', 'node'];

/** The Command kind. */
export const commandKind: KindModule<CommandSpec> = {
  ...createDeclarationKind<CommandSpec>({
    kind: 'Command',
    schemaId: 'https://driftless.dev/schemas/command.schema.json',
    order: 1,
  }),
  validate(res) {
    const problems = Object.keys(res.spec.params ?? {})
      .filter((p) => RESERVED.includes(p))
      .map((p) => problemAt(res, `parameter ${p} is reserved (driftless provides ${RESERVED.join(', ')} to every command)`));
    // Names may hold '_' (OpenDCP's), so a Command could now be named like a built-in step: a template would be ambiguous.
    if (isBuiltinStep(res.metadata.name)) problems.push(problemAt(res, `${res.metadata.name} is a built-in step name; a Command may not shadow it`));
    return problems;
  },
};
