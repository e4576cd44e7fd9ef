/** The Docker transport's contract (implemented in drivers/docker/). */

/** Credentials for one registry, resolved from secret references just before use. */
export interface RegistryAuth {
  username: string;
  password: string;
}

export interface BuildOptions {
  /** The build context: a directory on this machine and/or files (path -> content; they win over the directory's). */
  contextDir?: string;
  files?: Record<string, string | Buffer>;
  /**
   * Directories added to the context under a prefix and streamed from where they are (no staging copy), e.g.
   * `{ media: { dir: checkout, skip: ['.git'] } }`; `skip` names entries left out at any depth.
   */
  contextMounts?: Record<string, { dir: string; skip?: string[] }>;
  /** Path of the Dockerfile inside the context. */
  dockerfile: string;
  tags: string[];
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** Pull the base image even if the engine has a copy, so the build uses what the registry holds. */
  pull?: boolean;
  /** Credentials by registry host (e.g. `127.0.0.1:5000`) for pulling the base image. */
  registryAuth?: Record<string, RegistryAuth>;
  /** Every log line of the build, as the engine reports it, without the trailing newline. */
  onLog?: (line: string) => void;
  signal?: AbortSignal;
}

export interface BuildResult {
  imageId: string;
  /** The last lines of the log (the whole log went to `onLog`). */
  lastLines: string[];
}

/** What the engine knows about a local image. */
export interface ImageInfo {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  created: string;
  labels: Record<string, string>;
}

/** The registry's view of a tag: the manifest digest and the labels of its image config. */
export interface RegistryManifest {
  /** `host/name:tag` as asked. */
  ref: string;
  /** Digest of the manifest the tag points at (Docker-Content-Digest). */
  digest: string;
  mediaType: string;
  configDigest?: string;
  labels: Record<string, string>;
  created?: string;
}

/**
 * Docker transport over dockerode (local socket, tcp or ssh:// DOCKER_HOST). Build failures are StalledErrors
 * carrying the last log lines; connection failures and 5xx are TransientErrors; 4xx and auth are StalledErrors.
 */
export interface DockerDriver {
  build(options: BuildOptions): Promise<BuildResult>;
  push(ref: string, auth?: RegistryAuth, options?: { onLog?: (line: string) => void; signal?: AbortSignal }): Promise<void>;
  /** Undefined when the engine has no such image. */
  inspectImage(ref: string): Promise<ImageInfo | undefined>;
  imageExists(ref: string): Promise<boolean>;
  /** Reads the tag's manifest from the registry itself (not the engine); undefined when the tag does not exist. */
  registryManifest(ref: string, auth?: RegistryAuth): Promise<RegistryManifest | undefined>;
}

/* nginx (drivers/nginx/): versioned publish of a unit's files to its hosts, all or none. */
