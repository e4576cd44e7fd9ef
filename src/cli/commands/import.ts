/**
 * `driftless import cf-config FILE`: turns a Deployment Engine JSON config into a CFDeployment YAML document
 * (to --out, else stdout). Plain passwords become secret references; the notes go to stderr.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JOB_FILES } from '../../kinds/cf-deployment/release.js';
import { importEngineConfig } from '../../kinds/cf-deployment/import.js';
import type { CFDeploymentSpec } from '../../kinds/cf-deployment/spec.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { printMessage } from '../output.js';

export interface ImportCfOptions {
  name?: string;
  releaseDir?: string;
  version?: string;
  out?: string;
}

const VERSIONS = ['v160', 'v170', 'v194'] as const;

/**
 * The release's jobs for the imported components, looked up relative to where the import runs (the repo root,
 * usually): a missing job used to surface only at `plan`. `validate` reports the same at each component's line.
 */
function releaseNotes(spec: CFDeploymentSpec): string[] {
  const dir = spec.release.dir;
  if (!existsSync(dir)) return [`release.dir ${dir} does not exist here; put the release's jobs/<component>/ there (validate checks them)`];
  const missing = Object.keys(spec.components).filter((c) => JOB_FILES.some((f) => !existsSync(join(dir, 'jobs', c, f))));
  return missing.length > 0 ? [`release.dir ${dir} lacks jobs (install.sh, bin/ctl) for ${missing.join(', ')}; validate will report each at its component`] : [];
}

export async function importCfConfigCommand(file: string, opts: ImportCfOptions): Promise<ExitCode> {
  const version = (opts.version ?? 'v194') as CFDeploymentSpec['release']['version'];
  if (!VERSIONS.includes(version)) throw new Error(`release version ${version} is not one of ${VERSIONS.join(', ')}`);
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    throw new Error(`cannot read ${file}`, { cause: err });
  });
  const result = importEngineConfig(text, { name: opts.name ?? 'cf', releaseDir: opts.releaseDir ?? 'cf/release', version });
  if (opts.out) await writeFile(opts.out, result.yaml);
  else printMessage(result.yaml.trimEnd());
  for (const n of [...result.notes, ...releaseNotes(result.spec)]) process.stderr.write(`note: ${n}\n`);
  return EXIT.ok;
}
