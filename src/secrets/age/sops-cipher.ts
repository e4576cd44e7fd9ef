/**
 * SOPS's value cipher: `ENC[AES256_GCM,data:<b64>,iv:<b64>,tag:<b64>,type:<t>]`, AES-256-GCM under the file's data
 * key with a 32-byte IV, the value's path (`a:b:`) as additional data so a ciphertext cannot be moved to another key
 * of the file. Plain node:crypto: the format is five fields, not worth a dependency.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { StalledError } from '../../errors.js';

export type SopsType = 'str' | 'int' | 'float' | 'bool' | 'bytes' | 'comment';

const ENC = /^ENC\[AES256_GCM,data:([A-Za-z0-9+/=]*),iv:([A-Za-z0-9+/=]+),tag:([A-Za-z0-9+/=]+),type:(str|int|float|bool|bytes|comment)\]$/;

export function isEncrypted(v: unknown): v is string {
  return typeof v === 'string' && v.startsWith('ENC[AES256_GCM,');
}

/** Decrypts one value to its plaintext bytes and type; StalledError when it is malformed or fails authentication. */
export function decryptValue(text: string, key: Uint8Array, aad: string, where: string): { plain: Buffer; type: SopsType } {
  const m = ENC.exec(text);
  if (!m) throw new StalledError('SecretUnavailable', `${where}: not a SOPS AES256_GCM value`);
  const [, data = '', iv = '', tag = '', type = 'str'] = m;
  try {
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(Buffer.from(tag, 'base64'));
    const plain = Buffer.concat([d.update(Buffer.from(data, 'base64')), d.final()]);
    return { plain, type: type as SopsType };
  } catch (err) {
    throw new StalledError('SecretUnavailable', `${where}: SOPS value fails authentication (edited, moved, or another data key)`, { cause: err });
  }
}

/** Encrypts plaintext bytes as a SOPS value of `type`. */
export function encryptValue(plain: Uint8Array, type: SopsType, key: Uint8Array, aad: string): string {
  const iv = randomBytes(32);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([c.update(plain), c.final()]);
  const b64 = (b: Buffer) => b.toString('base64');
  return `ENC[AES256_GCM,data:${b64(data)},iv:${b64(iv)},tag:${b64(c.getAuthTag())},type:${type}]`;
}

/** SOPS's bytes of a plain value (Go's ToBytes): what the MAC hashes and what a value is encrypted from. */
export function toBytes(v: unknown): { bytes: Buffer; type: SopsType } {
  if (typeof v === 'string') return { bytes: Buffer.from(v, 'utf8'), type: 'str' };
  if (typeof v === 'boolean') return { bytes: Buffer.from(v ? 'True' : 'False'), type: 'bool' };
  if (typeof v === 'number') return { bytes: Buffer.from(String(v)), type: Number.isInteger(v) ? 'int' : 'float' };
  return { bytes: Buffer.alloc(0), type: 'str' };
}

/** A decrypted plaintext back to the value its type says. */
export function fromBytes(plain: Buffer, type: SopsType): string | number | boolean {
  const s = plain.toString('utf8');
  if (type === 'int' || type === 'float') return Number(s);
  if (type === 'bool') return /^(true|True|TRUE|1|t|T)$/.test(s);
  return s;
}
