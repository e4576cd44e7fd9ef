/**
 * Builds and pushes an ImageProject: resolve and materialise the inputs, stop with a StalledError before any
 * build when they have a problem, build with the input digest as a label, push (the same tag overwrites), then
 * read the registry back to confirm. Idempotent: an image already carrying the digest is adopted, not rebuilt.
 * The whole build log is kept per build under the state dir; failures carry its last lines.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { ReconcileError, StalledError, TransientError } from '../../errors.js';
import type { BuildOptions, DockerDriver } from '../../drivers/types.js';
import type { Task } from '../../model/plan.js';
import type { Renderer } from '../../render/index.js';
import { parseReference } from '../../util/image-reference.js';
import { sanitize } from '../../util/sanitize.js';
import type { KindContext } from '../types.js';
import { registryAuthOf, resolveInputs, type Materialised } from './inputs.js';
import type { ImageProjectObserved } from './observe.js';
import { LABELS, type ImageProjectSpec } from './spec.js';

/** Build logs kept per project; older ones are deleted. */
const KEEP_LOGS = 20;

/** Where the logs of a project's builds are kept. */
export function buildLogDir(stateDir: string, name: string): string {
  return join(stateDir, 'builds', 'image-project', name);
}

export async function applyImageProject(
  task: Task<ImageProjectSpec, ImageProjectObserved>,
  ctx: KindContext,
  renderer: Renderer,
): Promise<void> {
  const res = task.desired;
  const docker = ctx.drivers.docker;
  if (!docker) throw new StalledError('ApplyFailed', 'no docker engine configured: ImageProject needs the docker driver');
  const m = await resolveInputs(res, ctx, { fetchMedia: true, renderer });
  const { inputs } = m;
  if (inputs.problem) throw new StalledError(inputs.problem.reason, `nothing built: ${inputs.problem.message}`);
  if (!inputs.ref || !inputs.digest || m.dockerfile === undefined) throw new StalledError('InternalError', 'inputs resolved without a ref');
  const auth = await registryAuthOf(res.spec, ctx);
  const existing = await docker.registryManifest(inputs.ref, auth);
  if (existing?.labels[LABELS.inputDigest] === inputs.digest) {
    ctx.logger.info({ ref: inputs.ref, digest: existing.digest }, 'image with these inputs already in the registry');
    return;
  }

  const logDir = buildLogDir(ctx.stateDir, res.metadata.name);
  await mkdir(logDir, { recursive: true });
  const logPath = join(logDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${inputs.tag}.log`);
  const log = createWriteStream(logPath, { flags: 'w' });
  const logger = ctx.logger.child({ image: inputs.ref });
  const onLog = (line: string): void => {
    const safe = sanitize(line);
    log.write(`${safe}\n`);
    logger.debug({ line: safe }, 'build');
  };
  try {
    logger.info({ log: logPath, inputDigest: inputs.digest }, 'building image');
    onLog(`# driftless build of ${inputs.ref} (inputs ${inputs.digest}, revision ${ctx.revision})`);
    const registryHost = parseReference(res.spec.repository).registry;
    await docker.build({
      ...contextOf(m),
      dockerfile: 'Dockerfile',
      tags: [inputs.ref],
      buildArgs: m.buildArgs,
      labels: {
        [LABELS.inputDigest]: inputs.digest,
        [LABELS.project]: res.metadata.name,
        [LABELS.baseDigest]: inputs.baseDigest ?? '',
        [LABELS.dockerfileDigest]: inputs.dockerfileDigest ?? '',
        [LABELS.buildArgsDigest]: inputs.buildArgsDigest,
        ...(inputs.mediaCommit ? { [LABELS.mediaCommit]: inputs.mediaCommit } : {}),
      },
      pull: inputs.baseFrom === 'registry' && !(await engineHasBase(docker, res.spec.baseImage, inputs.baseDigest)),
      ...(auth ? { registryAuth: { [registryHost]: auth } } : {}),
      onLog,
      signal: ctx.signal,
    });
    onLog(`# pushing ${inputs.ref}`);
    await docker.push(inputs.ref, auth, { onLog, signal: ctx.signal });
  } catch (err) {
    onLog(`# failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    if (err instanceof ReconcileError) {
      const Cls = err instanceof StalledError ? StalledError : TransientError;
      throw new Cls(err.reason, `${err.message}\n(full build log: ${logPath})`, { cause: err });
    }
    throw err;
  } finally {
    log.end();
    await finished(log).catch(() => undefined);
    await pruneLogs(logDir);
  }
  const pushed = await docker.registryManifest(inputs.ref, auth);
  if (pushed?.labels[LABELS.inputDigest] !== inputs.digest) {
    throw new TransientError('ApplyFailed', `pushed ${inputs.ref} but the registry does not serve the new image yet`);
  }
  logger.info({ digest: pushed.digest }, 'image pushed');
}

/**
 * Whether the engine already holds the base image at the digest the inputs were resolved against: then the
 * build's pull (a registry round trip per build) is skipped, and the input digest still names what is built.
 */
async function engineHasBase(docker: DockerDriver, baseImage: string, digest: string | undefined): Promise<boolean> {
  if (!digest) return false;
  const local = await docker.inspectImage(baseImage);
  const name = baseImage.split('@')[0]!;
  const repo = name.lastIndexOf(':') > name.lastIndexOf('/') ? name.slice(0, name.lastIndexOf(':')) : name;
  return local?.repoDigests.includes(`${repo}@${digest}`) ?? false;
}

/**
 * The build context: the Dockerfile at the root and the media (without .git) under media/, streamed from the
 * checkout as it is rather than copied into a staging directory first.
 */
function contextOf(m: Materialised): Pick<BuildOptions, 'files' | 'contextMounts'> {
  return {
    files: { Dockerfile: m.dockerfile ?? '' },
    ...(m.mediaDir ? { contextMounts: { media: { dir: m.mediaDir, skip: ['.git'] } } } : {}),
  };
}

async function pruneLogs(dir: string): Promise<void> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.log')).sort();
  for (const f of files.slice(0, Math.max(0, files.length - KEEP_LOGS))) await rm(join(dir, f), { force: true });
}
