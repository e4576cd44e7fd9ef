/** The `previews:` daemon settings: defaults, and a forge token that must name a secret of the catalogue. */
import { describe, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/config/index.js';
import { writeOperatorSettings } from '../harness/secrets.js';
import { configProblems } from '../daemon/helpers.js';
import { tempDir } from '../harness/tmp.js';

const base = () => ({ repo: 'https://git.example.com/team/config.git', stateDir: tempDir('preview-config') });

describe('previews settings', () => {
  it('are on by default, without forks and without a forge', () => {
    const config = loadDaemonConfig({ env: {}, flags: base() });
    expect(config.previews).toEqual({ enabled: true, forks: false, context: 'driftless/preview' });
  });

  it('take a forge whose token is a declared secret; an undeclared one or a bad type is refused', () => {
    const file = writeOperatorSettings({ 'forge-token': { value: 'x'.repeat(20), allow: { urls: ['https://api.github.com'] } } });
    const forge = { type: 'github', api: 'https://api.github.com/', repository: 'team/config', token: { secret: 'forge-token' } };
    const config = loadDaemonConfig({ env: {}, file, flags: { ...base(), previews: { forge, publicUrl: 'https://driftless.example.com/' } } });
    expect(config.previews.forge).toEqual({ ...forge, api: 'https://api.github.com' });
    expect(config.previews.publicUrl).toBe('https://driftless.example.com');
    const undeclared = configProblems(() => loadDaemonConfig({ env: {}, file, flags: { ...base(), previews: { forge: { ...forge, token: { secret: 'nope' } } } } }));
    expect(undeclared).toEqual(['previews.forge.token: secret nope is not declared under secrets:']);
    const badType = configProblems(() => loadDaemonConfig({ env: {}, file, flags: { ...base(), previews: { forge: { ...forge, type: 'bitbucket' } } } }));
    expect(badType.join('\n')).toMatch(/previews/);
  });
});
