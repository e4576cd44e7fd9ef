/**
 * What a pool's spec points at, resolved against the revision: its image, the steps of its
 * three flows, and the digest every current node carries. Used by validate (as problems), observe and apply.
 */
import { withSealedValuesHidden, type Resource } from '../../model/resource.js';
import { digestOf } from '../../util/digest.js';
import { renderProblems, resolveSteps, type ResolvedStep } from '../shared/steps.js';
import { DEFAULT_STEPS, type Flow, type TaskTemplateSpec } from '../task-template/public.js';
import type { ResourceIndex } from '../types.js';
import type { ImageProjectSpec } from '../image-project/public.js';
import type { PoolSpec } from './spec.js';
import { StalledError } from '../../errors.js';

/**
 * The image reference a pool names by itself: an external reference, or its ImageProject's repository with the
 * pinned tag. Throws when the project is not declared, and when the pool follows the project's builds (no pinned
 * tag): that image is only known from the registry, see image.ts.
 */
export function resolveImage(spec: PoolSpec, index: ResourceIndex): string {
  const image = spec.container.image;
  if (typeof image === 'string') return image;
  const project = followedProject(spec, index);
  if (!image.tag) throw new StalledError('ReferenceInvalid', `ImageProject/${image.project} is followed by build (no pinned tag): its image is known from the registry only`);
  return `${project.spec.repository}:${image.tag}`;
}

/** The ImageProject a pool takes its image from (throws when it is not declared). */
export function followedProject(spec: PoolSpec, index: ResourceIndex): Resource<ImageProjectSpec> {
  const image = spec.container.image;
  const name = typeof image === 'string' ? '' : image.project;
  const project = name ? index.get<ImageProjectSpec>('ImageProject', name) : undefined;
  if (!project) throw new StalledError('ReferenceInvalid', `ImageProject/${name} is not declared`);
  return project;
}

/** The digest nodes are labelled with: container spec + resolved image + service. Rollout knobs are not in it. */
export function nodeSpecDigest(res: Resource<PoolSpec>, image: string): string {
  return digestOf({ service: res.spec.service, container: withSealedValuesHidden(res.spec.container), image });
}

/** Resolved steps per flow. */
export type PoolFlows = Record<Flow, ResolvedStep[]>;

/**
 * The three flows' steps, with a check_health after start_service when a template forgot it. `templateProblems`
 * are the templates' own (reported at the TaskTemplate by its validate); `problems` are this pool's use of them.
 */
export function resolveFlows(
  spec: PoolSpec,
  index: ResourceIndex,
): { flows: PoolFlows; problems: string[]; templateProblems: string[] } {
  const problems: string[] = [];
  const templateProblems: string[] = [];
  const flows = {} as PoolFlows;
  for (const flow of ['expand', 'shrink', 'deploy'] as const) {
    const name = spec.tasks?.[flow];
    const tpl = name ? index.get<TaskTemplateSpec>('TaskTemplate', name) : undefined;
    if (name && !tpl) {
      problems.push(`tasks.${flow}: TaskTemplate/${name} is not declared`);
      flows[flow] = [];
      continue;
    }
    const { steps, problems: found } = resolveSteps(tpl?.spec.steps ?? DEFAULT_STEPS[flow], index);
    const where = name ? `tasks.${flow} (TaskTemplate/${name})` : `tasks.${flow}`;
    templateProblems.push(...[...found, ...renderProblems(steps)].map((p) => `${where}: ${p}`));
    problems.push(...shapeProblems(flow, steps).map((p) => `${where}: ${p}`));
    flows[flow] = withHealthCheck(steps);
  }
  return { flows, problems, templateProblems };
}

/** OpenDCP's template rules, plus what the reconciler needs to find the node afterwards. */
function shapeProblems(flow: Flow, steps: ResolvedStep[]): string[] {
  const names = steps.map((s) => s.name);
  const out: string[] = [];
  if (flow !== 'shrink' && !names.includes('start_service')) out.push(`the ${flow} template must contain start_service`);
  if (flow !== 'expand' && !names.includes('stop_service')) out.push(`the ${flow} template must contain stop_service`);
  if (flow === 'deploy' && names.indexOf('stop_service') > names.indexOf('start_service')) {
    out.push('stop_service must come before start_service');
  }
  if (names.includes('create_vm') && (flow !== 'expand' || names[0] !== 'create_vm')) out.push('create_vm may only be the first step of an expand template');
  if (names.includes('return_vm') && (flow !== 'shrink' || names[names.length - 1] !== 'return_vm')) out.push('return_vm may only be the last step of a shrink template');
  return out;
}

function withHealthCheck(steps: ResolvedStep[]): ResolvedStep[] {
  const start = steps.findIndex((s) => s.builtin === 'start_service');
  if (start < 0 || steps.some((s) => s.builtin === 'check_health')) return steps;
  const check: ResolvedStep = { name: 'check_health', builtin: 'check_health', commands: [], params: {}, retry: { times: 0, ignoreError: false }, receivesImage: false };
  return [...steps.slice(0, start + 1), check, ...steps.slice(start + 1)];
}
