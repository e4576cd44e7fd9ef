/**
 * The project's template renderer, rooted at templates/: nunjucks syntax, run in a sandbox (src/render/sandbox/)
 * because template text can come from the config repo (NginxConfig `content`/`source`) and nunjucks itself is not
 * one: `{{ range.constructor("...")() }}` would run code in the daemon. The project's own templates go through
 * the same sandbox; they pass data only, so nothing they do is refused. Undefined variables are errors (a typo
 * must fail before anything is applied) and nothing is HTML-escaped (we render config files, not pages).
 * Command lines use the logic-less `substitute` instead (substitute.ts).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileTemplate } from './sandbox/compile.js';
import { renderCompiled } from './sandbox/env.js';
import { DEFAULT_LIMITS, type RenderLimits } from './sandbox/limits.js';
import { createFileLoader } from './sandbox/loader.js';

export { DEFAULT_LIMITS, TemplateSandboxError, type RenderLimits } from './sandbox/limits.js';

export interface Renderer {
  /** Renders `templates/<name>` with `context` (plain data); throws on undefined variables and template errors. */
  render(name: string, context: object): string;
  /** Renders a template given as text (e.g. an NginxConfig's content) with the same rules and sandbox. */
  renderString(source: string, context: object): string;
  /**
   * Parses and checks a template given as text without rendering it, so a config's syntax errors and refused
   * constructs (`constructor`, unsupported tags) are load-time problems; throws like renderString.
   */
  check(source: string): void;
}

/** Finds templates/ next to the package, whether running from src/ (tsx, vitest) or from dist/. */
export function findTemplatesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'templates');
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('templates directory not found above ' + fileURLToPath(import.meta.url));
}

/** Creates the renderer; file templates are compiled once and cached. */
export function createRenderer(templatesDir: string = findTemplatesDir(), limits: RenderLimits = DEFAULT_LIMITS): Renderer {
  const load = createFileLoader(templatesDir, limits);
  const wrap = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new Error(`render ${what}: ${msg.replace(/\s+/g, ' ').trim()}`, { cause: err });
    }
  };
  return {
    render: (name, context) => wrap(name, () => renderCompiled(load(name, undefined), context, load, limits)),
    renderString: (source, context) => wrap('template string', () => renderCompiled(compileTemplate(source, undefined, limits), context, load, limits)),
    check: (source) => wrap('template string', () => void compileTemplate(source, undefined, limits)),
  };
}
