/**
 * One ajv instance for every schema in schemas/: compiled once per process, so that `$ref`s into
 * common.schema.json resolve and strict mode catches typos in the schemas themselves.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv';
import { createAjv, withSecretSink, type SecretSink } from './schema-ajv.js';
import { precompiledValidators } from './schema-precompiled.js';

export {
  createAjv,
  OPERATOR_REF_MESSAGE,
  PLAIN_OPERATOR_SECRET_MESSAGE,
  PLAIN_SECRET_MESSAGE,
  type SecretSink,
} from './schema-ajv.js';

/** `$id` of the repo-wide settings schema (driftless.yaml). */
export const SETTINGS_SCHEMA_ID = 'https://driftless.dev/schemas/settings.schema.json';
/** `$id` of the shared definitions; `#/$defs/metadata` validates every resource's metadata. */
export const COMMON_SCHEMA_ID = 'https://driftless.dev/schemas/common.schema.json';
export const METADATA_SCHEMA_REF = `${COMMON_SCHEMA_ID}#/$defs/metadata`;

export interface SchemaRegistry {
  /** `$id`s of every compiled schema file. */
  readonly ids: readonly string[];
  has(schemaId: string): boolean;
  /**
   * Validates (and fills schema defaults into) `data`; returns ajv's errors, or an empty list when valid.
   * Throws only for an unknown schema id, which is a programming error in a kind module.
   */
  validate(schemaId: string, data: unknown, onSecret?: SecretSink): ErrorObject[];
}

/** Finds schemas/ next to the package, whether running from src/ (tsx, vitest) or from dist/. */
export function findSchemasDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'schemas');
    if (existsSync(join(candidate, 'common.schema.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('schemas directory not found above ' + fileURLToPath(import.meta.url));
}

/**
 * Loads and compiles every `*.schema.json` in `dir` (or only the named files, for tests that must not depend on
 * schemas other people are still writing) into one instance. Throws when a schema is invalid: a developer mistake.
 */
export function createSchemaRegistry(dir: string = findSchemasDir(), only?: readonly string[]): SchemaRegistry {
  const ajv = createAjv();
  const ids: string[] = [];
  const files = (only ? [...only] : readdirSync(dir).filter((f) => f.endsWith('.schema.json'))).sort();
  for (const file of files) {
    const schema = JSON.parse(readFileSync(join(dir, file), 'utf8')) as AnySchemaObject;
    if (typeof schema.$id !== 'string') throw new Error(`schema ${file} has no $id`);
    ajv.addSchema(schema);
    ids.push(schema.$id);
  }
  const compiled = new Map<string, ValidateFunction>();
  const get = (id: string): ValidateFunction => {
    let fn = compiled.get(id);
    if (!fn) {
      fn = ajv.getSchema(id);
      if (!fn) throw new Error(`unknown schema ${id}`);
      compiled.set(id, fn);
    }
    return fn;
  };
  for (const id of ids) get(id);
  return {
    ids,
    has: (id) => ids.includes(id) || ajv.getSchema(id) !== undefined,
    validate(id, data, onSecret) {
      const fn = get(id);
      return withSecretSink(onSecret, () => (fn(data) ? [] : [...(fn.errors ?? [])]));
    },
  };
}

/**
 * A registry over precompiled validators; a ref without one (none today) compiles everything at run time, once.
 */
function precompiledRegistry(ids: readonly string[], validators: ReadonlyMap<string, ValidateFunction>, dir: string): SchemaRegistry {
  let compiled: SchemaRegistry | undefined;
  const runtime = (): SchemaRegistry => (compiled ??= createSchemaRegistry(dir));
  return {
    ids,
    has: (id) => validators.has(id) || ids.includes(id) || runtime().has(id),
    validate(id, data, onSecret) {
      const fn = validators.get(id);
      if (!fn) return runtime().validate(id, data, onSecret);
      return withSecretSink(onSecret, () => (fn(data) ? [] : [...(fn.errors ?? [])]));
    },
  };
}

let shared: SchemaRegistry | undefined;

/**
 * The process-wide registry over the package's schemas/: precompiled validators when they can be had
 * (schema-precompiled.ts; DRIFTLESS_SCHEMA_PRECOMPILE=0 turns them off, e.g. to measure), else compiled now.
 */
export function sharedSchemaRegistry(): SchemaRegistry {
  if (shared) return shared;
  const dir = findSchemasDir();
  const pre = process.env.DRIFTLESS_SCHEMA_PRECOMPILE === '0' ? undefined : precompiledValidators(dir);
  shared = pre ? precompiledRegistry(pre.ids, pre.validators, dir) : createSchemaRegistry(dir);
  return shared;
}
