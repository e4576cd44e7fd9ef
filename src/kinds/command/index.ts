/**
 * Kind `Command` (OpenDCP 远程命令): typed parameters and a shell line or a script. A declaration; its body is
 * rendered per node by the pool that runs it, and checked at load time by the templates that use it.
 */
import { createDeclarationKind } from '../shared/declaration.js';
import type { KindModule } from '../types.js';
import { problemAt } from '../task-template/index.js';
import type { CommandSpec } from '../task-template/spec.js';

const RESERVED = ['pool', 'service', 'node'];

/** The Command kind. */
export const commandKind: KindModule<CommandSpec> = {
  ...createDeclarationKind<CommandSpec>({
    kind: 'Command',
    schemaId: 'https://driftless.dev/schemas/command.schema.json',
    order: 1,
  }),
  validate(res) {
    return Object.keys(res.spec.params ?? {})
      .filter((p) => RESERVED.includes(p))
      .map((p) => problemAt(res, `parameter ${p} is reserved (driftless provides ${RESERVED.join(', ')} to every command)`));
  },
};
