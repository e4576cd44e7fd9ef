/**
 * What a plan preview tells the forge: a commit status on the pull request's head and one comment that is edited
 * in place on every new preview (found again by a hidden marker), never a new comment per push.
 */
export type ForgeName = 'github' | 'gitlab' | 'gitea';
export const FORGES: readonly ForgeName[] = ['github', 'gitlab', 'gitea'];

/** The states every forge has a word for; each client maps them to its own (GitLab says `failed`). */
export type CommitState = 'pending' | 'success' | 'failure' | 'error';

export interface CommitStatus {
  state: CommitState;
  /** One line; clients cut it to the forge's limit (GitHub: 140 characters). */
  description: string;
  /** Names the check on the forge, e.g. `driftless/preview`. */
  context: string;
  targetUrl?: string;
}

/** Hidden in every preview comment: how the next preview finds the comment to edit. */
export const COMMENT_MARKER = '<!-- driftless:plan-preview -->';

export interface ForgeClient {
  readonly forge: ForgeName;
  setStatus(sha: string, status: CommitStatus): Promise<void>;
  /** Edits the pull request's comment that carries COMMENT_MARKER, or creates it; returns its id. */
  upsertComment(number: number, body: string): Promise<{ id: string; created: boolean }>;
}

/** How a client reaches the forge: the operator's API base URL and a token resolved for exactly that URL. */
export interface ForgeClientOptions {
  /** API base URL: `https://api.github.com`, `https://gitlab.example.com/api/v4`, `https://gitea.example.com/api/v1`. */
  api: string;
  /** `owner/name` (GitHub, Gitea) or the project's id or `group/path` (GitLab). */
  repository: string;
  /** Resolves the token for one request URL (the operator's binding is checked per URL). */
  token: (url: string) => Promise<string>;
  /** Per request; default 15 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}
