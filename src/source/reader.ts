/** The Git reader kinds receive in their drivers (drivers/contracts/git.ts), backed by the config source's client. */
import type { GitReader } from '../drivers/contracts/git.js';
import { createGitSource } from './git.js';

/** Each `open` is a fresh source over its own cache dir: nothing is shared between kinds or resources. */
export function createGitReader(): GitReader {
  return { open: (opts) => createGitSource({ url: opts.url, ref: opts.ref, cacheDir: opts.cacheDir, ...(opts.auth ? { auth: opts.auth } : {}) }) };
}
