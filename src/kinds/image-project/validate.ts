/**
 * Semantic checks the schema cannot express, run by the loader before anything is applied: port ranges in EXPOSE
 * strings, COPY steps without media, unparsable image references, a repository carrying a tag.
 */
import { parseReference } from '../../util/image-reference.js';
import type { Problem } from '../../model/plan.js';
import type { Resource } from '../../model/resource.js';
import { exposeProblem } from './render.js';
import type { ImageProjectSpec } from './spec.js';

export function validateImageProject(res: Resource<ImageProjectSpec>): Problem[] {
  const out: Problem[] = [];
  const at = (message: string): void => {
    out.push({ file: res.source.file, line: res.source.line, col: res.source.col, message: `${res.kind}/${res.metadata.name}: ${message}` });
  };
  const spec = res.spec;
  for (const [field, ref] of [['repository', spec.repository], ['baseImage', spec.baseImage]] as const) {
    try {
      const r = parseReference(ref);
      if (field === 'repository' && (r.tag !== undefined || r.digest !== undefined)) at(`spec.repository must not carry a tag or digest: ${ref}`);
    } catch (err) {
      at(`spec.${field}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if ('steps' in spec.dockerfile) {
    const steps = spec.dockerfile.steps;
    if (steps.length === 0) at('spec.dockerfile.steps is empty: nothing to build');
    steps.forEach((step, i) => {
      if ('EXPOSE' in step) {
        for (const e of step.EXPOSE) {
          const p = exposeProblem(e);
          if (p) at(`spec.dockerfile.steps[${i}]: ${p}`);
        }
      }
      if ('COPY' in step && !spec.media) at(`spec.dockerfile.steps[${i}]: COPY copies from the deployment media, but spec.media is not set`);
    });
  }
  return out;
}
