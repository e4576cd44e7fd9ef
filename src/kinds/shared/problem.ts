/**
 * Placing a kind's validate() messages at the field they name: every kind's validation shares this, so it lives
 * beside the other cross-kind helpers rather than in one kind's module.
 */
import type { Problem } from '../../model/plan.js';
import type { Resource } from '../../model/resource.js';

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
