/**
 * The quick start's operator settings: `lab up` declares the lab key as the secret `lab-key` in
 * `<state dir>/config.yaml` (which every command reads by default), allowed to the lab hosts' address only, so the
 * sample repo can say `privateKey: { secret: lab-key }`. Other settings an operator put in that file are kept.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { yamlLib } from '../util/yaml.js';
import { DEFAULT_SETTINGS_FILE } from '../secrets/catalogue.js';

/** Name of the lab key's secret, as sample-repo/driftless.yaml names it. */
export const LAB_KEY_SECRET = 'lab-key';

const HEADER = [
  ' Operator settings read by every driftless command with this state dir (validate, plan, apply, serve).',
  ' Secrets are declared here, never in the config repo: the repo names them ({ secret: lab-key }) and `allow`',
  ' says where each may be sent. `driftless lab up` keeps the lab-key entry current.',
].join('\n');

/** Writes or updates `lab-key` (the key file, allowed to `hosts`); returns the settings file's path. */
export function writeLabSettings(stateDir: string, keyPath: string, hosts: readonly string[]): string {
  const path = join(stateDir, DEFAULT_SETTINGS_FILE);
  const doc = existsSync(path) ? yamlLib().parseDocument(readFileSync(path, 'utf8')) : new (yamlLib().Document)({});
  if (doc.errors.length > 0 || (doc.contents !== null && !yamlLib().isMap(doc.contents))) {
    throw new Error(`${path}: not a YAML mapping; fix or remove it, then run lab up again`);
  }
  if (!existsSync(path)) doc.commentBefore = HEADER;
  const entry = { file: relative(stateDir, keyPath), allow: { hosts: [...new Set(hosts)] } };
  doc.setIn(['secrets', LAB_KEY_SECRET], doc.createNode(entry, { flow: false }));
  writeFileSync(path, doc.toString(), { mode: 0o600 });
  return path;
}
