/**
 * The image a pool's nodes run this run. A pool that names an external image or pins its ImageProject's tag runs
 * that reference. A pool that references an ImageProject WITHOUT a pinned tag follows the project's builds: it
 * runs what the project built for its current inputs, by manifest digest (`repo:tag@sha256:...`), so a new media
 * commit (new tag) and a rebuild that overwrote the same tag both change what the nodes run. Until that image is
 * pushed, the pool names the tag that will be built (the plan shows the change) and apply waits for it.
 */
import { WaitingError } from '../../errors.js';
import type { Resource } from '../../model/resource.js';
import { projectBuild } from '../image-project/public.js';
import type { KindContext } from '../types.js';
import { followedProject, resolveImage } from './resolve.js';
import type { ImageSource, PoolSpec } from './spec.js';

/** What the nodes should run, and where it came from when the pool follows a project. */
export interface PoolImage {
  ref: string;
  source?: ImageSource;
}

/** Resolves the image (see the file comment); throws only when the project could not be read. */
export async function poolImage(res: Resource<PoolSpec>, ctx: KindContext): Promise<PoolImage> {
  const image = res.spec.container.image;
  if (typeof image === 'string' || image.tag) return { ref: resolveImage(res.spec, ctx.resources) };
  const project = followedProject(res.spec, ctx.resources);
  const b = await projectBuild(project, ctx);
  const named = b.tag ? `${b.repository}:${b.tag}` : b.repository;
  const common = { project: image.project, ...(b.tag ? { tag: b.tag } : {}), ...(b.mediaCommit ? { mediaCommit: b.mediaCommit } : {}) };
  if (b.built) return { ref: `${named}@${b.digest}`, source: { ...common, built: true, digest: b.digest } };
  return { ref: named, source: { ...common, built: false, message: b.message } };
}

/** Apply cannot start nodes on an image that is not pushed yet: wait for the ImageProject (it is a dependency). */
export function requireBuilt(pool: string, source: ImageSource | undefined): void {
  if (!source || source.built) return;
  throw new WaitingError('DependencyNotReady', `pool ${pool}: waiting for ImageProject/${source.project} to build its image: ${source.message ?? 'not built yet'}`, {
    retryAfterMs: 10_000,
  });
}

/** How the plan names the image: the reference, plus what it waits for when the project has not built it. */
export function describeImage(ref: string, source: ImageSource | undefined): string {
  if (!source) return ref;
  const media = source.mediaCommit ? `, media ${source.mediaCommit.slice(0, 12)}` : '';
  return source.built ? `${ref} (ImageProject/${source.project}${media})` : `${ref} (to be built by ImageProject/${source.project}${media})`;
}
