/**
 * Resolves everything a build depends on: the media commit, the Dockerfile (rendered or fetched), the base
 * image's digest and the build args, hashed into the INPUT DIGEST put on the image as a label. Observe resolves
 * cheaply (ls-remote for media); apply materialises the media tree. Problems a human must fix before anything
 * can be built are returned as data (`problem`) so plan shows them; network trouble is thrown as transient.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StalledError, type Reason } from '../../errors.js';
import type { DockerDriver, GitCredentials, GitRepo, RegistryAuth } from '../../drivers/types.js';
import { parseReference } from '../../util/image-reference.js';
import type { Resource } from '../../model/resource.js';
import type { Renderer } from '../../render/index.js';
import { resolveInside } from '../../util/confine.js';
import { digestOf, shortDigest } from '../../util/digest.js';
import type { KindContext } from '../types.js';
import { renderDockerfile } from './render.js';
import { BASE_IMAGE_ARG, type GitLocation, type ImageProjectSpec } from './spec.js';

export interface InputProblem {
  reason: Reason;
  message: string;
}

/** JSON-safe summary of the inputs, carried in observed state and in plans. */
export interface ResolvedInputs {
  /** `repository:tag` the project builds now. */
  ref?: string;
  tag?: string;
  digest?: string;
  mediaCommit?: string;
  baseDigest?: string;
  /** Where the base image was found: the registry (build pulls it) or only the engine. */
  baseFrom?: 'registry' | 'engine';
  dockerfileDigest?: string;
  buildArgsDigest: string;
  problem?: InputProblem;
}

export interface Materialised {
  inputs: ResolvedInputs;
  dockerfile?: string;
  /** Directory of the media (subdir applied) when it was fetched. */
  mediaDir?: string;
  buildArgs: Record<string, string>;
}

export interface ResolveOptions {
  /** Fetch the media tree (apply) instead of only asking for its commit (observe). */
  fetchMedia: boolean;
  renderer: Renderer;
}

/** Registry credentials of the project, resolved from the secret reference. */
export async function registryAuthOf(spec: ImageProjectSpec, ctx: KindContext): Promise<RegistryAuth | undefined> {
  if (!spec.registryAuth) return undefined;
  // The password goes to the registry the project pushes to (and reads its base image from when it is the same).
  const to = { registry: parseReference(spec.repository).registry };
  return { username: spec.registryAuth.username, password: await ctx.secrets.resolve(spec.registryAuth.password, to) };
}

/** Git credentials, each resolved for the URL they are sent to. */
async function gitAuth(loc: GitLocation, ctx: KindContext): Promise<GitCredentials | undefined> {
  const cred = loc.credentials;
  if (!cred) return undefined;
  const to = { url: loc.url };
  return {
    ...(cred.username ? { username: cred.username } : {}),
    ...(cred.password ? { password: await ctx.secrets.resolve(cred.password, to) } : {}),
    ...(cred.token ? { token: await ctx.secrets.resolve(cred.token, to) } : {}),
  };
}

function gitSource(loc: GitLocation, auth: GitCredentials | undefined, ctx: KindContext, name: string, use: string): GitRepo {
  const git = ctx.drivers.git;
  if (!git) throw new StalledError('ApplyFailed', 'no Git reader configured: ImageProject needs ctx.drivers.git to read its repositories');
  const cacheDir = join(ctx.stateDir, 'cache', 'image-project', name, use, shortDigest(digestOf(loc.url), 16));
  return git.open({ url: loc.url, ref: loc.ref ?? 'main', cacheDir, ...(auth ? { auth } : {}) });
}

/** Runs `fn`; a StalledError becomes a problem (returned), anything else is rethrown. */
async function orProblem<T>(fn: () => Promise<T>): Promise<T | InputProblem> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StalledError) return { reason: err.reason, message: err.message };
    throw err;
  }
}

const isProblem = (v: unknown): v is InputProblem =>
  typeof v === 'object' && v !== null && 'reason' in v && 'message' in v && !('commit' in v);

/** The base image digest: the registry's manifest digest, else the engine's image id; a problem when neither has it. */
async function baseImageDigest(
  docker: DockerDriver,
  spec: ImageProjectSpec,
  auth: RegistryAuth | undefined,
): Promise<{ digest: string; from: 'registry' | 'engine' } | InputProblem> {
  const base = parseReference(spec.baseImage);
  const sameRegistry = parseReference(spec.repository).registry === base.registry;
  let registryError: unknown;
  try {
    const m = await docker.registryManifest(spec.baseImage, sameRegistry ? auth : undefined);
    if (m) return { digest: m.digest, from: 'registry' };
  } catch (err) {
    registryError = err;
  }
  const local = await docker.inspectImage(spec.baseImage);
  if (local) return { digest: local.id, from: 'engine' };
  if (registryError !== undefined && !(registryError instanceof StalledError)) throw registryError;
  const why = registryError instanceof Error ? `: ${registryError.message}` : '';
  return { reason: 'ReferenceInvalid', message: `base image ${spec.baseImage} not found in its registry nor in the docker engine${why}` };
}

