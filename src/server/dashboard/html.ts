/**
 * Escaping for the dashboard's server-side HTML. Every interpolated value is escaped and sanitised (secret values
 * and URL credentials masked) unless it is already `Html` built by this module, so a page cannot carry markup or a
 * secret from a resource name, a message or an install log by mistake: the only way to emit raw markup is `html`
 * itself, whose literal parts are the package's own.
 */
import { sanitize } from '../../util/sanitize.js';

/** Markup known to be safe: produced by `html` (literals + escaped values) or `svg` helpers. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values, after masking secrets. */
export function escapeHtml(text: string): string {
  return sanitize(text).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export type HtmlValue = Html | string | number | boolean | undefined | null | readonly HtmlValue[];

function render(v: HtmlValue): string {
  if (v === undefined || v === null || v === false) return '';
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

/** Tagged template: literals verbatim, every value escaped (arrays joined, undefined/null/false empty). */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** A URL for an href: only http(s) and same-site paths survive; anything else (javascript:, data:) becomes `#`. */
export function safeHref(url: string): string {
  return /^(https?:\/\/|\/(?!\/))/i.test(url) ? url : '#';
}

/** `2026-12-05T19:00:00.000Z` -> `2026-12-05 19:00:00Z`; the raw value stays in a `<time datetime>`. */
export function when(iso: string | undefined): Html {
  if (!iso) return html`<span class="muted">—</span>`;
  return html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>`;
}

/** 1234 -> `1.2 s`, 61000 -> `1 min 1 s`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Age from an ISO time to `now`: `3 d`, `5 h`, `12 min`, `40 s`. */
export function age(iso: string | undefined, now: number): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(t)) return '—';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s >= 86_400) return `${Math.floor(s / 86_400)} d`;
  if (s >= 3600) return `${Math.floor(s / 3600)} h`;
  if (s >= 60) return `${Math.floor(s / 60)} min`;
  return `${s} s`;
}

/** Short commit id, full one in the title. */
export function commit(rev: string | undefined): Html {
  if (!rev) return html`<span class="muted">—</span>`;
  return html`<code title="${rev}">${rev.slice(0, 12)}</code>`;
}
