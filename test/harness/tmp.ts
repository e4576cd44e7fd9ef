/**
 * Temporary directories for tests that vanish when the process exits, so a failing test leaves no litter and no
 * test has to remember an afterAll for them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dirs = new Set<string>();
let hooked = false;

/** Creates a fresh directory under the OS temp dir, removed at process exit. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `driftless-${prefix.replace(/[^a-zA-Z0-9_-]/g, '-')}-`));
  dirs.add(dir);
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}

/** Removes a directory made by tempDir now rather than at exit. */
export function removeTempDir(dir: string): void {
  dirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}
