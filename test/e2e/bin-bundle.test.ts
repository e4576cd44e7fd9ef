/**
 * bin/driftless.js runs an esbuild bundle of src/ named by a fingerprint of the sources: on a copy of the package
 * (its own node_modules/.cache, so the real tree's bundle is never touched), the first start builds the bundle, a
 * source edit makes the next start build and run a new one (never stale output) and removes the old, and
 * DRIFTLESS_NO_BUNDLE=1 runs the sources through tsx.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { tempDir } from '../harness/tmp.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

/** A copy of the package whose node_modules holds links to the real packages and a cache dir of its own. */
function packageCopy(): string {
  const dir = tempDir('driftless-bin-');
  for (const part of ['bin', 'src', 'schemas', 'templates', 'package.json']) cpSync(join(root, part), join(dir, part), { recursive: true, preserveTimestamps: true });
  mkdirSync(join(dir, 'node_modules'));
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (name !== '.cache') symlinkSync(join(root, 'node_modules', name), join(dir, 'node_modules', name));
  }
  return dir;
}

const bundles = (dir: string) => readdirSync(join(dir, 'node_modules', '.cache', 'driftless')).filter((n) => n.endsWith('.mjs')).sort();

it('builds the bundle once, rebuilds it after a source edit, and can run the sources instead', async () => {
  const dir = packageCopy();
  const repo = join(root, 'sample-repo');
  const cli = (env: NodeJS.ProcessEnv = {}) => run(process.execPath, [join(dir, 'bin', 'driftless.js'), 'validate', repo], { env: { ...process.env, ...env } });

  expect((await cli()).stdout).toMatch(/^ok: \d+ resource\(s\) valid at /);
  const first = bundles(dir);
  expect(first).toHaveLength(1);
  expect(first[0]).toMatch(/^cli-[0-9a-f]{16}\.mjs$/);
  expect(readFileSync(join(dir, 'node_modules', '.cache', 'driftless', first[0]!), 'utf8')).toContain('resource(s) valid at');

  await cli();
  expect(bundles(dir)).toEqual(first);

  const output = join(dir, 'src', 'cli', 'output.ts');
  writeFileSync(output, readFileSync(output, 'utf8').replace('resource(s) valid at', 'resource(s) checked at'));
  const later = new Date(Date.now() + 5_000);
  utimesSync(output, later, later);
  expect((await cli()).stdout).toMatch(/^ok: \d+ resource\(s\) checked at /);
  const second = bundles(dir);
  expect(second).toHaveLength(1);
  expect(second[0]).not.toBe(first[0]);

  writeFileSync(output, readFileSync(output, 'utf8').replace('resource(s) checked at', 'resource(s) read through tsx at'));
  expect((await cli({ DRIFTLESS_NO_BUNDLE: '1' })).stdout).toMatch(/^ok: \d+ resource\(s\) read through tsx at /);
  expect(bundles(dir)).toEqual(second); // the sources ran: no bundle was built for the edit
}, 120_000);
