/**
 * The Docker driver: dockerode against the local socket or DOCKER_HOST (unix, tcp, ssh://), plus a registry
 * client so that observation reads the registry rather than an engine's cache. dockerode (with its gRPC and
 * protobuf stack, ~26 MiB resident) is imported on the first engine call: a daemon whose repo builds no image
 * never loads it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { StalledError, TransientError } from '../../errors.js';
import type { BuildOptions, BuildResult, DockerDriver, ImageInfo, RegistryAuth } from '../types.js';
import { dockerMessage, isAuthMessage, mapDockerError, statusOf } from './errors.js';
import { parseReference } from '../../util/image-reference.js';
import { createRegistryClient, type RegistryClientOptions } from './registry.js';
import { packContext } from './context-tar.js';
import { followStream } from './stream.js';

export { parseReference, formatReference } from '../../util/image-reference.js';
export { createRegistryClient } from './registry.js';

export interface DockerDriverOptions extends RegistryClientOptions {
  /** `unix:///path`, `tcp://host:port` or `ssh://user@host[:port]`; default: DOCKER_HOST, then the local socket. */
  dockerHost?: string;
  /** Key for an `ssh://` docker host; without it the SSH agent (SSH_AUTH_SOCK) is used. */
  sshPrivateKey?: string | Buffer;
  /**
   * Checks an `ssh://` docker host's key (the runtime passes the SSH driver's pin store, so the build host is pinned
   * like every other host); rejects to refuse the connection. Without it any key is accepted, as docker-modem does.
   */
  verifyHostKey?: (host: string, port: number, key: Buffer) => Promise<unknown>;
}

/** ssh2's host key callback (asynchronous form). */
export type HostVerifier = (key: Buffer, verify: (ok: boolean) => void) => void;

/** Translates a DOCKER_HOST-style address into dockerode options. */
export function dockerodeOptions(dockerHost: string | undefined, sshPrivateKey?: string | Buffer, hostVerifier?: HostVerifier): Docker.DockerOptions | undefined {
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
        sshOptions: { ...(sshPrivateKey ? { privateKey: sshPrivateKey } : { agent: process.env.SSH_AUTH_SOCK }), ...(hostVerifier ? { hostVerifier } : {}) },
      };
    default:
      throw new StalledError('SchemaInvalid', `unsupported docker host "${dockerHost}": expected unix://, tcp:// or ssh://`);
  }
}

