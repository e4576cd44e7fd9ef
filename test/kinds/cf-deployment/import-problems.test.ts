/**
 * `driftless import cf-config` reports every problem of a Deployment Engine config at once (issue 18.9: it stopped
 * at the first), and notes the release's missing jobs; the real CLI runs the import.
 */
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ImportError, importEngineConfig } from '../../../src/kinds/cf-deployment/import.js';
import { runCli } from '../../harness/cli.js';
import { tempDir } from '../../harness/tmp.js';

const CF_RELEASE = fileURLToPath(new URL('../../fixtures/cf-release', import.meta.url));

describe('import cf-config', () => {
  it('lists every problem, not the first', () => {
    const text = JSON.stringify({ components: { nats: ['10.0.0.1'], natz: ['10.0.0.2'], uaa: '10.0.0.3' }, properties: {} });
    let err: unknown;
    try {
      importEngineConfig(text, { name: 'cf', releaseDir: 'cf/release', version: 'v194' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).problems).toEqual(['unknown component natz', 'component uaa: expected a list of addresses', 'properties.domain is missing']);
  });

  it('notes the components whose job the release lacks', async () => {
    const dir = tempDir('cf-import');
    cpSync(CF_RELEASE, join(dir, 'cf', 'release'), { recursive: true });
    rmSync(join(dir, 'cf', 'release', 'jobs', 'uaa'), { recursive: true });
    const file = join(dir, 'engine.json');
    writeFileSync(file, JSON.stringify({ components: { nats: ['10.0.0.1'], uaa: ['10.0.0.2'] }, properties: { domain: 'cf.test' } }));
    const r = await runCli(['import', 'cf-config', file, '--out', join(dir, 'cf.yaml')], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/note: release\.dir cf\/release lacks jobs \(install\.sh, bin\/ctl\) for uaa; validate will report each at its component/);
  });
});
