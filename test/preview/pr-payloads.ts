/**
 * Pull/merge request deliveries shaped and signed the way each forge sends them (the fields driftless reads plus
 * the ones around them, abridged from the forges' documented examples), for the webhook and daemon tests.
 */
import { createHmac, randomUUID } from 'node:crypto';

export type Forge = 'github' | 'gitlab' | 'gitea';

export interface PrSpec {
  number: number;
  sha: string;
  action?: string;
  base?: string;
  /** owner/name of the base repository (GitLab: path_with_namespace). */
  repository?: string;
  /** Head in another repository (a fork). */
  fork?: boolean;
  title?: string;
}

/** The action each forge uses for a new push to an open pull request. */
export const SYNC_ACTION: Record<Forge, string> = { github: 'synchronize', gitlab: 'update', gitea: 'synchronized' };
export const OPEN_ACTION: Record<Forge, string> = { github: 'opened', gitlab: 'open', gitea: 'opened' };
export const CLOSE_ACTION: Record<Forge, string> = { github: 'closed', gitlab: 'close', gitea: 'closed' };
/** The ref the forge keeps in the base repository for a pull request's head. */
export const headRef = (forge: Forge, n: number): string => (forge === 'gitlab' ? `refs/merge-requests/${n}/head` : `refs/pull/${n}/head`);

export function prPayload(forge: Forge, pr: PrSpec): Record<string, unknown> {
  const repo = pr.repository ?? 'team/config';
  const headRepo = pr.fork ? `someone/${repo.split('/')[1]}` : repo;
  if (forge === 'gitlab') {
    return {
      object_kind: 'merge_request',
      event_type: 'merge_request',
      user: { id: 1, name: 'Administrator', username: 'root' },
      project: { id: 42, name: 'config', path_with_namespace: repo, web_url: `https://gitlab.example.com/${repo}` },
      object_attributes: {
        id: 99,
        iid: pr.number,
        title: pr.title ?? 'change hosts',
        target_branch: pr.base ?? 'main',
        source_branch: 'feature',
        source_project_id: pr.fork ? 43 : 42,
        target_project_id: 42,
        state: 'opened',
        action: pr.action ?? 'open',
        last_commit: { id: pr.sha, message: 'change hosts', author: { name: 'dev', email: 'dev@example.com' } },
        url: `https://gitlab.example.com/${repo}/-/merge_requests/${pr.number}`,
      },
    };
  }
  const repository = { id: 1, full_name: repo, name: repo.split('/')[1], owner: { login: repo.split('/')[0] } };
  return {
    action: pr.action ?? 'opened',
    number: pr.number,
    pull_request: {
      id: 1000 + pr.number,
      number: pr.number,
      state: 'open',
      title: pr.title ?? 'change hosts',
      html_url: `https://${forge}.example.com/${repo}/pull/${pr.number}`,
      head: { label: 'dev:feature', ref: 'feature', sha: pr.sha, repo: { ...repository, full_name: headRepo } },
      base: { label: 'team:main', ref: pr.base ?? 'main', sha: '0'.repeat(40), repo: repository },
    },
    repository,
    sender: { login: 'dev' },
  };
}

/** Headers and body of a signed delivery: GitHub's HMAC `sha256=`, GitLab's token, Gitea's bare hex HMAC. */
export function signedDelivery(forge: Forge, secret: string, payload: Record<string, unknown>, opts: { delivery?: string } = {}): { headers: Record<string, string>; body: string } {
  const body = JSON.stringify(payload);
  const hmac = createHmac('sha256', secret).update(body).digest('hex');
  const id = opts.delivery ?? randomUUID();
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (forge === 'github') Object.assign(headers, { 'x-github-event': 'pull_request', 'x-github-delivery': id, 'x-hub-signature-256': `sha256=${hmac}` });
  if (forge === 'gitlab') Object.assign(headers, { 'x-gitlab-event': 'Merge Request Hook', 'x-gitlab-event-uuid': id, 'x-gitlab-token': secret });
  if (forge === 'gitea') Object.assign(headers, { 'x-gitea-event': 'pull_request', 'x-gitea-delivery': id, 'x-gitea-signature': hmac });
  return { headers, body };
}

export async function sendPrHook(baseUrl: string, forge: Forge, secret: string, pr: PrSpec): Promise<Response> {
  const { headers, body } = signedDelivery(forge, secret, prPayload(forge, pr));
  return fetch(`${baseUrl}/hooks/${forge}`, { method: 'POST', headers, body });
}