/** Creates the driver; nothing connects until the first call. */
export function createDockerDriver(opts: DockerDriverOptions = {}): DockerDriver {
  const dockerHost = opts.dockerHost ?? process.env.DOCKER_HOST;
  // ssh2 reports a refused key only as "verification failed": the pin store's own error (which key, which file)
  // is kept here and thrown instead by the call that failed.
  let refusedKey: unknown;
  const verifier = opts.verifyHostKey && dockerHost?.startsWith('ssh:') ? hostVerifierFor(dockerHost, opts.verifyHostKey, (err) => (refusedKey = err)) : undefined;
  const dockerOptions = dockerodeOptions(dockerHost, opts.sshPrivateKey, verifier);
  const failure = (err: unknown): unknown => {
    const refused = refusedKey;
    refusedKey = undefined;
    return refused ?? err;
  };
  let client: Promise<Docker> | undefined;
  const engine = (): Promise<Docker> => (client ??= import('dockerode').then((m) => new m.default(dockerOptions)));
  const registry = createRegistryClient(opts);

  /** Set once the engine refused a BuildKit build outright (old or Windows engine): later builds go legacy. */
  let buildkitRefused = false;

  /**
   * Starts one build and returns the engine's progress stream. BuildKit (`version=2`, context sent as the request
   * body, so no session is needed for it) unless a pull is asked for: BuildKit neither stores a pulled base in the
   * engine's image store nor can it pull at all without a client session, so pulls stay with the legacy builder
   * (and a BuildKit build that turns out to need one is run again by it). With
   * BuildKit the labels are image config set by the frontend; the legacy builder turns each label into a step of
   * its own (a container commit each), so there they are folded into one LABEL line appended to the Dockerfile.
   */
  async function startBuild(o: BuildOptions, buildkit: boolean): Promise<Readable> {
    const registryconfig = o.registryAuth
      ? Object.fromEntries(Object.entries(o.registryAuth).map(([host, a]) => [host, { username: a.username, password: a.password }]))
      : undefined;
    let files = o.files;
    let labels = o.labels ?? {};
    if (!buildkit && Object.keys(labels).length > 0) {
      const text = o.files?.[o.dockerfile] ?? (o.contextDir ? await readFile(join(o.contextDir, o.dockerfile), 'utf8').catch(() => undefined) : undefined);
      const folded = text === undefined ? undefined : withLabelLine(text.toString(), labels);
      if (folded !== undefined) {
        files = { ...o.files, [o.dockerfile]: folded };
        labels = {};
      }
    }
    const context = packContext({
      ...(o.contextDir ? { dir: o.contextDir } : {}),
      ...(files ? { files } : {}),
      ...(o.contextMounts ? { mounts: o.contextMounts } : {}),
    });
    const options = {
      t: o.tags,
      dockerfile: o.dockerfile,
      buildargs: o.buildArgs ?? {},
      labels,
      ...(buildkit ? { version: '2' } : { rm: true, forcerm: true, ...(o.pull ? { pull: '1' } : {}) }),
    };
    const docker = await engine();
    return new Promise<Readable>((resolveStream, reject) => {
      docker.modem.dial(
        {
          path: '/build?',
          method: 'POST',
          file: context,
          options,
          ...(registryconfig ? { registryconfig } : {}),
          ...(o.signal ? { abortSignal: o.signal } : {}),
          isStream: true,
          statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
        },
        (err: unknown, stream: unknown) => (err ? reject(err) : resolveStream(stream as Readable)),
      );
    });
  }

  async function build(o: BuildOptions): Promise<BuildResult> {
    const what = `build ${o.tags.join(', ') || 'image'}`;
    try {
      let buildkit = !o.pull && !buildkitRefused;
      let stream: Readable;
      try {
        stream = await startBuild(o, buildkit);
      } catch (err) {
        if (!buildkit || !/buildkit|version|session/i.test(dockerMessage(err))) throw err;
        buildkitRefused = true;
        buildkit = false;
        stream = await startBuild(o, false);
      }
      let outcome = await followStream(stream, o.onLog);
      if (buildkit && outcome.error !== undefined && needsPull(outcome.error, o.registryAuth !== undefined)) {
        // Sessionless BuildKit cannot pull (an image the engine does not hold, e.g. another stage's base): the
        // legacy builder pulls it, with the credentials from X-Registry-Config.
        o.onLog?.('# BuildKit cannot pull without a client session: building again with the legacy builder');
        outcome = await followStream(await startBuild(o, false), o.onLog);
      }
      if (outcome.error !== undefined || !outcome.imageId) {
        const reason = isAuthMessage(outcome.error ?? '') ? 'AuthenticationFailed' : 'CommandFailed';
        throw new StalledError(reason, `${what} failed: ${outcome.error ?? 'no image id reported'}\n${outcome.lastLines.join('\n')}`);
      }
      return { imageId: outcome.imageId, lastLines: outcome.lastLines };
    } catch (err) {
      throw mapDockerError(what, failure(err));
    }
  }

  async function push(ref: string, auth?: RegistryAuth, o: { onLog?: (line: string) => void; signal?: AbortSignal } = {}): Promise<void> {
    const what = `push ${ref}`;
    try {
      const r = parseReference(ref);
      const image = (await engine()).getImage(ref.slice(0, ref.length - (r.tag ? r.tag.length + 1 : 0)));
      const authconfig = auth ? { username: auth.username, password: auth.password, serveraddress: r.registry } : { username: '', password: '', serveraddress: r.registry };
      const stream = (await image.push({ tag: r.tag ?? 'latest', authconfig, ...(o.signal ? { abortSignal: o.signal } : {}) })) as unknown as Readable;
      const outcome = await followStream(stream, o.onLog);
      if (outcome.error !== undefined) {
        if (isAuthMessage(outcome.error)) throw new StalledError('AuthenticationFailed', `${what}: ${outcome.error}`);
        const reason = /connection refused|timeout|EOF|no such host/i.test(outcome.error) ? 'Unreachable' : 'ApplyFailed';
        throw new TransientError(reason, `${what}: ${outcome.error}`);
      }
    } catch (err) {
      throw mapDockerError(what, failure(err));
    }
  }

  async function inspectImage(ref: string): Promise<ImageInfo | undefined> {
    try {
      const info = await (await engine()).getImage(ref).inspect();
      return {
        id: info.Id,
        repoTags: info.RepoTags ?? [],
        repoDigests: info.RepoDigests ?? [],
        created: info.Created,
        labels: info.Config?.Labels ?? {},
      };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw mapDockerError(`inspect image ${ref}: ${dockerMessage(err)}`, failure(err));
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

function hostVerifierFor(dockerHost: string, verify: NonNullable<DockerDriverOptions['verifyHostKey']>, refused: (err: unknown) => void): HostVerifier {
  const url = new URL(dockerHost);
  const port = Number(url.port || 22);
  return (key, done) => {
    verify(url.hostname, port, key).then(
      () => done(true),
      (err: unknown) => {
        refused(err);
        done(false);
      },
    );
  };
}

/** Whether a BuildKit failure came from an image it had to fetch: its resolver needs a session (or credentials). */
function needsPull(error: string, withAuth: boolean): boolean {
  return /no active sessions?/i.test(error) || (withAuth && isAuthMessage(error));
}

/**
 * The Dockerfile with one `LABEL` line appended (labels of the final stage, as the engine's own label option
 * does); undefined when the text sets a parser directive or a label is not plain text, then the engine's option
 * is used instead.
 */
export function withLabelLine(dockerfile: string, labels: Record<string, string>): string | undefined {
  if (/^\s*#\s*(escape|syntax)\s*=/im.test(dockerfile.split('\n').slice(0, 5).join('\n'))) return undefined;
  const safe = /^[\w.:/@+=,~-]*$/;
  const entries = Object.entries(labels);
  if (entries.some(([k, v]) => k === '' || !safe.test(k) || !safe.test(v))) return undefined;
  const line = `LABEL ${entries.map(([k, v]) => `"${k}"="${v}"`).join(' ')}`;
  return `${dockerfile.replace(/\n*$/, '')}\n${line}\n`;
}
