/**
 * `driftless secret encrypt` and `driftless secret rotate`: values encrypted in the config repo for the recipients
 * its `driftless.yaml` lists (`age: { recipients: [...] }`, public keys only). `encrypt` needs no identity and prints
 * `{ age: ... }` for a value read from stdin (or writes a SOPS file from a plain YAML file); `rotate` opens every
 * value with the operator's identities (`age:` in the operator settings) and encrypts it again for the recipients.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { yamlLib } from '../../util/yaml.js';
import { StalledError } from '../../errors.js';
import { formatProblem, loadSettingsOnly } from '../../loader/index.js';
import { encryptFor } from '../../secrets/age/keyring.js';
import { openKeyring } from '../../secrets/age/sealed.js';
import { formatSops, sealSops } from '../../secrets/age/sops.js';
import { rotateRepo } from '../../secrets/age/rotate.js';
import { operatorCatalogue, type CommonOptions } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { printJson, printMessage } from '../output.js';

export interface SecretOptions extends CommonOptions {
  repo?: string;
  /** encrypt: a plain YAML/JSON file to turn into a SOPS file. */
  file?: string;
  /** encrypt --file: where the SOPS file goes (default: FILE with .sops before its extension). */
  out?: string;
}

async function recipientsOf(repo: string): Promise<string[]> {
  const { settings, problems } = await loadSettingsOnly(repo);
  if (problems.length > 0) throw new StalledError('SchemaInvalid', problems.map(formatProblem).join('\n'));
  const recipients = settings.age.recipients;
  if (recipients.length === 0) throw new StalledError('SchemaInvalid', `${resolve(repo, 'driftless.yaml')}: age.recipients is empty; list the public keys (age1...) values are encrypted for`);
  return recipients;
}

function sopsName(file: string): string {
  const m = /^(.*?)(\.ya?ml|\.json)$/i.exec(file);
  return m ? `${m[1]}.sops${m[2]}` : `${file}.sops.yaml`;
}

export async function secretEncryptCommand(opts: SecretOptions): Promise<ExitCode> {
  const repo = opts.repo ?? '.';
  const recipients = await recipientsOf(repo);
  if (opts.file) {
    const plain: unknown = yamlLib().parse(readFileSync(opts.file, 'utf8'));
    if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) throw new StalledError('SchemaInvalid', `${opts.file}: must be a mapping`);
    const out = opts.out ?? sopsName(opts.file);
    if (!/\.sops\.(ya?ml|json)$/i.test(out)) throw new StalledError('SchemaInvalid', `${out}: a SOPS file's name ends .sops.yaml, .sops.yml or .sops.json`);
    writeFileSync(out, formatSops(await sealSops(plain as Record<string, unknown>, recipients), out), { mode: 0o644 });
    printMessage(`wrote ${out} for ${recipients.length} recipient(s); reference a value as { sops: { file: ${out}, key: ... } }`);
    return EXIT.ok;
  }
  const value = readFileSync(0);
  if (value.length === 0) throw new StalledError('SchemaInvalid', 'nothing on stdin to encrypt');
  const armored = await encryptFor(recipients, value);
  if (opts.json) printJson({ age: armored });
  else printMessage(`age: |\n${armored.trimEnd().replace(/^/gm, '  ')}`);
  return EXIT.ok;
}

export async function secretRotateCommand(opts: SecretOptions): Promise<ExitCode> {
  const repo = opts.repo ?? '.';
  const recipients = await recipientsOf(repo);
  const catalogue = operatorCatalogue(opts);
  if (!catalogue?.age) throw new StalledError('SecretUnavailable', 'rotate opens every value: give operator settings (--config) with age: { identities: ... }');
  const result = await rotateRepo(repo, await openKeyring(catalogue.age), recipients);
  if (opts.json) printJson(result);
  else printMessage(`re-encrypted ${result.values} value(s) and ${result.sopsFiles} SOPS file(s) for ${recipients.length} recipient(s): ${result.files.join(', ') || 'nothing to do'}`);
  return EXIT.ok;
}
