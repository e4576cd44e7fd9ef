/**
 * CLI cold start: `node bin/driftless.js validate sample-repo` as a user types it, a new process each time, vs
 * `node -e 0` (Node's own start, the floor). The bundle and the precompiled schema validators are warmed by one
 * untimed run first (they are built once per source or schema change). Also times the same command with the
 * validators compiled at run time (DRIFTLESS_SCHEMA_PRECOMPILE=0), what every run paid before, and counts the module
 * files validate's main thread loads (the recorder of test/cli/cold-start-imports.unit.test.ts): a figure the
 * neighbours' load does not move, unlike the times.
 * Target: validate sample-repo <= 0.5 s.
 *
 *   npx tsx bench/cli-cold-start.ts [--runs 10] [--quick]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchStart, median, ms } from './lib/record.js';

const rec = benchStart('cli-cold-start');
const args = process.argv.slice(2);
const at = args.indexOf('--runs');
const RUNS = at >= 0 ? Math.max(1, Number(args[at + 1])) : rec.quick ? 3 : 10;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_MS = 500;

function time(argv: string[], env: NodeJS.ProcessEnv = {}): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const t = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr.toString().slice(-400)}`);
  return t;
}

const validate = ['bin/driftless.js', 'validate', 'sample-repo'];
time(validate); // builds the bundle / precompiled validators if the sources changed
const node: number[] = [];
const ours: number[] = [];
const compiled: number[] = [];
// Interleaved, so that a burst of load from the neighbours falls on all three alike.
for (let i = 0; i < RUNS; i++) {
  node.push(time(['-e', '0']));
  ours.push(time(validate));
  compiled.push(time(validate, { DRIFTLESS_SCHEMA_PRECOMPILE: '0' }));
}
/** Module files (and their bytes) the main thread of `validate sample-repo` loads. */
function modulesLoaded(): { files: number; kb: number } {
  const dir = mkdtempSync(join(tmpdir(), 'cold-start-'));
  try {
    const out = join(dir, 'modules.json');
    time(['--import', join(ROOT, 'test/cli/fixtures/record-modules.mjs'), ...validate], { RECORD_MODULES_OUT: out });
    const files = JSON.parse(readFileSync(out, 'utf8')) as string[];
    return { files: files.length, kb: files.reduce((sum, f) => sum + statSync(f).size, 0) / 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const loaded = modulesLoaded();
rec.log(`validate: ${ours.map((x) => x.toFixed(0)).join(', ')} ms`);
const a = median(ours);
const n = median(node);
const c = median(compiled);
rec.finish({
  compares: '`validate sample-repo` (new process) vs `node -e 0`',
  figures: [
    `validate ${ms(a)} vs node -e 0 ${ms(n)} (driftless's own share ${ms(a - n)}), medians of ${RUNS}`,
    `with schemas compiled at run time: ${ms(c)}`,
    `validate's main thread loads ${loaded.files} module files (${loaded.kb.toFixed(0)} KB; 452 files / 5,545 KB before issue 20's lazy loading)`,
  ],
  target: `validate <= ${TARGET_MS} ms`,
  met: a <= TARGET_MS,
});
