/**
 * Scrubs secrets from text that may reach logs, plans, status or HTTP: URL credentials always, and every secret
 * value resolved during this process (registered by the secret resolver) wherever it appears.
 */
const secretValues = new Set<string>();

/** Remembers a resolved secret so that every later sanitize() call masks it. Short values are ignored (too noisy). */
export function registerSecret(value: string): void {
  if (value.length >= 4) secretValues.add(value);
  for (const line of value.split('\n')) if (line.trim().length >= 16) secretValues.add(line.trim());
}

export const REDACTED = '***';

/** Removes `user:pass@` from URLs, `token=` style query values and any registered secret value. */
export function sanitize(text: string): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(:[^/\s@]*)?@/gi, '$1***@');
  out = out.replace(/([?&](?:token|access_token|password|signature)=)[^&\s]+/gi, `$1${REDACTED}`);
  for (const v of secretValues) if (out.includes(v)) out = out.split(v).join(REDACTED);
  return out;
}

/** Deep-copies a JSON-like value with every string sanitised. */
export function sanitizeDeep<T>(value: T): T {
  if (typeof value === 'string') return sanitize(value) as T;
  if (Array.isArray(value)) return value.map((v) => sanitizeDeep(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = sanitizeDeep(v);
    return out as T;
  }
  return value;
}
