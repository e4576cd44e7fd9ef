/**
 * Credentials for Git over HTTPS, shared by the source and the status writer. A token is sent GitHub-style as
 * basic auth (`x-access-token:<token>`, accepted by GitHub, Gitea and GitLab with any username); headers are sent
 * pre-emptively so an authenticated poll is one request instead of a 401 round trip.
 */
import type { AuthCallback } from 'isomorphic-git';
import type { ResolvedGitAuth } from './types.js';

export interface BasicCredentials {
  username: string;
  password: string;
}

/** Basic credentials from resolved auth; a token wins over a password. */
export function credentials(auth: ResolvedGitAuth | undefined): BasicCredentials | undefined {
  if (!auth) return undefined;
  if (auth.token) return { username: auth.username ?? 'x-access-token', password: auth.token };
  if (auth.username !== undefined || auth.password !== undefined) {
    return { username: auth.username ?? '', password: auth.password ?? '' };
  }
  return undefined;
}

/** A fresh header object per call: isomorphic-git mutates the headers it is given. */
export function authHeaders(auth: ResolvedGitAuth | undefined): Record<string, string> {
  const c = credentials(auth);
  if (!c) return {};
  return { Authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` };
}

/**
 * onAuth answers a 401 with the configured credentials (or cancels when there are none); onAuthFailure always
 * cancels, so wrong credentials fail fast instead of looping, and surface as AuthenticationFailed.
 */
export function authCallbacks(auth: ResolvedGitAuth | undefined): { onAuth: AuthCallback; onAuthFailure: AuthCallback } {
  const c = credentials(auth);
  return { onAuth: () => c ?? { cancel: true }, onAuthFailure: () => ({ cancel: true }) };
}
