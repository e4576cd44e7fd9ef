/**
 * Writes status reports back to Git on a branch of their own (default `driftless/status`), the way Flux and Argo CD
 * report back, but without their pain points: never a force push (a human or a second daemon pushing to the same
 * branch is never overwritten), and on a rejected push we fetch the new tip, rebuild our commit on top of it and
 * retry a bounded number of times with jitter. Only the status branch is ever pushed. This file is the HTTP(S)
 * transport (isomorphic-git); the commit building and the retry loop live in status-commit.ts, shared with SSH.
 */
import * as fs from 'node:fs';
import { git, http } from './isogit.js';
import { sanitize } from '../util/sanitize.js';
import { authCallbacks, authHeaders } from './git-auth.js';
import { toSourceError, withTimeout } from './git-errors.js';
import { commitStatusVia, type StatusCommitOptions, type StatusTransport } from './status-commit.js';
import type { ResolvedGitAuth } from './types.js';

export interface CommitStatusOptions extends StatusCommitOptions {
  url: string;
  auth?: ResolvedGitAuth;
  timeoutMs?: number;
}

/** isomorphic-git's codes for "the remote moved or refused this update": fetch the new tip and rebuild. */
const RETRYABLE = new Set(['PushRejectedError', 'GitPushError', 'NotFoundError']);

/**
 * Commits `files` on top of the status branch over HTTP(S) and pushes without force; returns the commit now at the
 * branch tip (see `commitStatusVia` for the guarantees).
 */
export function commitStatus(opts: CommitStatusOptions): Promise<string> {
  return commitStatusVia(httpStatusTransport(opts), opts);
}

function httpStatusTransport(opts: CommitStatusOptions): StatusTransport {
  const what = `status push to ${sanitize(opts.url)}#${opts.branch ?? 'driftless/status'}`;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const net = { http, url: opts.url, ...authCallbacks(opts.auth) };
  return {
    what,
    async fetchTip(gitdir, fullRef) {
      try {
        const res = await withTimeout(
          git.fetch({ ...net, headers: authHeaders(opts.auth), fs, gitdir, ref: fullRef, remoteRef: fullRef, singleBranch: true, depth: 1, tags: false }),
          timeoutMs,
          what,
        );
        return res.fetchHead ?? undefined;
      } catch (err) {
        if ((err as { code?: string }).code === 'NotFoundError') return undefined;
        throw toSourceError(err, what);
      }
    },
    async push(gitdir, fullRef) {
      try {
        await withTimeout(
          git.push({ ...net, headers: authHeaders(opts.auth), fs, gitdir, ref: fullRef, remoteRef: fullRef, force: false }),
          timeoutMs,
          what,
        );
        return { ok: true };
      } catch (err) {
        if (!RETRYABLE.has((err as { code?: string }).code ?? '')) throw toSourceError(err, what);
        return { ok: false, cause: err };
      }
    },
  };
}
