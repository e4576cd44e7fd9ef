/**
 * The ajv instance driftless validates with: strict, all errors, defaults filled in, our formats and the
 * `x-secret` keyword. Kept apart from the registry so that the precompiled validators (schema-precompiled.ts)
 * and the run-time compile share the very same functions.
 */
import { createRequire } from 'node:module';
import type { Ajv, SchemaValidateFunction } from 'ajv';
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

type AddFormats = (ajv: Ajv) => Ajv;
/**
 * ajv and ajv-formats are required on first compile, not imported: with precompiled validators
 * (schema-precompiled.ts) a CLI run never loads ajv's compiler (~100 CommonJS modules).
 */
const requireCjs = createRequire(import.meta.url);

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** Hostname, IPv4 or IPv6 (bracket-free): what an SSH client accepts as an address. */
function isHostAddress(s: string): boolean {
  if (IPV4.test(s)) return true;
  if (s.includes(':')) return /^[0-9a-f:.]+$/i.test(s) && s.split('::').length <= 2 && s.length <= 45;
  return HOSTNAME.test(s) && !/^[0-9.]+$/.test(s);
}

/** Formats of our own; the precompiled validators reach them as `rt.formats[name]`. */
export const CUSTOM_FORMATS: Readonly<Record<string, (s: string) => boolean>> = {
  'host-address': isHostAddress,
  'repo-path': (s: string) => relativePathProblem(s) === undefined,
  'host-path': isCleanAbsolutePath,
};

/**
 * The `x-secret` keyword. `true`: a config repo's { secret: NAME } (reported to the sink of the validation in
 * progress); "operator": the daemon settings' { env } / { file }. Module-level so that precompiled validators
 * call this very function (`rt.xSecret`): ajv reads its errors from `xSecret.errors`.
 */
export const xSecret: SchemaValidateFunction = (mode: boolean | 'operator', data: unknown, _parent, cxt): boolean => {
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

/** Runs `fn` with `onSecret` as the sink of `x-secret`; ajv validates synchronously, so one slot is enough. */
export function withSecretSink<T>(onSecret: SecretSink | undefined, fn: () => T): T {
  secretSink = onSecret;
  try {
    return fn();
  } finally {
    secretSink = undefined;
  }
}

/**
 * Builds the instance: strict, all errors, schema defaults applied, formats, the x-secret keyword. With
 * `standalone`, ajv also keeps each validator's source, and our own functions are emitted as references into
 * `rt` (the object schema-precompiled.ts hands the generated module) instead of closures it cannot serialise.
 */
export function createAjv(opts: { standalone?: boolean } = {}): Ajv {
  const { Ajv: AjvClass, _ } = requireCjs('ajv') as typeof import('ajv');
  const addFormatsModule = requireCjs('ajv-formats') as { default?: AddFormats } & AddFormats;
  const addFormats = addFormatsModule.default ?? addFormatsModule;
  const ajv = new AjvClass({
    strict: true,
    allErrors: true,
    useDefaults: true,
    ...(opts.standalone ? { code: { source: true, formats: _`rt.formats` } } : {}),
  });
  addFormats(ajv);
  for (const [name, fn] of Object.entries(CUSTOM_FORMATS)) ajv.addFormat(name, fn);
  // ajv dedupes scope values by `ref`: registering the keyword function first, with the code that reaches it,
  // makes every compiled schema name it `rt.xSecret` (a plain `validate` keyword has no code to emit).
  if (opts.standalone) ajv.scope.value('keyword', { ref: xSecret, code: _`rt.xSecret` });
  ajv.addKeyword({ keyword: 'x-secret', schemaType: ['boolean', 'string'], errors: true, validate: xSecret });
  return ajv;
}

