/**
 * Pure diff of an ImageProject: the same input digest on the registry's image means no build at all; a missing
 * tag is a create; a different digest is an update that names which inputs moved. Input problems found while
 * observing (missing base image, empty steps, ...) surface as the task's reason so plan shows them.
 */
import type { DiffOutcome, FieldChange } from '../../model/plan.js';
import type { Resource } from '../../model/resource.js';
import type { ImageProjectObserved } from './observe.js';
import type { ImageProjectSpec } from './spec.js';

/** Reason string for tasks that cannot run until the spec (or the world) is fixed. */
export const INPUT_PROBLEM = 'InputProblem';

export function diffImageProject(desired: Resource<ImageProjectSpec>, observed: ImageProjectObserved | undefined): DiffOutcome {
  if (!observed) {
    return { action: 'create', changes: [{ path: 'image', after: desired.spec.repository }] };
  }
  const { inputs, image } = observed;
  if (inputs.problem) {
    return {
      action: image ? 'update' : 'create',
      reason: INPUT_PROBLEM,
      changes: [{ path: 'inputs', after: `${inputs.problem.reason}: ${inputs.problem.message}` }],
    };
  }
  if (!image) {
    const changes: FieldChange[] = [
      { path: 'image', after: inputs.ref },
      { path: 'inputDigest', after: inputs.digest },
    ];
    if (inputs.mediaCommit) changes.push({ path: 'mediaCommit', after: inputs.mediaCommit });
    return { action: 'create', changes };
  }
  if (image.inputDigest === inputs.digest) return { action: 'noop', changes: [] };
  const changes: FieldChange[] = [{ path: 'inputDigest', before: image.inputDigest, after: inputs.digest }];
  const pairs: [string, string | undefined, string | undefined][] = [
    ['mediaCommit', image.mediaCommit, inputs.mediaCommit],
    ['baseImageDigest', image.baseDigest, inputs.baseDigest],
    ['dockerfile', image.dockerfileDigest, inputs.dockerfileDigest],
    ['buildArgs', image.buildArgsDigest, inputs.buildArgsDigest],
  ];
  for (const [path, before, after] of pairs) if (before !== after) changes.push({ path, before, after });
  return { action: 'update', changes, ...(image.inputDigest === undefined ? { reason: 'NotBuiltByDriftless' } : {}) };
}
