/** The forge clients by name; the daemon picks one from its `previews.forge` setting. */
import { createGiteaClient } from './gitea.js';
import { createGithubClient } from './github.js';
import { createGitlabClient } from './gitlab.js';
import type { ForgeClient, ForgeClientOptions, ForgeName } from './types.js';

export * from './types.js';

export function createForgeClient(forge: ForgeName, opts: ForgeClientOptions): ForgeClient {
  if (forge === 'github') return createGithubClient(opts);
  if (forge === 'gitlab') return createGitlabClient(opts);
  return createGiteaClient(opts);
}
