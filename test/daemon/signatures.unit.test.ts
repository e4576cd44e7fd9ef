/**
 * Signature verification tables. The GitHub vector is the one GitHub's docs publish ("Validating webhook
 * deliveries": secret "It's a Secret to Everybody", payload "Hello, World!"); Gitea signs the same HMAC-SHA256 as
 * bare hex; Flux's generic-hmac receiver uses `<algo>=<hex>`; GitLab sends the secret itself as a token.
 */
import { describe, expect, it } from 'vitest';
import { safeEqual, verifyGeneric, verifyGitea, verifyGithub, verifyGitlab } from '../../src/server/signatures.js';

const SECRET = "It's a Secret to Everybody";
const BODY = Buffer.from('Hello, World!');
const SHA256 = '757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
const SHA512 =
  '11ed355a617e98134e842012a7944ccf59c10256cb182357bd7e3a42013ff07c376f8c14cf5cc1923da20b51d64256b2fb8ebbf100aa67a61326f61fea8111bc';

describe('verifyGithub (X-Hub-Signature-256)', () => {
  it.each([
    ['the documented signature', `sha256=${SHA256}`, BODY, true],
    ['upper-case hex', `sha256=${SHA256.toUpperCase()}`, BODY, true],
    ['a missing header', undefined, BODY, false],
    ['the bare hex without prefix', SHA256, BODY, false],
    ['the sha1 header format', `sha1=${SHA256.slice(0, 40)}`, BODY, false],
    ['a body changed by one byte', `sha256=${SHA256}`, Buffer.from('Hello, World?'), false],
    ['a truncated signature', `sha256=${SHA256.slice(0, 63)}`, BODY, false],
    ['non-hex garbage', 'sha256=zzzz', BODY, false],
  ])('%s -> %s', (_name, header, body, ok) => {
    expect(verifyGithub(SECRET, body, header)).toBe(ok);
  });

  it('rejects the right signature under another secret', () => {
    expect(verifyGithub('another secret', BODY, `sha256=${SHA256}`)).toBe(false);
  });
});

describe('verifyGitea (X-Gitea-Signature)', () => {
  it.each([
    ['bare hex HMAC-SHA256', SHA256, true],
    ['with a sha256= prefix (not what Gitea sends)', `sha256=${SHA256}`, false],
    ['missing', undefined, false],
    ['wrong', SHA256.replace(/^7/, '8'), false],
  ])('%s -> %s', (_name, header, ok) => {
    expect(verifyGitea(SECRET, BODY, header)).toBe(ok);
  });
});

describe('verifyGeneric (X-Signature: <algo>=<hex>)', () => {
  it.each([
    ['sha256', `sha256=${SHA256}`, true],
    ['sha512', `sha512=${SHA512}`, true],
    ['sha1 is refused', 'sha1=0a4d55a8d778e5022fab701977c5d840bbc486d0', false],
    ['no algorithm', SHA256, false],
    ['algorithm mismatch', `sha512=${SHA256}`, false],
    ['missing', undefined, false],
  ])('%s -> %s', (_name, header, ok) => {
    expect(verifyGeneric(SECRET, BODY, header)).toBe(ok);
  });
});

describe('verifyGitlab (X-Gitlab-Token)', () => {
  it.each([
    ['the secret', SECRET, true],
    ['a prefix of the secret', SECRET.slice(0, 5), false],
    ['the secret plus a char', `${SECRET}x`, false],
    ['empty', '', false],
    ['missing', undefined, false],
  ])('%s -> %s', (_name, header, ok) => {
    expect(verifyGitlab(SECRET, header)).toBe(ok);
  });
});

describe('safeEqual', () => {
  it.each([
    ['a', 'a', true],
    ['a', 'b', false],
    ['abc', 'ab', false],
    ['', '', true],
  ])('%s vs %s -> %s', (a, b, ok) => {
    expect(safeEqual(a, b)).toBe(ok);
  });
});
