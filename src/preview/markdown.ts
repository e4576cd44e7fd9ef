/**
 * The preview as Markdown: `previews/<number>.md` on the status branch and the body of the one forge comment. The
 * plan text sits in a fenced block, verbatim (`driftless plan --ref` prints the same lines), after a hidden marker
 * that lets the next preview find and edit the comment. Sanitised as a whole, cut to fit a forge comment.
 */
import { sanitize } from '../util/sanitize.js';
import { COMMENT_MARKER } from './forge/types.js';
import type { PreviewRecord } from './model.js';

/** GitHub refuses comments over 65,536 characters; stay under it with room for the note that says so. */
const MAX_CHARS = 60_000;

const HEADLINE: Record<PreviewRecord['state'], string> = {
  queued: 'queued',
  running: 'planning',
  success: 'plan ready',
  failure: 'failing',
  error: 'could not be planned',
  superseded: 'superseded by a newer push',
  closed: 'closed',
};

/** A fence longer than any run of backticks in the text, so no line can close it early. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

export function renderPreviewMarkdown(record: PreviewRecord, opts: { link?: string } = {}): string {
  const commit = record.commit ?? record.headSha;
  const head: string[] = [
    COMMENT_MARKER,
    `### driftless plan preview of #${record.number}: ${HEADLINE[record.state]}`,
    '',
    `- Commit \`${commit.slice(0, 12)}\` (\`${record.fetchRef}\`) into \`${record.baseBranch}\`, planned against the observed state. Nothing is applied before the merge.`,
    `- ${record.summary}`,
  ];
  if (opts.link) head.push(`- As data: ${opts.link}`);
  if (record.problems.length > 0) head.push('', `**${record.problems.length} problem(s)** — fix them before merging; the daemon would refuse this commit.`);
  let body = record.lines.join('\n');
  const note = '\n... (cut to fit; the whole plan is in the JSON preview)';
  const budget = MAX_CHARS - head.join('\n').length - 200;
  if (body.length > budget) body = body.slice(0, Math.max(0, budget)) + note;
  const fence = fenceFor(body);
  const parts = [...head, ''];
  if (record.lines.length > 0) parts.push(`${fence}text`, body, fence, '');
  return sanitize(parts.join('\n'));
}

/** The plan text inside a preview's Markdown (what tests compare with `plan --ref`'s stdout). */
export function planTextOf(markdown: string): string | undefined {
  const m = /^(`{3,})text\n([\s\S]*?)\n\1$/m.exec(markdown);
  return m?.[2];
}
