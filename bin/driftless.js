#!/usr/bin/env node
// Runs the CLI from one ES module bundled from its TypeScript sources by esbuild (packages stay external), rebuilt
// whenever a file under src/ changed (a fingerprint of every source file's path, size and mtime names the bundle),
// so a checkout needs no build step and never runs stale output. Why not tsx, as before: its loader runs in a
// thread of its own and keeps every transformed module, ~40 MiB of a daemon's resident memory. The bundle takes
// ~0.2 s to build once per source change; when it cannot be built or written, the sources run through tsx.
// DRIFTLESS_NO_BUNDLE=1 forces tsx (e.g. for TypeScript stack traces without --enable-source-maps).
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';

// The daemon trades some CPU for memory: with V8's --optimize-for-size a `serve` holding a 3,000-file repo peaked
// at 130-145 MiB instead of 170-177 MiB, its first load+run 0.3-0.5 s slower (bench/daemon-scale.ts). One-shot
// commands keep V8's defaults. DRIFTLESS_V8_FLAGS replaces the choice ("" for none); the flags V8 reads while
// running (heap growth, memory reducer) take effect when set here, before the CLI is loaded.
const command = process.argv.slice(2).find((a) => !a.startsWith('-'));
const v8Flags = process.env.DRIFTLESS_V8_FLAGS ?? (command === 'serve' ? '--optimize-for-size' : '');
if (v8Flags.trim()) setFlagsFromString(v8Flags);

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src', 'cli', 'index.ts');
const cacheDir = join(root, 'node_modules', '.cache', 'driftless');

/** Hash of every source file's path, size and mtime: any edit, add or delete under src/ names a new bundle. */
function fingerprint() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else {
        const st = statSync(path);
        hash.update(`${relative(root, path)}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  walk(join(root, 'src'));
  hash.update(`${process.version}\0${statSync(fileURLToPath(import.meta.url)).mtimeMs}`);
  return hash.digest('hex').slice(0, 16);
}

/** The bundle for the current sources, built when missing (written in a temp dir, renamed into place). */
async function bundle() {
  const id = fingerprint();
  const out = join(cacheDir, `cli-${id}.mjs`);
  if (existsSync(out)) return out;
  const { build } = await import('esbuild');
  const tmp = join(cacheDir, `.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    await build({
      entryPoints: [entry],
      outfile: join(tmp, `cli-${id}.mjs`),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: 'linked',
      logLevel: 'silent',
    });
    renameSync(join(tmp, `cli-${id}.mjs.map`), `${out}.map`);
    renameSync(join(tmp, `cli-${id}.mjs`), out);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  // Older bundles are of sources that no longer exist; a process already running one has it loaded.
  for (const name of readdirSync(cacheDir)) {
    if (name.startsWith('cli-') && !name.startsWith(`cli-${id}.`)) rmSync(join(cacheDir, name), { force: true });
  }
  return out;
}

let target;
if (process.env.DRIFTLESS_NO_BUNDLE !== '1') {
  try {
    target = await bundle();
  } catch {
    target = undefined; // read-only install or no esbuild: run the sources
  }
}
if (!target) {
  const { register } = await import('tsx/esm/api');
  register();
  target = entry;
}
await import(pathToFileURL(target).href);
