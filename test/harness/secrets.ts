/**
 * Operator secret catalogues for tests, so fixtures stay short: give each secret its value and where it may go;
 * resources then say `{ secret: NAME }` (see `secretRef`). In process, the values live in a private env object;
 * for the CLI and the daemon, `writeOperatorSettings` writes a settings file with each value in its own file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { SecretResolver } from '../../src/kinds/types.js';
import type { SecretRef } from '../../src/model/resource.js';
import { buildCatalogue, type RawSecrets, type SecretCatalogue } from '../../src/secrets/catalogue.js';
import type { SecretBinding } from '../../src/secrets/destination.js';
import { createSecretResolver } from '../../src/secrets/resolver.js';
import { tempDir } from './tmp.js';

export interface TestSecret {
  value: string;
  allow: Partial<SecretBinding>;
}

/** Loopback SSH hosts: every test host listens on 127.0.0.1. */
export const LOOPBACK_HOSTS: Partial<SecretBinding> = { hosts: ['127.0.0.1'] };

export const secretRef = (name: string): SecretRef => ({ secret: name });

const envName = (name: string): string => `DRIFTLESS_TEST_SECRET_${name.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`;

function raw(secrets: Record<string, TestSecret>, ref: (name: string) => { env: string } | { file: string }): RawSecrets {
  const out: RawSecrets = {};
  for (const [name, s] of Object.entries(secrets)) out[name] = { ...ref(name), allow: { ...s.allow } } as RawSecrets[string];
  return out;
}

export interface TestSecrets {
  resolver: SecretResolver;
  catalogue: SecretCatalogue;
}

/** A resolver and catalogue over `secrets`, values kept out of process.env. */
export function testSecrets(secrets: Record<string, TestSecret>): TestSecrets {
  const env = Object.fromEntries(Object.entries(secrets).map(([name, s]) => [envName(name), s.value]));
  const { catalogue, problems } = buildCatalogue(raw(secrets, (n) => ({ env: envName(n) })), process.cwd(), 'test catalogue');
  if (problems.length > 0) throw new Error(problems.join('; '));
  return { resolver: createSecretResolver({ catalogue, env }), catalogue };
}

/**
 * Writes an operator settings file (`secrets:` plus `extra` settings) in `dir` (a fresh temp dir by default), each
 * value in a 0600 file next to it; returns the settings file's path, for `--config` or $DRIFTLESS_CONFIG.
 */
export function writeOperatorSettings(secrets: Record<string, TestSecret>, opts: { dir?: string; extra?: Record<string, unknown>; name?: string } = {}): string {
  const dir = opts.dir ?? tempDir('operator');
  mkdirSync(join(dir, 'secret-values'), { recursive: true, mode: 0o700 });
  for (const [name, s] of Object.entries(secrets)) writeFileSync(join(dir, 'secret-values', name), s.value, { mode: 0o600 });
  const path = join(dir, opts.name ?? 'operator.yaml');
  writeFileSync(path, stringify({ ...(opts.extra ?? {}), secrets: raw(secrets, (n) => ({ file: `secret-values/${n}` })) }));
  return path;
}

/** Like testSecrets, but secrets can be added after the resolver was handed out (fixtures built before the test). */
export function growingTestSecrets(initial: Record<string, TestSecret>): { resolver: SecretResolver; add(name: string, secret: TestSecret): void; catalogue(): SecretCatalogue } {
  const all: Record<string, TestSecret> = { ...initial };
  return {
    resolver: { resolve: (ref, to) => testSecrets(all).resolver.resolve(ref, to) },
    add: (name, secret) => {
      all[name] = secret;
    },
    catalogue: () => testSecrets(all).catalogue,
  };
}
