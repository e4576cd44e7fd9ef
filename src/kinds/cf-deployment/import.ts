/**
 * Importer for the Deployment Engine's JSON config (seed 004: `{components: {name: [ip...]}, properties: {...}}`),
 * so its users bring their file as it is. Passwords in that file are literals; they never reach the YAML: they
 * become secret references to environment variables, and the notes say which to set.
 */
import { yamlLib } from '../../util/yaml.js';
import { API_VERSION } from '../../model/resource.js';
import { isComponent } from './components.js';
import type { CFDeploymentSpec, CFProperties } from './spec.js';
import {  } from '../../errors.js';

export interface ImportOptions {
  name: string;
  releaseDir: string;
  version: CFDeploymentSpec['release']['version'];
}

export interface ImportResult {
  yaml: string;
  spec: CFDeploymentSpec;
  /** What the user must still do (set secret variables, declare Hosts for the addresses). */
  notes: string[];
}

/** The seed's table spells uaa as `uua` once; both are accepted. */
const ALIASES: Record<string, string> = { uua: 'uaa' };

const flag = (v: unknown): boolean | undefined => (v === undefined || v === null || v === '' ? undefined : v === true || Number(v) === 1);

/** Every problem of a Deployment Engine config, one per line. */
export class ImportError extends Error {
  constructor(readonly problems: string[]) {
    super(`the config has ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
    this.name = 'ImportError';
  }
}

export function importEngineConfig(text: string, opts: ImportOptions): ImportResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ImportError([`the config is not JSON: ${err instanceof Error ? err.message : String(err)}`]);
  }
  const doc = raw as { components?: Record<string, unknown>; properties?: Record<string, unknown> };
  if (!doc || typeof doc !== 'object' || !doc.components || typeof doc.components !== 'object') {
    throw new ImportError(['the config has no components object']);
  }
  const components: Record<string, string[]> = {};
  const addresses = new Set<string>();
  // Every problem of the file at once (the import used to stop at the first), then one error listing them.
  const problems: string[] = [];
  for (const [key, value] of Object.entries(doc.components)) {
    const name = ALIASES[key] ?? key;
    if (!isComponent(name)) {
      problems.push(`unknown component ${key}`);
      continue;
    }
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      problems.push(`component ${key}: expected a list of addresses`);
      continue;
    }
    components[name] = value as string[];
    for (const a of value as string[]) addresses.add(a);
  }
  const p = doc.properties ?? {};
  const notes: string[] = [];
  const properties: CFProperties = { domain: String(p.domain ?? '') };
  if (!properties.domain) problems.push('properties.domain is missing');
  if (problems.length > 0) throw new ImportError(problems);
  if (p.home !== undefined) properties.home = String(p.home);
  if (p.disksize !== undefined) properties.disksize = Number(p.disksize);
  const checkdisk = flag(p.checkdisk);
  const adduser = flag(p.adduser);
  if (checkdisk !== undefined) properties.checkdisk = checkdisk;
  if (adduser !== undefined) properties.adduser = adduser;
  if (p.user !== undefined) properties.user = String(p.user);
  if (p.password !== undefined) {
    properties.password = { secret: 'cf-user-password' };
    notes.push('properties.password became { secret: cf-user-password }: the operator declares it under secrets: in the daemon settings, allowed to the CF hosts');
  }
  if (p.root !== undefined) {
    properties.root = { secret: 'cf-root-password' };
    notes.push('properties.root became { secret: cf-root-password }; driftless reaches hosts with each Host\'s SSH key');
  }
  notes.push(`declare a Host for each address (${[...addresses].sort().join(', ')}) so driftless has SSH credentials`);
  const spec: CFDeploymentSpec = { release: { version: opts.version, dir: opts.releaseDir }, components, properties };
  const yaml = yamlLib().stringify({ apiVersion: API_VERSION, kind: 'CFDeployment', metadata: { name: opts.name }, spec }, { lineWidth: 0 });
  return { yaml: `# Imported from a Deployment Engine config.\n${yaml}`, spec, notes };
}
