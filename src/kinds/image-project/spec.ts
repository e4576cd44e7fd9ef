/** The ImageProject spec as the schema (schemas/image-project.schema.json) guarantees it, and its label names. */
import type { SecretRef } from '../../model/resource.js';

export type DockerfileStep =
  | { RUN: string }
  | { COPY: { src: string; dest: string } }
  | { WORKDIR: string }
  | { MAINTAINER: string }
  | { ENTRYPOINT: string | string[] }
  | { ENV: Record<string, string> }
  | { EXPOSE: (number | string)[] };

/** Git credentials of a project's repository: names of operator-declared secrets, bound to the URL. */
export interface GitCredentials {
  username?: string;
  password?: SecretRef;
  token?: SecretRef;
}

export interface GitLocation {
  url: string;
  ref?: string;
  credentials?: GitCredentials;
}

export type DockerfileSpec =
  | { inline: string }
  | { git: GitLocation & { path?: string } }
  | { steps: DockerfileStep[] };

export type TagPolicy = { from: 'media-commit' } | { fixed: string };

export interface ImageProjectSpec {
  /** `registry/path` without tag, e.g. `127.0.0.1:5000/team/web`. */
  repository: string;
  tag?: TagPolicy;
  baseImage: string;
  registryAuth?: { username: string; password: SecretRef };
  dockerfile: DockerfileSpec;
  media?: { git: GitLocation & { subdir?: string }; dest: string };
  buildArgs?: Record<string, string>;
}

/** Labels driftless puts on every image it builds; the registry's config blob gives them back to observe. */
export const LABELS = {
  inputDigest: 'dev.driftless.input-digest',
  mediaCommit: 'dev.driftless.media-commit',
  baseDigest: 'dev.driftless.base-digest',
  dockerfileDigest: 'dev.driftless.dockerfile-digest',
  buildArgsDigest: 'dev.driftless.build-args-digest',
  project: 'dev.driftless.project',
} as const;

/** Build arg always passed so inline and Git Dockerfiles can say `ARG BASE_IMAGE` / `FROM ${BASE_IMAGE}`. */
export const BASE_IMAGE_ARG = 'BASE_IMAGE';
