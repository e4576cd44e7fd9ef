/**
 * The two places a preview is published besides HTTP: `previews/<number>.md` on the status branch (a commit that
 * touches only that file) and, with a forge configured, a commit status plus the one edited comment.
 */
import { previewPath } from '../report/render.js';
import type { CommitState, ForgeClient } from './forge/types.js';
import type { PreviewRecord } from './model.js';
import type { PreviewPublisher } from './service.js';

/** `write(path, content | undefined, message)` commits one file of the status branch (removes it when undefined). */
export function statusBranchPublisher(write: (path: string, content: string | undefined, message: string) => Promise<string>): PreviewPublisher {
  return {
    name: 'statusBranch',
    finished: (record, markdown) =>
      write(previewPath(record.number), markdown, `driftless preview #${record.number}: ${record.state} at ${(record.commit ?? record.headSha).slice(0, 12)}`),
    closed: async (number) => {
      await write(previewPath(number), undefined, `driftless preview #${number}: closed`);
    },
  };
}

const STATE: Record<PreviewRecord['state'], CommitState> = {
  queued: 'pending',
  running: 'pending',
  success: 'success',
  failure: 'failure',
  error: 'error',
  superseded: 'error',
  closed: 'error',
};

export function forgePublisher(client: ForgeClient, opts: { context: string; link?: (number: number) => string | undefined }): PreviewPublisher {
  const status = (record: PreviewRecord, description: string) => {
    const targetUrl = opts.link?.(record.number);
    return client.setStatus(record.commit ?? record.headSha, {
      state: STATE[record.state],
      description,
      context: opts.context,
      ...(targetUrl ? { targetUrl } : {}),
    });
  };
  return {
    name: 'forge',
    started: (record) => status(record, 'planning this commit against the observed state'),
    async finished(record, markdown) {
      await status(record, record.summary);
      if (record.commit && record.commit !== record.headSha) {
        // The pull request moved between the delivery and the fetch: the named commit got a pending status at start.
        await client.setStatus(record.headSha, { state: 'error', description: `superseded by ${record.commit.slice(0, 12)}`, context: opts.context });
      }
      await client.upsertComment(record.number, markdown);
      return 'ok';
    },
    // The forge shows a pending status until something replaces it: say why no verdict follows for this commit.
    superseded: (record) => status(record, 'superseded by a newer push'),
  };
}
