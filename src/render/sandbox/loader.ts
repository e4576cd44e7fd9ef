/**
 * Template files for the sandbox: only below one directory (the package's templates/), checked by real path after
 * symlinks are resolved, so neither `{% include "../../etc/passwd" %}`, an absolute name nor a link leads out of it.
 * Compiled templates are cached by real path: the directory ships with the daemon and does not change under it.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { compileTemplate, type CompiledTemplate } from './compile.js';
import { TemplateSandboxError, type RenderLimits } from './limits.js';
import type { TemplateLoader } from './env.js';

/** A loader over `root`; template names are relative to it (./ and ../ names to the including template). */
export function createFileLoader(root: string, limits: RenderLimits): TemplateLoader {
  let rootReal: string | undefined;
  const cache = new Map<string, CompiledTemplate>();
  return (name, parent) => {
    if (typeof name !== 'string' || name === '' || name.includes('\0')) throw new TemplateSandboxError('a template name must be a non-empty string');
    if (isAbsolute(name)) throw new TemplateSandboxError(`template ${name}: absolute names are not allowed`);
    rootReal ??= realpathSync(root);
    const relative = (name.startsWith('./') || name.startsWith('../')) && parent !== undefined;
    const full = resolve(relative ? dirname(parent) : rootReal, name);
    let real: string;
    try {
      real = realpathSync(full);
    } catch {
      if (!full.startsWith(rootReal + sep)) throw new TemplateSandboxError(`template ${name} is outside the templates directory`);
      throw new Error(`template not found: ${name}`);
    }
    if (!real.startsWith(rootReal + sep)) throw new TemplateSandboxError(`template ${name} is outside the templates directory`);
    const hit = cache.get(real);
    if (hit) return hit;
    const st = statSync(real);
    if (!st.isFile()) throw new Error(`template not found: ${name}`);
    if (st.size > limits.maxSource) throw new TemplateSandboxError(`template ${name} is ${st.size} bytes, over the limit of ${limits.maxSource}`);
    const compiled = compileTemplate(readFileSync(real, 'utf8'), real, limits);
    cache.set(real, compiled);
    return compiled;
  };
}
