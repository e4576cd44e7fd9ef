/**
 * What an ImageProject has built for its CURRENT inputs, for consumers that run the image (a Pool without a pinned
 * tag). A project that tags by media commit cannot be named before its media is known, and a fixed tag may be
 * overwritten by a rebuild, so a consumer asks here: the registry's manifest digest when the image for the inputs
 * as they are now is pushed, else the tag that will be built (so a plan can show the change before the build).
 */
import type { Resource } from '../../model/resource.js';
import { createRenderer, type Renderer } from '../../render/index.js';
import type { KindContext } from '../types.js';
import { observeImageProject } from './observe.js';
import type { ImageProjectSpec } from './spec.js';

/** The project's image for its current inputs: built (with the digest to run) or not yet (with why). */
export type ProjectBuild =
  | { built: true; repository: string; tag: string; digest: string; mediaCommit?: string }
  | { built: false; repository: string; tag?: string; mediaCommit?: string; message: string };

let defaultRenderer: Renderer | undefined;

/**
 * Reads the project's inputs and the registry the way its own observe does (same labels, same input digest), so
 * "built" means exactly what the ImageProject's diff calls up to date. Throws only when it could not tell.
 */
export async function projectBuild(res: Resource<ImageProjectSpec>, ctx: KindContext, renderer?: Renderer): Promise<ProjectBuild> {
  const observed = await observeImageProject(res, ctx, renderer ?? (defaultRenderer ??= createRenderer()));
  const { inputs, image } = observed;
  const repository = res.spec.repository;
  const known = { repository, ...(inputs.tag ? { tag: inputs.tag } : {}), ...(inputs.mediaCommit ? { mediaCommit: inputs.mediaCommit } : {}) };
  if (inputs.problem) return { built: false, ...known, message: `${inputs.problem.reason}: ${inputs.problem.message}` };
  if (!image || !inputs.tag) return { built: false, ...known, message: `${inputs.ref ?? repository} is not in the registry yet` };
  if (image.inputDigest !== inputs.digest) {
    return { built: false, ...known, message: `${inputs.ref} in the registry was built from other inputs (a rebuild is due)` };
  }
  return { built: true, repository, tag: inputs.tag, digest: image.digest, ...(inputs.mediaCommit ? { mediaCommit: inputs.mediaCommit } : {}) };
}
