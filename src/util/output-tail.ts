/**
 * The end of a remote command's output, fit for one error message: whole lines (never cut mid-line the way
 * `.slice(-300)` did), runs of the same line folded into one with a count (a retry loop printing one error twenty
 * times says it once), at most `lines` lines and `chars` characters; a single over-long line keeps its end.
 */
export interface TailOptions {
  /** Lines kept from the end (after folding repeats); default 5. */
  lines?: number;
  /** Characters kept at most; default 400. */
  chars?: number;
  /** Joins the kept lines; default ' | ' (one-line messages). */
  separator?: string;
}

export function outputTail(text: string, opts: TailOptions = {}): string {
  const maxLines = opts.lines ?? 5;
  const maxChars = opts.chars ?? 400;
  const sep = opts.separator ?? ' | ';
  const folded: { line: string; n: number }[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (line.trim() === '') continue;
    const last = folded[folded.length - 1];
    if (last && last.line === line) last.n += 1;
    else folded.push({ line, n: 1 });
  }
  const shown = folded.map((f) => (f.n > 1 ? `${f.line} (x${f.n})` : f.line));
  const kept: string[] = [];
  let size = 0;
  for (let i = shown.length - 1; i >= 0 && kept.length < maxLines; i--) {
    const line = shown[i] as string;
    const room = maxChars - size - (kept.length > 0 ? sep.length : 0);
    if (line.length > room) {
      if (kept.length === 0) kept.unshift(`...${line.slice(line.length - Math.max(0, maxChars - 3))}`);
      break;
    }
    kept.unshift(line);
    size += line.length + (kept.length > 1 ? sep.length : 0);
  }
  return kept.join(sep);
}
