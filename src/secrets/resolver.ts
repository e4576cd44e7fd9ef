/**
 * Resolves secret references (`{ env: NAME }`, `{ file: PATH }`) at the moment a value is needed, and registers
 * every value with the sanitiser so it can never reach a log, plan, status report or HTTP answer.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { StalledError } from '../errors.js';
import type { SecretResolver } from '../kinds/types.js';
import type { SecretRef } from '../model/resource.js';
import { registerSecret } from '../util/sanitize.js';

export interface SecretResolverOptions {
  env?: NodeJS.ProcessEnv;
  /** Base for relative `file` references; the process working directory by default, never the config repo. */
  baseDir?: string;
}

export function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
}

export function createSecretResolver(options: SecretResolverOptions = {}): SecretResolver {
  const env = options.env ?? process.env;
  const baseDir = options.baseDir ?? process.cwd();
  return {
    async resolve(ref: SecretRef): Promise<string> {
      if ('env' in ref) {
        const value = env[ref.env];
        if (value === undefined || value === '') {
          throw new StalledError('SecretUnavailable', `secret environment variable ${ref.env} is not set`);
        }
        registerSecret(value);
        return value;
      }
      const path = expandHome(ref.file);
      const full = isAbsolute(path) ? path : resolve(baseDir, path);
      try {
        const value = await readFile(full, 'utf8');
        registerSecret(value);
        return value;
      } catch (err) {
        throw new StalledError('SecretUnavailable', `secret file ${ref.file} cannot be read`, { cause: err });
      }
    },
  };
}
