/**
 * Aliyun RPC signature (SignatureVersion 1.0, HMAC-SHA1) written from Aliyun's documentation, independently of
 * pop-core: percent-encode per RFC 3986 (only A-Z a-z 0-9 - _ . ~ stay; space is %20, never +), sort the
 * parameters by name, join `k=v` with `&`, StringToSign = METHOD & percentEncode("/") & percentEncode(that),
 * HMAC-SHA1 keyed with `secret&`, base64.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function canonicalQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k]!)}`)
    .join('&');
}

export function stringToSign(method: string, params: Record<string, string>): string {
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalQuery(params))}`;
}

export function sign(method: string, params: Record<string, string>, secret: string): string {
  return createHmac('sha1', `${secret}&`).update(stringToSign(method, params)).digest('base64');
}

export function signatureMatches(method: string, params: Record<string, string>, secret: string): boolean {
  const given = Buffer.from(params.Signature ?? '');
  const want = Buffer.from(sign(method, params, secret));
  return given.length === want.length && timingSafeEqual(given, want);
}
