/**
 * Kind `ImageProject` (OpenDCP's 打包系统): a Docker image built from a Dockerfile given inline, from Git or as
 * typed steps, with deployment media from Git, pushed to a registry. Rebuilt only when the input digest changes.
 */
import type { KindModule } from '../types.js';
import { createRenderer, type Renderer } from '../../render/index.js';
import { applyImageProject } from './apply.js';
import { diffImageProject } from './diff.js';
import { imageProjectHealth } from './health.js';
import { observeImageProject, type ImageProjectObserved } from './observe.js';
import type { ImageProjectSpec } from './spec.js';
import { validateImageProject } from './validate.js';

export type { ImageProjectSpec } from './spec.js';
export type { ImageProjectObserved } from './observe.js';

export const IMAGE_PROJECT_SCHEMA_ID = 'https://driftless.dev/schemas/image-project.schema.json';

/** Builds the kind module; the renderer defaults to the project's templates/ directory. */
export function createImageProjectKind(renderer?: Renderer): KindModule<ImageProjectSpec, ImageProjectObserved> {
  let r = renderer;
  const get = (): Renderer => (r ??= createRenderer());
  return {
    kind: 'ImageProject',
    schemaId: IMAGE_PROJECT_SCHEMA_ID,
    order: 30,
    dependencies: () => [],
    validate: (res) => validateImageProject(res),
    observe: (res, ctx) => observeImageProject(res, ctx, get()),
    diff: diffImageProject,
    apply: (task, ctx) => applyImageProject(task, ctx, get()),
    health: imageProjectHealth,
    observedDigest: (o) => o?.image?.digest,
  };
}

export const imageProjectKind = createImageProjectKind();
