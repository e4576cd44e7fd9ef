/**
 * ssh2 1.17.0 writes ~1 ed25519 key in 256 with a 31-byte public key (a leading zero byte dropped), which neither
 * ssh2 nor ssh-keygen can read back: generateEd25519 must never hand one out. 3,000 pairs hold ~12 such keys from
 * the raw generator (the chance of none is ~1e-5), so this fails if the check is lost.
 */
import ssh2 from 'ssh2';
import { expect, it } from 'vitest';
import { generateEd25519 } from '../../src/util/ssh-keygen.js';

it('every generated ed25519 pair parses back and carries a 32-byte public key', () => {
  const bad: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const pair = generateEd25519(ssh2, `k-${i}`);
    const parsed = ssh2.utils.parseKey(pair.private);
    const blob = Buffer.from(pair.public.split(' ')[1] ?? '', 'base64');
    // blob: string "ssh-ed25519" (4 + 11 bytes), then string key (4 + 32 bytes)
    if (parsed instanceof Error || blob.readUInt32BE(15) !== 32) bad.push(pair.public);
  }
  expect(bad).toEqual([]);
});
