/**
 * What a pull/merge request delivery says, per forge, as each documents its payload: GitHub `pull_request`
 * (`action`, `number`, `pull_request.head.sha`, `.base.ref`), GitLab `Merge Request Hook` (`object_attributes.iid`,
 * `.action`, `.last_commit.id`, `.target_branch`, `.source_project_id` vs `.target_project_id`), Gitea `pull_request`
 * (like GitHub, action `synchronized`). The payload is signed by the forge, but only identifiers are taken from it:
 * the commit to preview is fetched from the watched repository's own pull request ref, never from a URL in the body.
 */
import type { WebhookSource } from '../config/index.js';

export type PullRequestAction = 'preview' | 'close' | 'other';

/** A pull request event, reduced to what a preview needs. */
export interface PullRequestEvent {
  forge: 'github' | 'gitlab' | 'gitea';
  number: number;
  /** The forge's action word (`opened`, `synchronize`, `update`, ...). */
  actionName: string;
  action: PullRequestAction;
  /** Head commit the forge named. */
  headSha: string;
  /** The ref the watched repository keeps for the head: `refs/pull/N/head` or `refs/merge-requests/N/head`. */
  fetchRef: string;
  /** Branch the pull request would merge into, without `refs/heads/`. */
  baseBranch: string;
  /** `owner/name` (GitHub, Gitea) or the project path (GitLab) of the base repository, when the payload says. */
  repository?: string;
  /** GitLab's numeric project id, when the payload says. */
  projectId?: string;
  /** The head lives in another repository. */
  fromFork: boolean;
  title?: string;
  webUrl?: string;
}

const SHA = /^[0-9a-f]{40}$/;

const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined);

/** True for the header that names a pull/merge request event on this receiver. */
export function isPullRequestEvent(source: WebhookSource, eventName: string): boolean {
  if (source === 'github') return eventName === 'pull_request';
  if (source === 'gitlab') return eventName === 'Merge Request Hook';
  if (source === 'gitea') return eventName === 'pull_request' || eventName === 'pull_request_sync';
  return false;
}

const GITHUB_PREVIEW = new Set(['opened', 'synchronize', 'reopened']);
const GITEA_PREVIEW = new Set(['opened', 'synchronized', 'reopened']);
const GITLAB_PREVIEW = new Set(['open', 'update', 'reopen']);
const CLOSING = new Set(['closed', 'close', 'merge']);

/** Reads the event; a string says why the payload is not a usable pull request event (answered 400). */
export function readPullRequest(source: WebhookSource, payload: Record<string, unknown>): PullRequestEvent | string {
  if (source === 'gitlab') return readGitlab(payload);
  if (source !== 'github' && source !== 'gitea') return 'not a pull request receiver';
  const pr = obj(payload.pull_request);
  const number = num(payload.number) ?? num(pr.number);
  const head = obj(pr.head);
  const base = obj(pr.base);
  const headSha = str(head.sha);
  const baseBranch = str(base.ref);
  const actionName = str(payload.action) ?? '';
  if (!number || !headSha || !SHA.test(headSha) || !baseBranch) return 'pull_request payload without number, head.sha or base.ref';
  const repository = str(obj(payload.repository).full_name) ?? str(obj(base.repo).full_name);
  const headRepo = str(obj(head.repo).full_name);
  const previewing = source === 'github' ? GITHUB_PREVIEW : GITEA_PREVIEW;
  return {
    forge: source,
    number,
    actionName,
    action: previewing.has(actionName) ? 'preview' : CLOSING.has(actionName) ? 'close' : 'other',
    headSha,
    fetchRef: `refs/pull/${number}/head`,
    baseBranch,
    ...(repository ? { repository } : {}),
    fromFork: headRepo !== undefined && repository !== undefined && headRepo !== repository,
    ...(str(pr.title) ? { title: str(pr.title)! } : {}),
    ...(str(pr.html_url) ? { webUrl: str(pr.html_url)! } : {}),
  };
}

function readGitlab(payload: Record<string, unknown>): PullRequestEvent | string {
  const a = obj(payload.object_attributes);
  const number = num(a.iid);
  const headSha = str(obj(a.last_commit).id);
  const baseBranch = str(a.target_branch);
  const actionName = str(a.action) ?? '';
  if (!number || !headSha || !SHA.test(headSha) || !baseBranch) return 'merge request payload without object_attributes.iid, last_commit.id or target_branch';
  const project = obj(payload.project);
  const repository = str(project.path_with_namespace);
  const projectId = num(project.id) ?? num(a.target_project_id);
  const source = num(a.source_project_id);
  const target = num(a.target_project_id);
  return {
    forge: 'gitlab',
    number,
    actionName,
    action: GITLAB_PREVIEW.has(actionName) ? 'preview' : CLOSING.has(actionName) ? 'close' : 'other',
    headSha,
    fetchRef: `refs/merge-requests/${number}/head`,
    baseBranch,
    ...(repository ? { repository } : {}),
    ...(projectId ? { projectId: String(projectId) } : {}),
    fromFork: source !== undefined && target !== undefined && source !== target,
    ...(str(a.title) ? { title: str(a.title)! } : {}),
    ...(str(a.url) ? { webUrl: str(a.url)! } : {}),
  };
}
