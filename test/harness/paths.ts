/**
 * The repository root, for tests that read source, schemas or fixtures. Kept apart from cli.ts so a unit test can
 * know where the repo is without importing the module that spawns the CLI (see test-projects.unit.test.ts).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
