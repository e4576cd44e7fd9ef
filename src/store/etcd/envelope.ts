/**
 * Secrets at rest in a shared store: a value written with `{ secret: true }` is sealed with AES-256-GCM before it
 * leaves the process, so a dump of etcd (a backup, `etcdctl get --prefix`, a snapshot file) holds no private key
 * bytes without the operator's key. The envelope is self-describing (magic + version), so reads need no flag, and
 * the key's namespace and name are the GCM associated data: a sealed value copied under another key fails to open
 * instead of being read as that key's secret.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { StalledError } from '../../errors.js';

const MAGIC = Buffer.from('DLSEAL1\0', 'latin1');
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A 32-byte key derived from the operator's secret (any string of at least 32 characters). */
export interface SealKey {
  readonly key: Buffer;
}

/**
 * Derives the AES key with HKDF-SHA256, so the operator may give a passphrase-like string or random bytes in any
 * encoding; the minimum length keeps a typo such as an empty file or `changeme` from becoming the fleet's key.
 */
export function deriveSealKey(secret: string): SealKey {
  const material = secret.trim();
  if (material.length < 32) {
    throw new StalledError('SecretUnavailable', 'the state encryption key must be at least 32 characters (e.g. `openssl rand -base64 32`)');
  }
  return { key: Buffer.from(hkdfSync('sha256', material, 'driftless-state', 'aes-256-gcm v1', 32)) };
}

export function isSealed(value: Uint8Array): boolean {
  return value.length >= MAGIC.length && Buffer.from(value.subarray(0, MAGIC.length)).equals(MAGIC);
}

/** Seals `value` for the key `aad` (`ns/key`). */
export function seal(k: SealKey, aad: string, value: Uint8Array | string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', k.key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(typeof value === 'string' ? Buffer.from(value, 'utf8') : value), cipher.final()]);
  return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
}

/** Opens an envelope written by `seal` for the same `aad`; a wrong key or a moved value is a StalledError. */
export function open(k: SealKey | undefined, aad: string, value: Buffer): Buffer {
  if (!k) throw new StalledError('SecretUnavailable', `state value ${aad} is encrypted and no state encryption key is configured`);
  const iv = value.subarray(MAGIC.length, MAGIC.length + IV_BYTES);
  const tag = value.subarray(MAGIC.length + IV_BYTES, MAGIC.length + IV_BYTES + TAG_BYTES);
  const body = value.subarray(MAGIC.length + IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', k.key, iv);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch (err) {
    throw new StalledError('SecretUnavailable', `state value ${aad} cannot be decrypted: wrong state encryption key, or the value was moved`, { cause: err });
  }
}
