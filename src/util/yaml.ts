/**
 * The `yaml` package, required at first use. The main thread of `validate` parses nothing itself (config files are
 * parsed in a worker, src/loader/yaml-worker.ts), so it need not load yaml at all; and a static import would load it
 * in every command anyway, because the CLI bundle (bin/driftless.js) hoists package imports to its top (issue 20).
 * yaml's Node entry is CommonJS, so a synchronous require keeps callers synchronous; an `import` elsewhere (tests)
 * shares the same module instance through Node's CommonJS cache.
 */
import { createRequire } from 'node:module';

const requireCjs = createRequire(import.meta.url);

let loaded: typeof import('yaml') | undefined;

/** The yaml module, required on the first call. */
export function yamlLib(): typeof import('yaml') {
  loaded ??= requireCjs('yaml') as typeof import('yaml');
  return loaded;
}
