/**
 * Loads a checkout and runs every check that needs no outside contact: schema, references, and the dependency
 * graph (a cycle is a problem reported at the first resource of the cycle, naming the whole path).
 */
import { buildGraph } from '../engine/index.js';
import { ReconcileError } from '../errors.js';
import type { KindRegistry } from '../kinds/types.js';
import type { SecretCatalogue } from '../secrets/catalogue.js';
import { loadRepo, sortProblems, type LoadCache, type LoadResult } from '../loader/index.js';

export interface CheckOptions {
  /** The source's listing with blob ids (git sources), so the directory is not walked. */
  files?: ReadonlyMap<string, string>;
  cache?: LoadCache;
  /** The operator's secrets: a name the repo uses that is not in it is a load problem. */
  catalogue?: SecretCatalogue;
}

export async function loadChecked(dir: string, registry: KindRegistry, opts: CheckOptions = {}): Promise<LoadResult> {
  const load = await loadRepo(dir, { registry, ...opts });
  if (load.problems.length > 0) return load;
  try {
    buildGraph(load.resources, registry);
  } catch (err) {
    if (!(err instanceof ReconcileError) || err.reason !== 'DependencyCycle') throw err;
    const first = /dependency cycle: (\S+)/.exec(err.message)?.[1];
    const at = load.resources.find((r) => `${r.kind}/${r.metadata.name}` === first) ?? load.resources[0];
    const pos = at?.source ?? { file: 'driftless.yaml', line: 1, col: 1 };
    return { ...load, problems: sortProblems([{ file: pos.file, line: pos.line, col: pos.col, message: err.message }]) };
  }
  return load;
}
