/**
 * age identities of the daemon and what they can open. The operator names where the identities live (an `{ env }` or
 * `{ file }` reference under `age:` in the settings); the config repo never does. The file is age's own `keys.txt`
 * format (`AGE-SECRET-KEY-1...` lines, `#` comments), the one `age-keygen` writes and SOPS reads.
 *
 * age does not record who a file was encrypted for (an X25519 stanza holds only an ephemeral share), so when a value
 * cannot be opened the message names the recipient TYPES in its header and the recipients our identities stand for:
 * enough to tell "encrypted for someone else" from "not an age file".
 */
import type { armor as Armor } from 'age-encryption';

/**
 * age-encryption (and its post-quantum and curve libraries) loaded at the first use of a key, not at start-up:
 * `validate` never decrypts, and the CLI bundle hoists a package's static import to its start (issue 20).
 */
const loadAge = () => import('age-encryption');
import { StalledError } from '../../errors.js';
import { registerSecret } from '../../util/sanitize.js';

export const AGE_ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';

export interface AgeKeyring {
  /** The public recipients (`age1...`) of the identities, for messages. */
  readonly recipients: readonly string[];
  /** Opens an armored age file; StalledError `SecretUnavailable` naming what it was encrypted for when none matches. */
  decrypt(armored: string): Promise<Uint8Array>;
}

/** The `AGE-SECRET-KEY-...` lines of an identity file; throws when there are none (never quoting the file). */
export function parseIdentities(text: string, origin: string): string[] {
  const keys = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('AGE-SECRET-KEY-'));
  if (keys.length === 0) throw new StalledError('SecretUnavailable', `age identities ${origin} hold no AGE-SECRET-KEY- line`);
  for (const k of keys) registerSecret(k);
  return keys;
}

/** A keyring over identity strings; the recipients are derived once. */
export async function createKeyring(identities: readonly string[]): Promise<AgeKeyring> {
  const { Decrypter, armor, identityToRecipient } = await loadAge();
  const recipients: string[] = [];
  for (const id of identities) {
    try {
      recipients.push(await identityToRecipient(id));
    } catch (err) {
      throw new StalledError('SecretUnavailable', 'an age identity is malformed', { cause: err });
    }
  }
  return {
    recipients,
    async decrypt(armored: string): Promise<Uint8Array> {
      const file = decodeArmor(armored, armor);
      const d = new Decrypter();
      for (const id of identities) d.addIdentity(id);
      try {
        return await d.decrypt(file);
      } catch (err) {
        const stanzas = stanzaTypes(file);
        const forWhom = stanzas.length > 0 ? `${stanzas.length} recipient(s): ${stanzas.join(', ')}` : 'no recognisable recipient';
        throw new StalledError(
          'SecretUnavailable',
          `cannot decrypt: encrypted for ${forWhom}; none is among the operator's identities (${recipients.join(', ')})`,
          { cause: err },
        );
      }
    },
  };
}

/** Decodes the armor; StalledError when it is not an armored age file. */
export function decodeArmor(armored: string, armor: typeof Armor): Uint8Array {
  try {
    return armor.decode(armored);
  } catch (err) {
    throw new StalledError('SecretUnavailable', 'not an ASCII-armored age file', { cause: err });
  }
}

/**
 * The recipient stanzas of an age header as `X25519`, `ssh-ed25519 <tag>`, `scrypt`...: the header is text up to
 * the `---` MAC line. X25519 stanzas say nothing about their recipient (age's design); SSH stanzas carry a key tag.
 */
export function stanzaTypes(file: Uint8Array): string[] {
  const head = Buffer.from(file.subarray(0, Math.min(file.length, 64 * 1024))).toString('latin1');
  const end = head.indexOf('\n---');
  const lines = (end >= 0 ? head.slice(0, end) : head).split('\n');
  const out: string[] = [];
  for (const l of lines) {
    if (!l.startsWith('-> ')) continue;
    const [type = '?', arg] = l.slice(3).split(' ');
    out.push(type.startsWith('ssh-') && arg ? `${type} ${arg}` : type);
  }
  return out;
}

/** Encrypts for recipients (`age1...`) and armors; the order of recipients does not matter. */
export async function encryptFor(recipients: readonly string[], data: Uint8Array | string): Promise<string> {
  if (recipients.length === 0) throw new StalledError('SecretUnavailable', 'no age recipients to encrypt for');
  const { Encrypter, armor } = await loadAge();
  const e = new Encrypter();
  for (const r of recipients) {
    try {
      e.addRecipient(r);
    } catch (err) {
      throw new StalledError('SecretUnavailable', `age recipient ${r.slice(0, 80)} is not valid`, { cause: err });
    }
  }
  return armor.encode(await e.encrypt(data));
}
