/**
 * Contracts of the config source: where desired state comes from (a Git repo or a local directory) and the
 * immutable revision a reconcile run works on. A run only ever sees a complete tree: sources fail closed.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { OperatorSecretRef as SecretRef } from '../model/resource.js';

/** One fetched revision: a complete checkout on disk of exactly one commit (or one directory content digest). */
export interface Revision {
  /** Full commit id, or `dir:<sha256>` for a directory source. */
  commit: string;
  /** The ref as configured (`main`, `v1.2.0`, a commit id) or `dir` for a directory source. */
  ref: string;
  /** Directory holding the tree; immutable for git sources (a fresh directory per commit). */
  dir: string;
  /** Source URL with credentials removed, safe for logs and status. */
  url?: string;
  /** Regular files of the tree with their Git blob ids (git sources): the loader's listing and parse-cache key. */
  files?: ReadonlyMap<string, string>;
}

/** Credentials as written in config: secret references, never literals. */
export interface GitAuthSpec {
  /** GitHub-style token: sent as basic auth with username `x-access-token` (or `username` when given). */
  token?: SecretRef;
  username?: string;
  password?: SecretRef;
  /** Private key for `ssh://` and scp-like `user@host:path` URLs (OpenSSH or PEM text). */
  sshKey?: SecretRef;
}

export type SourceSpec =
  | { type: 'dir'; path: string }
  | {
      type: 'git';
      url: string;
      /** Branch, tag or full commit id; default `main`. */
      ref?: string;
      auth?: GitAuthSpec;
    };

/** Credentials after secret resolution, as the git source uses them. */
export interface ResolvedGitAuth {
  username?: string;
  password?: string;
  token?: string;
  sshKey?: string;
}

/** What the daemon and the CLI use: a cheap poll for change detection, and a fetch that materialises a tree. */
export interface Source {
  /** Human description with credentials removed, e.g. `git http://host/repo.git#main`. */
  describe(): string;
  /** Commit the ref points at now, without downloading objects; undefined when the ref does not exist. */
  poll(): Promise<string | undefined>;
  /** Complete checkout of the ref's current commit; throws (typed) rather than return a partial tree. */
  fetch(): Promise<Revision>;
}

export interface ParseSourceOptions {
  /** Overrides any `#ref` suffix, like a `--ref` flag. */
  ref?: string;
  /** Base for relative paths; default the process cwd. */
  cwd?: string;
  auth?: GitAuthSpec;
}

/**
 * Turns a CLI argument into a spec: an existing path is a directory source; `http(s)://` and `ssh://` are Git URLs,
 * and so is scp-like `user@host:path` when no such local path exists; a `#fragment` names the ref (`--ref` wins).
 * Anything else is rejected so a typo never silently means "nothing".
 */
export function parseSourceArg(arg: string, opts: ParseSourceOptions = {}): SourceSpec {
  const path = resolve(opts.cwd ?? process.cwd(), arg);
  const scpLike = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!\/\/)\S+$/.test(arg) && !existsSync(path);
  if (/^(https?|ssh|git\+ssh|ssh\+git):\/\//i.test(arg) || scpLike) {
    const hash = arg.indexOf('#');
    const url = hash >= 0 ? arg.slice(0, hash) : arg;
    const fragment = hash >= 0 ? arg.slice(hash + 1) : '';
    if (opts.ref && fragment && opts.ref !== fragment) {
      throw new Error(`the ref is named twice: #${fragment} in the url and ${opts.ref} as an option; name it once`);
    }
    const ref = opts.ref ?? (fragment || undefined);
    return { type: 'git', url, ...(ref ? { ref } : {}), ...(opts.auth ? { auth: opts.auth } : {}) };
  }
  if (existsSync(path)) return { type: 'dir', path };
  throw new Error(`source ${arg} is neither an existing directory nor an http(s) or ssh git url`);
}
