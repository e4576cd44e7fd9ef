/**
 * A per-machine template of the host image's layers as a registry stores them, so each test registry starts with
 * the base image's blobs already on disk. Why: `seedBaseImage` pushes the 558 MB host image into a fresh registry,
 * and the engine gzips every layer again for each new registry address: 19-37 s per test file, six files a run.
 * With the blobs hard-linked into the new registry's storage and linked into the target repository, the engine's
 * HEAD check finds every layer and the push sends only the manifest (measured: 88 ms). The push still happens, so
 * the engine records the layers as living in that registry and later pushes (builds FROM the base) mount them.
 *
 * The vitest global setup builds the template once per host image (in the background, see prepareSeedTemplate in
 * registry.ts) and names a status file in DRIFTLESS_REGISTRY_SEED_STATUS; without it, or if building failed, the
 * seed falls back to the plain push.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The repository the template is pushed to; its `_layers` links are copied to whatever repository is seeded. */
export const TEMPLATE_REPO = 'base/debian';
const V2 = join('docker', 'registry', 'v2');
const WAIT_MS = 300_000;

/** Where the template of `image` lives (same filesystem as the test registries, so blobs can be hard-linked). */
export function seedTemplatePath(image: string): string {
  return join(tmpdir(), 'driftless-registry-seed', image.replace(/[^A-Za-z0-9_.-]/g, '_'));
}

/** Copies a registry storage that holds `image` in TEMPLATE_REPO to the template path; the first run to finish wins. */
export async function storeSeedTemplate(storage: string, image: string): Promise<string> {
  const final = seedTemplatePath(image);
  const tmp = `${final}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'repositories', TEMPLATE_REPO), { recursive: true });
  await execFileAsync('cp', ['-al', join(storage, V2, 'blobs'), join(tmp, 'blobs')]);
  await execFileAsync('cp', ['-r', join(storage, V2, 'repositories', TEMPLATE_REPO, '_layers'), join(tmp, 'repositories', TEMPLATE_REPO, '_layers')]);
  try {
    renameSync(tmp, final);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(final)) throw e;
  }
  return final;
}

/** Records the outcome for the workers: `ready <path>` or `failed <reason>`. */
export function writeSeedStatus(file: string, status: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, status);
  renameSync(`${file}.tmp`, file);
}

/** The template path once the global setup has it; undefined when there is none (then the seed pushes in full). */
async function readyTemplate(): Promise<string | undefined> {
  const file = process.env.DRIFTLESS_REGISTRY_SEED_STATUS;
  if (!file) return undefined;
  const deadline = Date.now() + WAIT_MS;
  while (!existsSync(file)) {
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const [state, path] = readFileSync(file, 'utf8').split(' ', 2);
  return state === 'ready' && path && existsSync(path) ? path : undefined;
}

/**
 * Puts the template's blobs into a registry's storage (hard links; blobs are never rewritten in place) and links
 * them into `repo` (copies: link files may be rewritten). Returns false, changing nothing, when there is no
 * template or the registry already holds blobs (a second seed into one registry is fast anyway: the engine mounts).
 */
export async function linkSeedTemplate(storage: string, repo: string): Promise<boolean> {
  const template = await readyTemplate();
  const v2 = join(storage, V2);
  if (!template || existsSync(join(v2, 'blobs'))) return false;
  try {
    mkdirSync(join(v2, 'repositories', repo), { recursive: true });
    await execFileAsync('cp', ['-al', join(template, 'blobs'), join(v2, 'blobs')]);
    await execFileAsync('cp', ['-r', join(template, 'repositories', TEMPLATE_REPO, '_layers'), join(v2, 'repositories', repo, '_layers')]);
    return true;
  } catch {
    rmSync(join(v2, 'blobs'), { recursive: true, force: true });
    rmSync(join(v2, 'repositories', repo), { recursive: true, force: true });
    return false;
  }
}
