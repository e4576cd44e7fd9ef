/**
 * One ajv instance for every schema in schemas/: compiled once per process, so that `$ref`s into
 * common.schema.json resolve and strict mode catches typos in the schemas themselves.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type AnySchemaObject, type SchemaValidateFunction, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { isOperatorSecretRef, isSecretRef, type SecretRef } from '../model/resource.js';
import { isCleanAbsolutePath, relativePathProblem } from '../util/confine.js';

/** Message of the x-secret keyword; never contains the offending value. */
export const PLAIN_SECRET_MESSAGE = 'plain-text secret not allowed; use { secret: NAME } (a secret the operator declared)';

/** Message for the `{ env }` / `{ file }` forms a config repo may no longer use: they name the daemon's own env and files. */
export const OPERATOR_REF_MESSAGE =
  'a config repo cannot read the daemon\'s environment or files; write { secret: NAME } and have the operator declare NAME under secrets: in the daemon settings';

/** Message of `"x-secret": "operator"` (daemon settings): operator references name an env variable or a file. */
export const PLAIN_OPERATOR_SECRET_MESSAGE = 'plain-text secret not allowed; use { env: NAME } or { file: PATH }';

/** Called for every secret reference (`{ secret }`, `{ age }`, `{ sops }`) a validation meets, with its instance path. */
export type SecretSink = (instancePath: string, ref: SecretRef) => void;

/** The sink of the validation in progress; ajv validates synchronously, so one slot is enough. */
let secretSink: SecretSink | undefined;

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

type AddFormats = (ajv: Ajv) => Ajv;
/** ajv-formats is CommonJS: under NodeNext its default import is the module object, the plugin is on `.default`. */
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ??
  addFormatsModule) as unknown as AddFormats;

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

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** Hostname, IPv4 or IPv6 (bracket-free): what an SSH client accepts as an address. */
function isHostAddress(s: string): boolean {
  if (IPV4.test(s)) return true;
  if (s.includes(':')) return /^[0-9a-f:.]+$/i.test(s) && s.split('::').length <= 2 && s.length <= 45;
  return HOSTNAME.test(s) && !/^[0-9.]+$/.test(s);
}

/** Builds the instance: strict, all errors, schema defaults applied, formats, the x-secret keyword. */
export function createAjv(): Ajv {
  const ajv = new Ajv({ strict: true, allErrors: true, useDefaults: true });
  addFormats(ajv);
  ajv.addFormat('host-address', isHostAddress);
  ajv.addFormat('repo-path', (s: string) => relativePathProblem(s) === undefined);
  ajv.addFormat('host-path', isCleanAbsolutePath);
  // `true`: a config repo's { secret: NAME }; "operator": the daemon settings' { env } / { file }.
  const xSecret: SchemaValidateFunction = (mode: boolean | 'operator', data: unknown, _parent, cxt): boolean => {
    if (!mode) return true;
    if (mode === 'operator') {
      const ok = isOperatorSecretRef(data) && typeof Object.values(data)[0] === 'string';
      if (!ok) xSecret.errors = [{ keyword: 'x-secret', message: PLAIN_OPERATOR_SECRET_MESSAGE, params: {} }];
      return ok;
    }
    if (isSecretRef(data)) {
      secretSink?.(cxt?.instancePath ?? '', data);
      return true;
    }
    const message = isOperatorSecretRef(data) ? OPERATOR_REF_MESSAGE : PLAIN_SECRET_MESSAGE;
    xSecret.errors = [{ keyword: 'x-secret', message, params: {} }];
    return false;
  };
  ajv.addKeyword({ keyword: 'x-secret', schemaType: ['boolean', 'string'], errors: true, validate: xSecret });
  return ajv;
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
      secretSink = onSecret;
      try {
        return fn(data) ? [] : [...(fn.errors ?? [])];
      } finally {
        secretSink = undefined;
      }
    },
  };
}

let shared: SchemaRegistry | undefined;

/** The process-wide registry over the package's schemas/, compiled on first use. */
export function sharedSchemaRegistry(): SchemaRegistry {
  shared ??= createSchemaRegistry();
  return shared;
}
