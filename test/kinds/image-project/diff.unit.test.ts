import { describe, expect, it } from 'vitest';
import { diffImageProject, INPUT_PROBLEM } from '../../../src/kinds/image-project/diff.js';
import { imageProjectHealth } from '../../../src/kinds/image-project/health.js';
import type { ResolvedInputs } from '../../../src/kinds/image-project/inputs.js';
import type { ImageProjectObserved, ObservedImage } from '../../../src/kinds/image-project/observe.js';
import type { ImageProjectSpec } from '../../../src/kinds/image-project/spec.js';
import type { Resource } from '../../../src/model/resource.js';

const desired: Resource<ImageProjectSpec> = {
  apiVersion: 'driftless.dev/v1',
  kind: 'ImageProject',
  metadata: { name: 'web' },
  spec: { repository: '127.0.0.1:5000/team/web', baseImage: 'b', dockerfile: { steps: [{ RUN: 'true' }] } },
  source: { file: 'images/web.yaml', line: 1, col: 1 },
};

const inputs: ResolvedInputs = {
  ref: '127.0.0.1:5000/team/web:abc1234',
  tag: 'abc1234',
  digest: 'sha256:new',
  mediaCommit: 'abc1234ffff',
  baseDigest: 'sha256:base1',
  dockerfileDigest: 'sha256:df1',
  buildArgsDigest: 'sha256:args1',
};
const built: ObservedImage = {
  ref: inputs.ref!,
  digest: 'sha256:manifest',
  inputDigest: 'sha256:new',
  mediaCommit: 'abc1234ffff',
  baseDigest: 'sha256:base1',
  dockerfileDigest: 'sha256:df1',
  buildArgsDigest: 'sha256:args1',
};

describe('diffImageProject', () => {
  it.each<[string, ImageProjectObserved | undefined, string, string[], string | undefined]>([
    ['same input digest: no build at all', { inputs, image: built }, 'noop', [], undefined],
    ['tag not in the registry', { inputs }, 'create', ['image', 'inputDigest', 'mediaCommit'], undefined],
    ['base image moved', { inputs: { ...inputs, digest: 'sha256:x', baseDigest: 'sha256:base2' }, image: built }, 'update', ['inputDigest', 'baseImageDigest'], undefined],
    ['dockerfile and build args changed', { inputs: { ...inputs, digest: 'sha256:x', dockerfileDigest: 'sha256:df2', buildArgsDigest: 'sha256:a2' }, image: built }, 'update', ['inputDigest', 'dockerfile', 'buildArgs'], undefined],
    ['same tag, media commit moved (fixed tag)', { inputs: { ...inputs, digest: 'sha256:x', mediaCommit: 'def' }, image: built }, 'update', ['inputDigest', 'mediaCommit'], undefined],
    ['image pushed by someone else (no label)', { inputs, image: { ref: built.ref, digest: 'sha256:m' } }, 'update', ['inputDigest', 'mediaCommit', 'baseImageDigest', 'dockerfile', 'buildArgs'], 'NotBuiltByDriftless'],
    ['input problem without image', { inputs: { buildArgsDigest: 'x', problem: { reason: 'ReferenceInvalid', message: 'base image b not found' } } }, 'create', ['inputs'], INPUT_PROBLEM],
    ['input problem with image', { inputs: { ...inputs, problem: { reason: 'SchemaInvalid', message: 'steps is empty' } }, image: built }, 'update', ['inputs'], INPUT_PROBLEM],
    ['never observed', undefined, 'create', ['image'], undefined],
  ])('%s', (_name, observed, action, paths, reason) => {
    const out = diffImageProject(desired, observed);
    expect(out.action).toBe(action);
    expect(out.changes.map((c) => c.path)).toEqual(paths);
    expect(out.reason).toBe(reason);
  });

  it('shows before and after of the digest', () => {
    const out = diffImageProject(desired, { inputs: { ...inputs, digest: 'sha256:x' }, image: built });
    expect(out.changes[0]).toEqual({ path: 'inputDigest', before: 'sha256:new', after: 'sha256:x' });
  });
});

describe('imageProjectHealth', () => {
  it.each<[string, ImageProjectObserved | undefined, string]>([
    ['current image', { inputs, image: built }, 'Healthy'],
    ['stale image', { inputs: { ...inputs, digest: 'sha256:x' }, image: built }, 'Progressing'],
    ['no image', { inputs }, 'Missing'],
    ['input problem', { inputs: { ...inputs, problem: { reason: 'SchemaInvalid', message: 'm' } } }, 'Degraded'],
    ['not observed', undefined, 'Missing'],
  ])('%s', (_name, observed, status) => {
    expect(imageProjectHealth(observed).status).toBe(status);
  });
});
