/**
 * A component's files on a host: the release's `jobs/<component>/` directory (install.sh, bin/ctl, anything else)
 * plus the config and monit control file rendered from templates/cf/. Everything is read and rendered locally
 * first, so a missing file or a template error stops the run before any host is touched, and the digest of it
 * all tells observe whether a host has exactly this installed.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { StalledError } from '../../errors.js';
import { createRenderer } from '../../render/index.js';
import { resolveInside } from '../../util/confine.js';
import { digestOf } from '../../util/digest.js';
import type { Placement } from './resolve.js';
import type { CFDeploymentSpec } from './spec.js';

export const VCAP = '/var/vcap';
export const MONITRC = `${VCAP}/monit/monitrc`;
export const MARKER_DIR = `${VCAP}/driftless`;
/** What every component's job directory must hold (installed and run by the component's install and monit). */
export const JOB_FILES = ['install.sh', 'bin/ctl'] as const;

export interface ReleaseFile {
  /** Path relative to the component's job directory. */
  path: string;
  content: Buffer;
  mode: number;
}

export interface ComponentBundle {
  files: ReleaseFile[];
  config: string;
  monitrc: string;
  digest: string;
}

const renderer = createRenderer();

/**
 * The release directory, resolved through symlinks and confined to the config repo (a `release.dir` that is, or
 * passes through, a symlink leading out is refused: its files would be read and installed on hosts).
 */
export function releaseDir(repoDir: string, spec: CFDeploymentSpec): string {
  return resolveInside(repoDir, spec.release.dir, 'dir', 'release.dir');
}

async function walk(dir: string, base = dir): Promise<ReleaseFile[]> {
  const out: ReleaseFile[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full, base)));
    else if (entry.isFile()) {
      const st = await stat(full);
      out.push({ path: relative(base, full).split(sep).join('/'), content: await readFile(full), mode: st.mode & 0o111 ? 0o755 : 0o644 });
    }
  }
  return out;
}

/**
 * Reads a component's job directory (confined to the release directory, symlinks inside it left out); throws with
 * what is missing.
 */
export async function readJob(dir: string, component: string): Promise<ReleaseFile[]> {
  let files: ReleaseFile[];
  try {
    files = await walk(resolveInside(dir, `jobs/${component}`, 'dir', 'job directory'));
  } catch (err) {
    if (err instanceof StalledError && err.reason === 'UnsafePath') throw err;
    throw new StalledError('ReferenceInvalid', `release has no jobs/${component}/ directory`, { cause: err });
  }
  for (const required of JOB_FILES) {
    if (!files.some((f) => f.path === required)) throw new StalledError('ReferenceInvalid', `release jobs/${component}/ has no ${required}`);
  }
  return files;
}

/** Addresses of every declared component, as configs need them (e.g. uaa is told where the database is). */
export function addressBook(placements: Placement[]): Record<string, string[]> {
  const book: Record<string, string[]> = {};
  for (const p of placements) (book[p.component] ??= []).push(p.address);
  return book;
}

export function renderBundle(
  deployment: string,
  spec: CFDeploymentSpec,
  p: Placement,
  files: ReleaseFile[],
  book: Record<string, string[]>,
): ComponentBundle {
  const { password: _p, root: _r, ...plain } = spec.properties;
  const context = {
    deployment,
    component: p.component,
    index: p.index,
    host: p.host,
    address: p.address,
    release: spec.release.version,
    properties: { home: '', user: 'vcap', disksize: 0, ...plain },
    addresses: book,
    vcap: VCAP,
  };
  const config = renderer.render('cf/job-config.yml.njk', context);
  const monitrc = renderer.render('cf/job.monitrc.njk', context);
  // Other components' addresses stay out of the digest: scaling one component out must not reinstall the rest.
  const digest = digestOf({
    files: files.map((f) => ({ path: f.path, mode: f.mode, sha: digestOf(f.content) })),
    config: renderer.render('cf/job-config.yml.njk', { ...context, addresses: {} }),
    monitrc,
  });
  return { files, config, monitrc, digest };
}

/** The private monit's own control file (BOSH runs its monit the same way, apart from any system monit). */
export function renderMonitrc(spec: CFDeploymentSpec): string {
  return renderer.render('cf/monitrc.njk', {
    vcap: VCAP,
    interval: spec.monit?.intervalSeconds ?? 5,
    httpPort: spec.monit?.httpPort ?? 2812,
  });
}
