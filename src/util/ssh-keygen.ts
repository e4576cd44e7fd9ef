/**
 * ed25519 key pairs in OpenSSH format, through ssh2 (the client that will use them). ssh2's generateKeyPairSync
 * (1.17.0) writes a public key that starts with a zero byte as 31 bytes instead of 32, so about 1 key in 256 is
 * malformed: ssh2 itself then refuses it ("Malformed OpenSSH private key") and so does ssh-keygen (upstream, open:
 * mscdex/ssh2 issues 1390 and 1513; keygen.js strips every leading zero of the key, not only the BIT STRING's). That was the
 * intermittent "cannot parse private key" of machine and test-host keys. A pair is therefore generated until ssh2
 * parses it back (the chance of ten bad ones in a row is ~1e-24).
 */
export interface SshKeyPair {
  /** OpenSSH private key text. */
  private: string;
  /** `ssh-ed25519 <base64> <comment>` */
  public: string;
}

type Ssh2 = typeof import('ssh2');

/** One good ed25519 pair; `ssh2` is passed in so callers that import it lazily keep doing so. */
export function generateEd25519(ssh2: Ssh2, comment?: string): SshKeyPair {
  for (let attempt = 0; attempt < 10; attempt++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', comment ? { comment } : {});
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return { private: pair.private, public: pair.public };
  }
  throw new Error('ssh2 generated ten unparsable ed25519 keys in a row');
}