/** Resolves the inputs of `res`; see the module comment for what is a problem and what is thrown. */
export async function resolveInputs(res: Resource<ImageProjectSpec>, ctx: KindContext, opts: ResolveOptions): Promise<Materialised> {
  const spec = res.spec;
  const name = res.metadata.name;
  const docker = ctx.drivers.docker;
  if (!docker) throw new StalledError('ApplyFailed', 'no docker engine configured: ImageProject needs the docker driver');
  const buildArgs = { ...(spec.buildArgs ?? {}), [BASE_IMAGE_ARG]: spec.baseImage };
  const inputs: ResolvedInputs = { buildArgsDigest: digestOf(buildArgs) };
  const out: Materialised = { inputs, buildArgs };
  const fail = (p: InputProblem): Materialised => ({ ...out, inputs: { ...inputs, problem: p } });
  // The base digest is a registry round trip independent of the rest: asked for while the media is fetched.
  // Settled so that a failure surfaces only where it did before (after media and Dockerfile problems).
  const baseAsked = registryAuthOf(spec, ctx)
    .then((auth) => baseImageDigest(docker, spec, auth))
    .then((v) => ({ v }), (e: unknown) => ({ e }));

  if (spec.media) {
    const media = spec.media;
    const src = gitSource(media.git, await gitAuth(media.git, ctx), ctx, name, 'media');
    const got = await orProblem(async () => {
      if (opts.fetchMedia) return src.fetch();
      const commit = await src.lsRemote();
      if (!commit) throw new StalledError('SourceUnavailable', `media ref ${src.ref} not found at ${media.git.url}`);
      return { commit, dir: undefined };
    });
    if (isProblem(got)) return fail({ reason: got.reason, message: `media: ${got.message}` });
    inputs.mediaCommit = got.commit;
    if (got.dir !== undefined) {
      // Through symlinks too: the media repo is anyone's, and a subdir linking to / would send the daemon's files.
      const dir = await orProblem(async () => resolveInside(got.dir, media.git.subdir ?? '.', 'dir', 'media subdir'));
      if (isProblem(dir)) return fail({ reason: dir.reason, message: `media: ${dir.message}` });
      out.mediaDir = dir;
    }
  }

  let gitText: string | undefined;
  if ('git' in spec.dockerfile) {
    const loc = spec.dockerfile.git;
    const src = gitSource(loc, await gitAuth(loc, ctx), ctx, name, 'dockerfile');
    const text = await orProblem(async () => {
      const rev = await src.fetch();
      let path: string;
      try {
        path = resolveInside(rev.dir, loc.path ?? 'Dockerfile', 'file', 'dockerfile path');
      } catch (err) {
        if (err instanceof StalledError && err.reason === 'UnsafePath') throw err;
        throw new StalledError('ReferenceInvalid', `dockerfile ${loc.path ?? 'Dockerfile'} not found in ${loc.url}#${src.ref} (${rev.commit.slice(0, 7)})`, { cause: err });
      }
      return readFile(path, 'utf8');
    });
    if (isProblem(text)) return fail(text);
    gitText = text;
  }

  const dockerfile = await orProblem(async () => renderDockerfile(opts.renderer, name, spec, gitText));
  if (isProblem(dockerfile)) return fail(dockerfile);
  out.dockerfile = dockerfile;
  inputs.dockerfileDigest = digestOf(dockerfile);

  const settled = await baseAsked;
  if ('e' in settled) throw settled.e;
  const base = settled.v;
  if (isProblem(base)) return fail(base);
  inputs.baseDigest = base.digest;
  inputs.baseFrom = base.from;

  inputs.digest = digestOf({
    dockerfile,
    mediaCommit: inputs.mediaCommit ?? null,
    mediaSubdir: spec.media?.git.subdir ?? null,
    buildArgs,
    baseDigest: base.digest,
  });
  inputs.tag = tagFor(spec, inputs.mediaCommit, inputs.digest);
  inputs.ref = `${spec.repository}:${inputs.tag}`;
  return out;
}

/** Tag policy: a fixed tag; else the media commit's short id (as LeEngine tags); else a digest-based tag. */
export function tagFor(spec: ImageProjectSpec, mediaCommit: string | undefined, inputDigest: string): string {
  if (spec.tag && 'fixed' in spec.tag) return spec.tag.fixed;
  if (mediaCommit) return mediaCommit.slice(0, 7);
  return `in-${shortDigest(inputDigest, 12)}`;
}
