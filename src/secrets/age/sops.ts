/**
 * SOPS files with age recipients (what Flux users keep in Git): YAML or JSON whose leaves are `ENC[...]` values and
 * whose `sops:` mapping holds the data key, encrypted once per age recipient (`sops.age[].enc`), the time of the last
 * change and a MAC. Reading one checks the MAC (SHA-512 over every value in document order, encrypted with the
 * last-modified time as additional data): a value removed, added, reordered or swapped with another file's is
 * refused, not silently accepted. Writing follows the same format, so `sops -d` opens what driftless writes.
 * Only age key groups are read or written (a file with only PGP/KMS keys is refused, naming them).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { yamlLib } from '../../util/yaml.js';
import { StalledError } from '../../errors.js';
import { registerSecret } from '../../util/sanitize.js';
import { encryptFor, type AgeKeyring } from './keyring.js';
import { decryptValue, encryptValue, fromBytes, isEncrypted, toBytes } from './sops-cipher.js';

type Tree = Record<string, unknown>;

/** What a SOPS file says about itself, with the plain tree once opened. */
export interface OpenedSops {
  /** The document without `sops:`, every value decrypted. */
  tree: Tree;
  /** Walk-order indexes of the leaves that were encrypted (rotate keeps the others plain, as SOPS did). */
  encrypted: ReadonlySet<number>;
  /** The `sops:` mapping as found. */
  metadata: Tree;
  /** The age recipients the file's data key is encrypted for. */
  recipients: string[];
}

/** True when parsed data looks like a SOPS document (a `sops` mapping with a `mac` or key groups). */
export function isSopsDocument(data: unknown): data is Tree & { sops: Tree } {
  if (!isTree(data) || !isTree(data.sops)) return false;
  return 'mac' in data.sops || 'age' in data.sops || 'lastmodified' in data.sops;
}

function isTree(v: unknown): v is Tree {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The age recipients a SOPS document names (`sops.age[].recipient`). */
export function sopsRecipients(doc: { sops: Tree }): string[] {
  const age = doc.sops.age;
  return Array.isArray(age) ? age.flatMap((e) => (isTree(e) && typeof e.recipient === 'string' ? [e.recipient] : [])) : [];
}

/** Parses SOPS text (YAML or JSON); StalledError when it is not a SOPS document. */
export function parseSops(text: string, file: string): Tree & { sops: Tree } {
  let data: unknown;
  try {
    data = yamlLib().parse(text, { maxAliasCount: 0, uniqueKeys: true });
  } catch (err) {
    throw new StalledError('SecretUnavailable', `${file}: not valid YAML/JSON`, { cause: err });
  }
  if (!isSopsDocument(data)) throw new StalledError('SecretUnavailable', `${file}: not a SOPS file (no sops: mapping with a mac)`);
  return data;
}

/** Visits every leaf in SOPS's walk order with its additional-data path (`a:b:`); list items share their key's path. */
function walk(value: unknown, path: string[], visit: (leaf: unknown, aad: string) => unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => walk(v, path, visit));
  if (isTree(value)) {
    const out: Tree = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, [...path, k], visit);
    return out;
  }
  return visit(value, path.map((p) => `${p}:`).join(''));
}

/** Opens a SOPS document: data key through the keyring, every value decrypted, MAC checked. */
export async function openSops(doc: Tree & { sops: Tree }, keyring: AgeKeyring, file: string): Promise<OpenedSops> {
  const recipients = sopsRecipients(doc);
  const key = await dataKey(doc.sops, keyring, file, recipients);
  const { sops: metadata, ...data } = doc;
  const hash = createHash('sha512');
  const macOnlyEncrypted = metadata.mac_only_encrypted === true;
  const encrypted = new Set<number>();
  let index = 0;
  const tree = walk(data, [], (leaf, aad) => {
    const i = index++;
    if (isEncrypted(leaf)) {
      const { plain, type } = decryptValue(leaf, key, aad, `${file}: ${aad.slice(0, -1).replace(/:/g, '.')}`);
      encrypted.add(i);
      if (type !== 'comment') hash.update(plain);
      const value = fromBytes(plain, type);
      if (typeof value === 'string') registerSecret(value);
      return value;
    }
    if (!macOnlyEncrypted) hash.update(toBytes(leaf).bytes);
    return leaf;
  }) as Tree;
  checkMac(metadata, key, hash.digest('hex').toUpperCase(), file);
  return { tree, encrypted, metadata, recipients };
}

async function dataKey(meta: Tree, keyring: AgeKeyring, file: string, recipients: string[]): Promise<Uint8Array> {
  const entries = Array.isArray(meta.age) ? meta.age.filter(isTree) : [];
  if (entries.length === 0) {
    const others = ['pgp', 'kms', 'gcp_kms', 'azure_kv', 'hc_vault'].filter((k) => Array.isArray(meta[k]) && (meta[k] as unknown[]).length > 0);
    throw new StalledError('SecretUnavailable', `${file}: no age recipients in sops.age${others.length ? ` (only ${others.join(', ')}, which driftless does not read)` : ''}`);
  }
  for (const e of entries) {
    if (typeof e.enc !== 'string') continue;
    try {
      const key = await keyring.decrypt(e.enc);
      if (key.length === 32) return key;
    } catch {
      // another recipient's copy; try the next
    }
  }
  throw new StalledError(
    'SecretUnavailable',
    `${file}: cannot decrypt: encrypted for ${recipients.join(', ') || 'unnamed recipients'}; the operator's identities are ${keyring.recipients.join(', ')}`,
  );
}

