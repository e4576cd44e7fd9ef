/**
 * The one nunjucks Environment of the project, rooted at templates/: undefined variables are errors (a typo in a
 * template must fail before anything is applied) and nothing is HTML-escaped (we render config files, not pages).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';

export interface Renderer {
  /** Renders `templates/<name>` with `context`; throws on undefined variables and template errors. */
  render(name: string, context: object): string;
  /** Renders a template given as text (e.g. a command line from config) with the same rules. */
  renderString(source: string, context: object): string;
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

/** Creates the renderer; templates are cached by nunjucks after the first load. */
export function createRenderer(templatesDir: string = findTemplatesDir()): Renderer {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(templatesDir, { noCache: false }), {
    autoescape: false,
    throwOnUndefined: true,
    trimBlocks: true,
    lstripBlocks: true,
  });
  const wrap = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new Error(`render ${what}: ${msg.replace(/\s+/g, ' ').trim()}`, { cause: err });
    }
  };
  return {
    render: (name, context) => wrap(name, () => env.render(name, context)),
    renderString: (source, context) => wrap('template string', () => env.renderString(source, context)),
  };
}
