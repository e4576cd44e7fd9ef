/**
 * Issue 14: `driftless secret rotate` re-encrypts values; a new ciphertext of the same reference must not count as a
 * change (a Pool would roll every node, declarations would show updates), while moving to another SOPS key does.
 */
import { describe, expect, it } from 'vitest';
import { resourceDigest } from '../../src/engine/digest.js';
import { nodeSpecDigest } from '../../src/kinds/pool/resolve.js';
import type { PoolSpec } from '../../src/kinds/pool/spec.js';
import type { Resource } from '../../src/model/resource.js';

const pool = (password: unknown): Resource<PoolSpec> =>
  ({
    apiVersion: 'driftless.dev/v1',
    kind: 'Pool',
    metadata: { name: 'p' },
    spec: { service: 's', container: { image: 'r/i:1', registryAuth: { username: 'ci', password } } },
    source: { file: 'p.yaml', line: 1, col: 1 },
  }) as unknown as Resource<PoolSpec>;

const armor = (body: string) => `-----BEGIN AGE ENCRYPTED FILE-----\n${body}\n-----END AGE ENCRYPTED FILE-----\n`;

describe('digests over encrypted values', () => {
  it('a re-encrypted inline value changes neither the pool node digest nor the resource digest', () => {
    const a = pool({ age: armor('YWFhYQ==') });
    const b = pool({ age: armor('YmJiYg==') });
    expect(nodeSpecDigest(a, 'r/i:1')).toBe(nodeSpecDigest(b, 'r/i:1'));
    expect(resourceDigest(a)).toBe(resourceDigest(b));
  });

  it('another SOPS key or another kind of reference is a change', () => {
    const one = pool({ sops: { file: 's.sops.yaml', key: 'a' } });
    const two = pool({ sops: { file: 's.sops.yaml', key: 'b' } });
    expect(nodeSpecDigest(one, 'r/i:1')).not.toBe(nodeSpecDigest(two, 'r/i:1'));
    expect(resourceDigest(one)).not.toBe(resourceDigest(pool({ secret: 'a' })));
  });
});
