/**
 * Durations as people write them in config (`30s`, `5m`, `1h30m`, `250ms`), the same grammar as
 * common.schema.json's `duration`, so a value the schema accepts always parses.
 */
const PART = /([0-9]+)(ms|s|m|h)/g;
const WHOLE = /^([0-9]+(ms|s|m|h))+$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds in `text`; throws for anything the schema would reject. */
export function parseDuration(text: string): number {
  if (!WHOLE.test(text)) throw new Error(`invalid duration ${JSON.stringify(text)}: use e.g. 30s, 5m, 1h30m or 250ms`);
  let ms = 0;
  for (const m of text.matchAll(PART)) ms += Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000);
  return ms;
}

/** Short human form for logs and status (`90s` -> `1m30s`). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${rest || (!h && !m) ? `${rest}s` : ''}`;
}
