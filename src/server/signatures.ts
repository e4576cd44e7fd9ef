/**
 * Webhook authentication as each forge documents it. HMACs are computed over the raw request bytes (re-serialised
 * JSON would not match), and every comparison is constant-time over equal-length digests, so neither the secret
 * nor the expected signature can be recovered by timing.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Constant-time equality of two strings of any length (both are hashed first, so lengths leak nothing either). */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

/** Lower-case hex HMAC of `body`. */
export function hmacHex(algorithm: 'sha256' | 'sha512', secret: string, body: Buffer): string {
  return createHmac(algorithm, secret).update(body).digest('hex');
}

const HEX = /^[0-9a-f]+$/i;

/** GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>` (the SHA-1 header is not accepted). */
export function verifyGithub(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const sig = header.slice('sha256='.length);
  return HEX.test(sig) && safeEqual(sig.toLowerCase(), hmacHex('sha256', secret, body));
}

/** GitLab: `X-Gitlab-Token` carries the shared secret itself; there is no body signature. */
export function verifyGitlab(secret: string, header: string | undefined): boolean {
  return typeof header === 'string' && header.length > 0 && safeEqual(header, secret);
}

/** Gitea (and Forgejo): `X-Gitea-Signature: <hex HMAC-SHA256 of the body>`, no prefix. */
export function verifyGitea(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header || !HEX.test(header)) return false;
  return safeEqual(header.toLowerCase(), hmacHex('sha256', secret, body));
}

/**
 * Generic (Flux's generic-hmac receiver): `X-Signature: <algorithm>=<hex HMAC of the body>`. sha256 and sha512 are
 * accepted; sha1, which Flux still allows, is refused.
 */
export function verifyGeneric(secret: string, body: Buffer, header: string | undefined): boolean {
  const m = /^(sha256|sha512)=([0-9a-f]+)$/i.exec(header ?? '');
  if (!m) return false;
  const algorithm = m[1]!.toLowerCase() as 'sha256' | 'sha512';
  return safeEqual(m[2]!.toLowerCase(), hmacHex(algorithm, secret, body));
}
