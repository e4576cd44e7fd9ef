/**
 * Operator-side secret references (`{ env: NAME }`, `{ file: PATH }`): read from the daemon's environment or files.
 * Only the operator writes these (daemon settings, CLI flags, the `secrets:` catalogue); a config repo never can.
 * Every value read is registered with the sanitiser so it can never reach a log, plan, status report or HTTP answer.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { StalledError } from '../errors.js';
import type { OperatorSecretRef } from '../model/resource.js';
import { registerSecret } from '../util/sanitize.js';

export interface OperatorSecretOptions {
  env?: NodeJS.ProcessEnv;
  /** Base for relative `file` references; the process working directory by default, never the config repo. */
  baseDir?: string;
}

/** Resolves operator-side references (the daemon's own Git credentials, webhook secrets). */
export interface OperatorSecretResolver {
  resolve(ref: OperatorSecretRef): Promise<string>;
}

export function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
}

/** Reads one operator reference; StalledError `SecretUnavailable` when the variable is unset or the file unreadable. */
export async function readOperatorSecret(ref: OperatorSecretRef, options: OperatorSecretOptions = {}): Promise<string> {
  if ('env' in ref) {
    const value = (options.env ?? process.env)[ref.env];
    if (value === undefined || value === '') {
      throw new StalledError('SecretUnavailable', `secret environment variable ${ref.env} is not set`);
    }
    registerSecret(value);
    return value;
  }
  const path = expandHome(ref.file);
  const full = isAbsolute(path) ? path : resolve(options.baseDir ?? process.cwd(), path);
  try {
    const value = await readFile(full, 'utf8');
    registerSecret(value);
    return value;
  } catch (err) {
    throw new StalledError('SecretUnavailable', `secret file ${ref.file} cannot be read`, { cause: err });
  }
}

export function createOperatorSecretResolver(options: OperatorSecretOptions = {}): OperatorSecretResolver {
  return { resolve: (ref) => readOperatorSecret(ref, options) };
}
