/**
 * Guards the CLI's cold start (issue 20): `driftless validate` of a directory must not load the packages only other
 * commands use. They were most of its start-up time (452 module files before, ~27 after). The CLI runs as a user
 * runs it, from the bundle bin/driftless.js builds, where any static `import` of a package anywhere under src/ is
 * hoisted to the top and loaded by every command: such packages are imported at their point of use instead
 * (src/source/isogit.ts, src/util/yaml.ts, src/util/logger.ts ...). A failure names the package and where it loaded.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/paths.js';

/** Packages validate must not load: Git, the daemon's HTTP server, drivers, HA state, logging, the journal, age. */
const HEAVY = [
  'isomorphic-git',
  'fastify',
  'dockerode',
  'ssh2',
  'etcd3',
  '@grpc/grpc-js',
  'protobufjs',
  'pino',
  'lowdb',
  'age-encryption',
  'chokidar',
  'prom-client',
  '@alicloud/pop-core',
  // parsing happens in the loader's worker thread; the main thread needs no YAML library
  'yaml',
];

/** Generous bound on the files validate's main thread loads (27 today): catches a new eager dependency tree. */
const MAX_FILES = 60;

const tmp = mkdtempSync(join(tmpdir(), 'driftless-imports-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const packageOf = (file: string): string | undefined => /node_modules\/((?:@[^/]+\/)?[^/.][^/]*)\//.exec(file)?.[1];

function loadedBy(args: string[]): string[] {
  const out = join(tmp, `${args.join('-')}.json`);
  const r = spawnSync(process.execPath, ['--import', join(REPO_ROOT, 'test/cli/fixtures/record-modules.mjs'), join(REPO_ROOT, 'bin/driftless.js'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, RECORD_MODULES_OUT: out, DRIFTLESS_NO_BUNDLE: '', DRIFTLESS_STATE_DIR: join(tmp, 'state') },
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(readFileSync(out, 'utf8')) as string[];
}

describe('CLI cold start', () => {
  it('validate of a directory loads none of the heavy packages, from the bundle users run', () => {
    const files = loadedBy(['validate', 'sample-repo']);
    // the recorder works and this is the bundle, not the sources through tsx
    expect(files.some((f) => packageOf(f) === 'commander')).toBe(true);
    expect(files.some((f) => /node_modules\/\.cache\/driftless\/cli-[^/]+\.mjs$/.test(f))).toBe(true);
    const heavy = files.filter((f) => HEAVY.includes(packageOf(f) ?? ''));
    expect(heavy).toEqual([]);
    // esbuild loads only when this run had to build the bundle
    expect(files.filter((f) => packageOf(f) !== 'esbuild').length).toBeLessThanOrEqual(MAX_FILES);
  });
});
