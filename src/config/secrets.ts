/**
 * The operator's secret catalogue for the one-shot commands (validate, plan, apply): the `secrets:` map of the same
 * settings file `serve` reads. The other settings in that file belong to `serve` and are not checked here.
 */
import { dirname, resolve } from 'node:path';
import { describeErrors } from '../loader/messages.js';
import { sharedSchemaRegistry } from '../loader/schema-registry.js';
import { buildCatalogue, readSettingsFile, settingsFilePath, type RawAge, type RawSecrets, type SecretCatalogue } from '../secrets/catalogue.js';

/** `$id` pointer of the catalogue's schema inside the daemon config schema. */
export const SECRETS_SCHEMA_REF = 'https://driftless.dev/schemas/config.schema.json#/$defs/secrets';
/** `$id` pointer of the `age:` settings (identities for values encrypted in the repo). */
export const AGE_SCHEMA_REF = 'https://driftless.dev/schemas/config.schema.json#/$defs/age';

export interface CatalogueInputs {
  /** `--config`; else $DRIFTLESS_CONFIG; else `<stateDir>/config.yaml` when it exists. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  stateDir: string;
  cwd?: string;
}

/** Every problem of the catalogue at once, each naming the setting. */
export class SecretsConfigError extends Error {
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super(`invalid operator settings ${file}:\n  ${problems.join('\n  ')}`);
    this.name = 'SecretsConfigError';
    this.problems = problems;
  }
}

/** Validates `secrets:` (and `age:`) and builds the catalogue; problems are `secrets.<name>...: message` lines. */
export function catalogueFrom(raw: unknown, baseDir: string, origin: string, rawAge?: unknown): { catalogue: SecretCatalogue; problems: string[] } {
  const data = raw ?? {};
  const issues = describeErrors(sharedSchemaRegistry().validate(SECRETS_SCHEMA_REF, data), '', data);
  const problems = issues.map((i) => (i.pointer === '' ? `secrets: ${i.message}` : `secrets.${i.message}`));
  if (rawAge !== undefined) {
    const ageIssues = describeErrors(sharedSchemaRegistry().validate(AGE_SCHEMA_REF, rawAge), '', rawAge);
    problems.push(...ageIssues.map((i) => (i.pointer === '' ? `age: ${i.message}` : `age.${i.message}`)));
  }
  if (problems.length > 0) return { catalogue: buildCatalogue({}, baseDir, origin).catalogue, problems };
  return buildCatalogue(data as RawSecrets, baseDir, origin, rawAge as RawAge | undefined);
}

/** The catalogue from the operator's settings file, or undefined when there is none; throws when it is invalid. */
export function loadSecretCatalogue(inputs: CatalogueInputs): SecretCatalogue | undefined {
  const cwd = inputs.cwd ?? process.cwd();
  const path = settingsFilePath(inputs.file, inputs.env ?? process.env, resolve(cwd, inputs.stateDir));
  if (!path) return undefined;
  const full = resolve(cwd, path);
  let data: Record<string, unknown>;
  try {
    data = readSettingsFile(full);
  } catch (err) {
    throw new SecretsConfigError(full, [`cannot read: ${err instanceof Error ? err.message : String(err)}`]);
  }
  const { catalogue, problems } = catalogueFrom(data.secrets, dirname(full), full, data.age);
  if (problems.length > 0) throw new SecretsConfigError(full, problems);
  return catalogue;
}
