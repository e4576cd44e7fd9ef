/**
 * Observed state of an ImageProject: the inputs as they are now (media commit, base digest, rendered Dockerfile
 * digest) and what the REGISTRY serves for the tag those inputs name, with the labels driftless put on it.
 */
import type { Resource } from '../../model/resource.js';
import type { Renderer } from '../../render/index.js';
import { onceInPlan } from '../shared/plan-memo.js';
import type { KindContext } from '../types.js';
import { registryAuthOf, resolveInputs, type ResolvedInputs } from './inputs.js';
import { LABELS, type ImageProjectSpec } from './spec.js';

/** The registry's image for the tag, reduced to what diff and health need. */
export interface ObservedImage {
  ref: string;
  /** Manifest digest the tag points at. */
  digest: string;
  inputDigest?: string;
  mediaCommit?: string;
  baseDigest?: string;
  dockerfileDigest?: string;
  buildArgsDigest?: string;
  created?: string;
}

export interface ImageProjectObserved {
  inputs: ResolvedInputs;
  /** Absent when the registry has no such tag (or inputs could not be resolved). */
  image?: ObservedImage;
}

/**
 * Observes inputs and the registry; throws only when it could not tell (network, registry down). Made once per plan
 * (onceInPlan): the project's own observe and every Pool following it share the answer.
 */
export function observeImageProject(res: Resource<ImageProjectSpec>, ctx: KindContext, renderer: Renderer): Promise<ImageProjectObserved> {
  return onceInPlan(ctx, `ImageProject/${res.metadata.name}`, () => observeNow(res, ctx, renderer));
}

async function observeNow(res: Resource<ImageProjectSpec>, ctx: KindContext, renderer: Renderer): Promise<ImageProjectObserved> {
  const { inputs } = await resolveInputs(res, ctx, { fetchMedia: false, renderer });
  if (inputs.problem || !inputs.ref) return { inputs };
  const manifest = await ctx.drivers.docker!.registryManifest(inputs.ref, await registryAuthOf(res.spec, ctx));
  if (!manifest) return { inputs };
  const l = manifest.labels;
  const image: ObservedImage = { ref: manifest.ref, digest: manifest.digest };
  const copy = (key: keyof ObservedImage, label: string): void => {
    if (l[label] !== undefined) (image as unknown as Record<string, string>)[key] = l[label]!;
  };
  copy('inputDigest', LABELS.inputDigest);
  copy('mediaCommit', LABELS.mediaCommit);
  copy('baseDigest', LABELS.baseDigest);
  copy('dockerfileDigest', LABELS.dockerfileDigest);
  copy('buildArgsDigest', LABELS.buildArgsDigest);
  if (manifest.created) image.created = manifest.created;
  return { inputs, image };
}