function checkMac(meta: Tree, key: Uint8Array, computed: string, file: string): void {
  const mac = meta.mac;
  const stamp = meta.lastmodified;
  if (typeof mac !== 'string' || typeof stamp !== 'string') throw new StalledError('SecretUnavailable', `${file}: sops.mac or sops.lastmodified missing`);
  const { plain } = decryptValue(mac, key, stamp, `${file}: sops.mac`);
  const want = Buffer.from(plain.toString('utf8').toUpperCase());
  const got = Buffer.from(computed);
  if (want.length !== got.length || !timingSafeEqual(want, got)) {
    throw new StalledError('SecretUnavailable', `${file}: MAC mismatch: the file was changed without its key (values added, removed or swapped)`);
  }
}

/** A value by dotted key (`db.password`, `users.0.name`); StalledError naming the key when absent or not a leaf. */
export function valueAt(tree: Tree, key: string, file: string): string {
  let cur: unknown = tree;
  for (const part of key.split('.')) {
    if (Array.isArray(cur) && /^\d+$/.test(part)) cur = cur[Number(part)];
    else if (isTree(cur) && Object.hasOwn(cur, part)) cur = cur[part];
    else throw new StalledError('SecretUnavailable', `${file}: no key ${key}`);
  }
  if (typeof cur === 'string' || typeof cur === 'number' || typeof cur === 'boolean') return String(cur);
  throw new StalledError('SecretUnavailable', `${file}: ${key} is not a single value`);
}

export interface SealOptions {
  /** Leaves to leave plain, by walk index (rotate); default: every leaf except under a key ending `_unencrypted`. */
  encrypt?: (index: number, aad: string) => boolean;
  /** sops metadata to keep (rotate keeps encrypted_regex and the like). */
  keep?: Tree;
}

const UNENCRYPTED_SUFFIX = '_unencrypted';

/** Encrypts a plain tree as a SOPS document for age recipients: a new data key, new values, a new MAC. */
export async function sealSops(tree: Tree, recipients: readonly string[], options: SealOptions = {}): Promise<Tree> {
  const key = randomBytes(32);
  const hash = createHash('sha512');
  const suffix = typeof options.keep?.unencrypted_suffix === 'string' ? options.keep.unencrypted_suffix : UNENCRYPTED_SUFFIX;
  const plainBySuffix = (aad: string) => aad.split(':').some((k) => k.endsWith(suffix) && k !== '');
  const should = options.encrypt ?? ((_i: number, aad: string) => !plainBySuffix(aad));
  let index = 0;
  const data = walk(tree, [], (leaf, aad) => {
    const i = index++;
    const { bytes, type } = toBytes(leaf);
    hash.update(bytes);
    if (!should(i, aad) || leaf === null || leaf === undefined || (typeof leaf === 'string' && leaf === '')) return leaf;
    return encryptValue(bytes, type, key, aad);
  }) as Tree;
  const lastmodified = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const mac = encryptValue(Buffer.from(hash.digest('hex').toUpperCase()), 'str', key, lastmodified);
  const age = [];
  for (const r of recipients) age.push({ recipient: r, enc: await encryptFor([r], key) });
  const keep = { ...(options.keep ?? {}) };
  for (const k of ['age', 'mac', 'lastmodified', 'version', 'pgp', 'kms', 'gcp_kms', 'azure_kv', 'hc_vault']) delete keep[k];
  if (!('unencrypted_suffix' in keep) && !Object.keys(keep).some((k) => /_regex$|_suffix$/.test(k))) keep.unencrypted_suffix = UNENCRYPTED_SUFFIX;
  return { ...data, sops: { age, lastmodified, mac, ...keep, version: '3.9.0' } };
}

/** Re-encrypts an opened file for `recipients`, keeping plain what was plain and the file's encryption rules. */
export async function resealSops(opened: OpenedSops, recipients: readonly string[]): Promise<Tree> {
  return sealSops(opened.tree, recipients, { encrypt: (i) => opened.encrypted.has(i), keep: opened.metadata });
}

/** Serialises a SOPS document as its file name asks (`.json` as JSON, else YAML). */
export function formatSops(doc: Tree, file: string): string {
  if (file.endsWith('.json')) return `${JSON.stringify(doc, null, 2)}\n`;
  const yaml = new (yamlLib().Document)(doc);
  // quoted as sops writes it: a plain timestamp would be a YAML timestamp to parsers that resolve YAML 1.1 types
  const stamp = yaml.getIn(['sops', 'lastmodified'], true);
  if (yamlLib().isScalar(stamp)) stamp.type = 'QUOTE_DOUBLE';
  return yaml.toString({ lineWidth: 0 });
}
