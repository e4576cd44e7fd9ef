/** `plan --ref` previews a Git ref; with a directory there is no ref to preview, and saying so beats ignoring it. */
import { expect, it } from 'vitest';
import { planCommand } from '../../src/cli/commands/plan.js';
import { tempDir } from '../harness/tmp.js';

it('plan --ref with a directory source is refused before anything is read or recorded', async () => {
  const dir = tempDir('plan-ref');
  const err = await planCommand(dir, { ref: 'refs/pull/1/head', stateDir: tempDir('plan-ref-state') }).catch((e: unknown) => e);
  expect(err).toMatchObject({ name: 'StalledError', reason: 'SchemaInvalid' });
  expect(String((err as Error).message)).toContain('--ref refs/pull/1/head needs a Git source');
});
