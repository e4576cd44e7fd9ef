/**
 * Issue 14: a CF install script that echoes a secret (an operator secret or a value decrypted from the repo) must not
 * leave it in the state dir: install logs are masked when written, not only when served over HTTP.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendLog } from '../../../src/kinds/cf-deployment/store.js';
import { createFileStore } from '../../../src/store/index.js';
import { registerSecret } from '../../../src/util/sanitize.js';
import { tempDir } from '../../harness/tmp.js';

function allFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('CF install logs', () => {
  it('are written with every known secret masked', async () => {
    const stateDir = tempDir('cf-log');
    registerSecret('decrypted-cf-pass-6d2a');
    await appendLog(createFileStore(stateDir), 'cf', 'nats_0.log', 'setting password decrypted-cf-pass-6d2a for vcap\n');
    const text = allFiles(stateDir).map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(text).toContain('setting password *** for vcap');
    expect(text).not.toContain('decrypted-cf-pass-6d2a');
  });
});
