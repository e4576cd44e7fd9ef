/**
 * The Git reader contract: how a kind reads a repository it builds from (ImageProject's media and Dockerfile).
 * Kinds get it as `ctx.drivers.git` rather than importing source/, so the config source stays the daemon's and
 * a kind's Git access is one narrow, replaceable interface (implemented by source/reader.ts).
 */

/** Credentials after secret resolution, each resolved for the URL it is sent to. */
export interface GitCredentials {
  username?: string;
  password?: string;
  token?: string;
}

export interface GitRepoOptions {
  url: string;
  /** Branch, tag, full ref or full commit id. */
  ref: string;
  /** Directory owned by this repo handle: object store and checkouts (under the kind's cache in the state dir). */
  cacheDir: string;
  auth?: GitCredentials;
}

/** One repository at one ref; typed errors only (SourceUnavailable and friends). */
export interface GitRepo {
  readonly ref: string;
  /** Commit the ref points at on the server, or undefined when the ref does not exist; downloads no objects. */
  lsRemote(): Promise<string | undefined>;
  /** A complete checkout of the ref's current commit. */
  fetch(): Promise<{ commit: string; dir: string }>;
}

export interface GitReader {
  open(opts: GitRepoOptions): GitRepo;
}
