/**
 * `driftless secret rotate`: every value the repo carries encrypted is opened with the operator's identities and
 * encrypted again for the recipients `driftless.yaml` lists now — inline `{ age: ... }` values in resource files
 * (edited in place through the YAML document, so comments and layout stay) and whole SOPS files (a new data key,
 * new values, a new MAC: someone removed from the recipients cannot open the new file with a key they kept).
 * Files are replaced atomically (write + rename); nothing is written when any value fails to open.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { yamlLib } from '../../util/yaml.js';
import { listResourceFiles } from '../../loader/walk.js';
import { resolveInside } from '../../util/confine.js';
import { encryptFor, AGE_ARMOR_BEGIN, type AgeKeyring } from './keyring.js';
import { formatSops, openSops, parseSops, resealSops } from './sops.js';
import { readdir } from 'node:fs/promises';

export interface RotateResult {
  /** Files rewritten, relative to the repo. */
  files: string[];
  /** Inline values re-encrypted. */
  values: number;
  /** SOPS files re-encrypted. */
  sopsFiles: number;
}

/** The repo's SOPS files (`*.sops.yaml|yml|json`), skipping dot-dirs and node_modules as the loader does. */
export async function listSopsFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listSopsFiles(root, path)));
    else if (e.isFile() && /\.sops\.(ya?ml|json)$/i.test(e.name)) out.push(path);
  }
  return out.sort();
}

/** Re-encrypts every inline value and SOPS file of `dir` for `recipients`; see the module comment. */
export async function rotateRepo(dir: string, keyring: AgeKeyring, recipients: readonly string[]): Promise<RotateResult> {
  const writes: { file: string; text: string }[] = [];
  let values = 0;
  for (const file of await listResourceFiles(dir)) {
    const path = resolveInside(dir, file, 'file');
    const text = readFileSync(path, 'utf8');
    if (!text.includes(AGE_ARMOR_BEGIN)) continue;
    const docs = yamlLib().parseAllDocuments(text, { keepSourceTokens: false });
    let changed = 0;
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      const pending: { node: { value: unknown } }[] = [];
      yamlLib().visit(doc, {
        Map(_key, map) {
          if (!yamlLib().isMap(map) || map.items.length !== 1) return;
          const pair = map.items[0];
          if (yamlLib().isScalar(pair?.key) && pair.key.value === 'age' && yamlLib().isScalar(pair.value) && typeof pair.value.value === 'string' && pair.value.value.includes(AGE_ARMOR_BEGIN)) {
            pending.push({ node: pair.value });
          }
        },
      });
      for (const p of pending) {
        const plain = await keyring.decrypt(p.node.value as string);
        p.node.value = await encryptFor(recipients, plain);
        changed++;
      }
    }
    if (changed > 0) {
      values += changed;
      writes.push({ file, text: docs.map((d) => String(d)).join('') });
    }
  }
  let sopsFiles = 0;
  for (const file of await listSopsFiles(dir)) {
    const path = resolveInside(dir, file, 'file');
    const opened = await openSops(parseSops(readFileSync(path, 'utf8'), file), keyring, file);
    writes.push({ file, text: formatSops(await resealSops(opened, recipients), file) });
    sopsFiles++;
  }
  for (const w of writes) {
    const path = join(dir, w.file);
    writeFileSync(`${path}.driftless-tmp`, w.text, { mode: 0o644 });
    renameSync(`${path}.driftless-tmp`, path);
  }
  return { files: writes.map((w) => w.file), values, sopsFiles };
}
