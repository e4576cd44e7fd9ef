/** The watched branch is named once (issue 18.3): a repo URL's #ref and a branch setting that differ are refused. */
import { describe, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/config/index.js';
import { parseSourceArg } from '../../src/source/types.js';
import { configProblems as problems } from './helpers.js';

const GIT = 'http://127.0.0.1:1/config.git';

describe('one name for the watched branch', () => {
  it('refuses --repo URL#main with --branch dev, naming both origins', () => {
    const p = problems(() => loadDaemonConfig({ env: {}, flags: { repo: `${GIT}#main`, branch: 'dev' } }));
    expect(p).toEqual([expect.stringMatching(/^branch: "dev" \(from flag --branch\) conflicts with #main in repo \(from flag --repo\)/)]);
  });

  it('refuses a branch from the environment that differs from the URL', () => {
    const p = problems(() => loadDaemonConfig({ env: { DRIFTLESS_BRANCH: 'dev' }, flags: { repo: `${GIT}#main` } }));
    expect(p[0]).toMatch(/conflicts with #main/);
  });

  it('takes #ref from the URL over the default branch, and agrees when both name the same', () => {
    const c = loadDaemonConfig({ env: {}, flags: { repo: `${GIT}#dev` } });
    expect(c.branch).toBe('dev');
    expect(c.source).toEqual({ type: 'git', url: GIT, ref: 'dev' });
    expect(loadDaemonConfig({ env: {}, flags: { repo: `${GIT}#dev`, branch: 'dev' } }).branch).toBe('dev');
  });

  it('the CLI refuses a URL #ref and a different --ref', () => {
    expect(() => parseSourceArg(`${GIT}#main`, { ref: 'dev' })).toThrow(/ref is named twice: #main in the url and dev/);
    expect(parseSourceArg(`${GIT}#main`, { ref: 'main' })).toMatchObject({ ref: 'main' });
  });
});
