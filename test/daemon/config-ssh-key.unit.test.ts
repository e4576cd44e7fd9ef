/** The SSH key of the config repo from DRIFTLESS_GIT_SSH_KEY_FILE / _ENV: layered like every setting and validated. */
import { describe, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/config/index.js';
import { configProblems as problemsOf } from './helpers.js';

const SSH = 'ssh://git@127.0.0.1:2222/srv/config.git';

describe('ssh key from the environment', () => {
  it('takes a key file or the name of a variable holding the key', () => {
    const fromFile = loadDaemonConfig({ env: { DRIFTLESS_REPO: SSH, DRIFTLESS_GIT_SSH_KEY_FILE: '/etc/driftless/id_ed25519' } });
    expect(fromFile.source).toEqual({ type: 'git', url: SSH, ref: 'main', auth: { sshKey: { file: '/etc/driftless/id_ed25519' } } });
    const fromEnv = loadDaemonConfig({ env: { DRIFTLESS_REPO: SSH, DRIFTLESS_GIT_SSH_KEY_ENV: 'DEPLOY_KEY' } });
    expect(fromEnv.source).toMatchObject({ auth: { sshKey: { env: 'DEPLOY_KEY' } } });
  });

  it('lets a flag win over the environment', () => {
    const c = loadDaemonConfig({ env: { DRIFTLESS_REPO: SSH, DRIFTLESS_GIT_SSH_KEY_ENV: 'DEPLOY_KEY' }, flags: { auth: { sshKey: { file: '/k/flag' } } } });
    expect(c.source).toMatchObject({ auth: { sshKey: { file: '/k/flag' } } });
  });

  it('refuses both variables at once, a bad variable name and an empty path, naming the variables', () => {
    const both = problemsOf(() => loadDaemonConfig({ env: { DRIFTLESS_REPO: SSH, DRIFTLESS_GIT_SSH_KEY_FILE: '/k', DRIFTLESS_GIT_SSH_KEY_ENV: 'K' } }));
    expect(both).toEqual(['auth.sshKey: DRIFTLESS_GIT_SSH_KEY_FILE and DRIFTLESS_GIT_SSH_KEY_ENV are both set; set only one']);
    const badName = problemsOf(() => loadDaemonConfig({ env: { DRIFTLESS_REPO: SSH, DRIFTLESS_GIT_SSH_KEY_ENV: 'not a name' } }));
    expect(badName).toEqual([expect.stringMatching(/^auth\.sshKey.*\(from env DRIFTLESS_GIT_\*\)$/)]);
    const empty = problemsOf(() => loadDaemonConfig({ env: { DRIFTLESS_REPO: SSH, DRIFTLESS_GIT_SSH_KEY_FILE: '' } }));
    expect(empty).toEqual([expect.stringMatching(/^auth\.sshKey.*\(from env DRIFTLESS_GIT_\*\)$/)]);
  });

  it('refuses an ssh key for a repo that is not reached over ssh', () => {
    const problems = problemsOf(() =>
      loadDaemonConfig({ env: { DRIFTLESS_REPO: 'https://user:pw@git.example.invalid/config.git', DRIFTLESS_GIT_SSH_KEY_FILE: '/k' } }),
    );
    expect(problems).toEqual([expect.stringMatching(/^auth\.sshKey: only used for ssh:\/\/ and user@host:path repos/)]);
    expect(problems[0]).not.toContain('pw');
  });
});
