/**
 * The Docker driver: dockerode against the local socket or DOCKER_HOST (unix, tcp, ssh://), plus a registry
 * client so that observation reads the registry rather than an engine's cache.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { StalledError, TransientError } from '../../errors.js';
import type { BuildOptions, BuildResult, DockerDriver, ImageInfo, RegistryAuth } from '../types.js';
import { dockerMessage, isAuthMessage, mapDockerError, statusOf } from './errors.js';
import { parseReference } from '../../util/image-reference.js';
import { createRegistryClient, type RegistryClientOptions } from './registry.js';
import { followStream } from './stream.js';

export { parseReference, formatReference } from '../../util/image-reference.js';
export { createRegistryClient } from './registry.js';

export interface DockerDriverOptions extends RegistryClientOptions {
  /** `unix:///path`, `tcp://host:port` or `ssh://user@host[:port]`; default: DOCKER_HOST, then the local socket. */
  dockerHost?: string;
  /** Key for an `ssh://` docker host; without it the SSH agent (SSH_AUTH_SOCK) is used. */
  sshPrivateKey?: string | Buffer;
}

/** Translates a DOCKER_HOST-style address into dockerode options. */
export function dockerodeOptions(dockerHost: string | undefined, sshPrivateKey?: string | Buffer): Docker.DockerOptions | undefined {
  if (!dockerHost) return undefined;
  const url = new URL(dockerHost);
  switch (url.protocol) {
    case 'unix:':
      return { socketPath: url.pathname };
    case 'tcp:':
    case 'http:':
      return { protocol: 'http', host: url.hostname, port: Number(url.port || 2375) };
    case 'https:':
      return { protocol: 'https', host: url.hostname, port: Number(url.port || 2376) };
    case 'ssh:':
      return {
        protocol: 'ssh',
        host: url.hostname,
        port: Number(url.port || 22),
        ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
        sshOptions: sshPrivateKey ? { privateKey: sshPrivateKey } : { agent: process.env.SSH_AUTH_SOCK },
      };
    default:
      throw new Error(`unsupported docker host "${dockerHost}": expected unix://, tcp:// or ssh://`);
  }
}

/** Creates the driver; nothing connects until the first call. */
export function createDockerDriver(opts: DockerDriverOptions = {}): DockerDriver {
  const docker = new Docker(dockerodeOptions(opts.dockerHost ?? process.env.DOCKER_HOST, opts.sshPrivateKey));
  const registry = createRegistryClient(opts);

  async function build(o: BuildOptions): Promise<BuildResult> {
    const what = `build ${o.tags.join(', ') || 'image'}`;
    let tmp: string | undefined;
    try {
      let contextDir = o.contextDir;
      if (!contextDir) {
        tmp = await mkdtemp(join(tmpdir(), 'driftless-build-'));
        await writeFiles(tmp, o.files ?? {});
        contextDir = tmp;
      }
      const registryconfig = o.registryAuth
        ? Object.fromEntries(Object.entries(o.registryAuth).map(([host, a]) => [host, { username: a.username, password: a.password }]))
        : undefined;
      const stream = (await docker.buildImage(
        { context: contextDir, src: await readdir(contextDir) },
        {
          t: o.tags,
          dockerfile: o.dockerfile,
          buildargs: o.buildArgs ?? {},
          labels: o.labels ?? {},
          ...(o.pull ? { pull: '1' } : {}),
          rm: true,
          forcerm: true,
          ...(registryconfig ? { registryconfig } : {}),
          ...(o.signal ? { abortSignal: o.signal } : {}),
        } as unknown as Docker.ImageBuildOptions,
      )) as Readable;
      const outcome = await followStream(stream, o.onLog);
      if (outcome.error !== undefined || !outcome.imageId) {
        const reason = isAuthMessage(outcome.error ?? '') ? 'AuthenticationFailed' : 'CommandFailed';
        throw new StalledError(reason, `${what} failed: ${outcome.error ?? 'no image id reported'}\n${outcome.lastLines.join('\n')}`);
      }
      return { imageId: outcome.imageId, lastLines: outcome.lastLines };
    } catch (err) {
      throw mapDockerError(what, err);
    } finally {
      if (tmp) await rm(tmp, { recursive: true, force: true });
    }
  }

  async function push(ref: string, auth?: RegistryAuth, o: { onLog?: (line: string) => void; signal?: AbortSignal } = {}): Promise<void> {
    const what = `push ${ref}`;
    try {
      const r = parseReference(ref);
      const image = docker.getImage(ref.slice(0, ref.length - (r.tag ? r.tag.length + 1 : 0)));
      const authconfig = auth ? { username: auth.username, password: auth.password, serveraddress: r.registry } : { username: '', password: '', serveraddress: r.registry };
      const stream = (await image.push({ tag: r.tag ?? 'latest', authconfig, ...(o.signal ? { abortSignal: o.signal } : {}) })) as unknown as Readable;
      const outcome = await followStream(stream, o.onLog);
      if (outcome.error !== undefined) {
        if (isAuthMessage(outcome.error)) throw new StalledError('AuthenticationFailed', `${what}: ${outcome.error}`);
        const reason = /connection refused|timeout|EOF|no such host/i.test(outcome.error) ? 'Unreachable' : 'ApplyFailed';
        throw new TransientError(reason, `${what}: ${outcome.error}`);
      }
    } catch (err) {
      throw mapDockerError(what, err);
    }
  }

  async function inspectImage(ref: string): Promise<ImageInfo | undefined> {
    try {
      const info = await docker.getImage(ref).inspect();
      return {
        id: info.Id,
        repoTags: info.RepoTags ?? [],
        repoDigests: info.RepoDigests ?? [],
        created: info.Created,
        labels: info.Config?.Labels ?? {},
      };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw mapDockerError(`inspect image ${ref}: ${dockerMessage(err)}`, err);
    }
  }

  return {
    build,
    push,
    inspectImage,
    imageExists: async (ref) => (await inspectImage(ref)) !== undefined,
    registryManifest: (ref, auth) => registry.manifest(ref, auth),
  };
}

/** Writes `files` under `root`, refusing paths that would escape it. */
async function writeFiles(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const target = resolve(root, rel);
    if (!target.startsWith(root + sep)) throw new StalledError('SchemaInvalid', `build context path escapes the context: ${rel}`);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
}
