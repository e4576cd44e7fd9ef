/**
 * Dockerfile rendering for the three ways a project defines it (inline, from Git, typed steps) and the checks
 * that must fail before any build: empty steps, bad EXPOSE, COPY without media, a Dockerfile without FROM.
 * Failures are StalledErrors: a human has to change the spec.
 */
import { StalledError } from '../../errors.js';
import type { Renderer } from '../../render/index.js';
import { BASE_IMAGE_ARG, type DockerfileStep, type ImageProjectSpec } from './spec.js';

export const DOCKERFILE_TEMPLATE = 'dockerfile/Dockerfile.njk';

type NormalStep =
  | { op: 'RUN'; value: string; multiline: boolean }
  | { op: 'COPY'; src: string; dest: string }
  | { op: 'WORKDIR' | 'MAINTAINER'; value: string }
  | { op: 'ENTRYPOINT'; value: string | string[]; exec: boolean }
  | { op: 'ENV'; value: Record<string, string> }
  | { op: 'EXPOSE'; value: string[] };

const EXPOSE = /^([0-9]{1,5})(\/(tcp|udp|sctp))?$/;

/** Checks one EXPOSE entry: a port 1-65535, optionally `/tcp`, `/udp` or `/sctp`. */
export function exposeProblem(entry: number | string): string | undefined {
  const m = EXPOSE.exec(String(entry));
  const port = m ? Number(m[1]) : NaN;
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) {
    return `bad EXPOSE entry "${String(entry)}": expected a port 1-65535, optionally /tcp, /udp or /sctp`;
  }
  return undefined;
}

function normalise(step: DockerfileStep, index: number, hasMedia: boolean): NormalStep {
  const at = `dockerfile.steps[${index}]`;
  const single = (what: string, v: string): string => {
    if (v.trim() === '' || /[\r\n]/.test(v)) throw new StalledError('SchemaInvalid', `${at}: ${what} must be one non-empty line`);
    return v.trim();
  };
  if ('RUN' in step) {
    if (step.RUN.trim() === '') throw new StalledError('SchemaInvalid', `${at}: RUN is empty`);
    const value = step.RUN.replace(/\s+$/, '');
    return { op: 'RUN', value, multiline: value.includes('\n') };
  }
  if ('COPY' in step) {
    if (!hasMedia) throw new StalledError('SchemaInvalid', `${at}: COPY copies from the deployment media, but spec.media is not set`);
    const src = step.COPY.src.replace(/^\.?\/+/, '');
    if (src.split('/').includes('..')) throw new StalledError('SchemaInvalid', `${at}: COPY src must stay inside the media: ${step.COPY.src}`);
    return { op: 'COPY', src, dest: single('COPY dest', step.COPY.dest) };
  }
  if ('WORKDIR' in step) return { op: 'WORKDIR', value: single('WORKDIR', step.WORKDIR) };
  if ('MAINTAINER' in step) return { op: 'MAINTAINER', value: single('MAINTAINER', step.MAINTAINER) };
  if ('ENTRYPOINT' in step) {
    const v = step.ENTRYPOINT;
    if (Array.isArray(v)) {
      if (v.length === 0) throw new StalledError('SchemaInvalid', `${at}: ENTRYPOINT is empty`);
      return { op: 'ENTRYPOINT', value: v, exec: true };
    }
    return { op: 'ENTRYPOINT', value: single('ENTRYPOINT', v), exec: false };
  }
  if ('ENV' in step) {
    for (const name of Object.keys(step.ENV)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new StalledError('SchemaInvalid', `${at}: bad ENV name "${name}"`);
    }
    return { op: 'ENV', value: step.ENV };
  }
  if ('EXPOSE' in step) {
    if (step.EXPOSE.length === 0) throw new StalledError('SchemaInvalid', `${at}: EXPOSE lists no port`);
    for (const e of step.EXPOSE) {
      const problem = exposeProblem(e);
      if (problem) throw new StalledError('SchemaInvalid', `${at}: ${problem}`);
    }
    return { op: 'EXPOSE', value: step.EXPOSE.map(String) };
  }
  throw new StalledError('SchemaInvalid', `${at}: unknown step ${JSON.stringify(Object.keys(step))}`);
}

/** Renders typed steps through templates/dockerfile/Dockerfile.njk. */
export function renderSteps(
  renderer: Renderer,
  input: { project: string; baseImage: string; steps: DockerfileStep[]; mediaDest?: string },
): string {
  if (input.steps.length === 0) throw new StalledError('SchemaInvalid', 'dockerfile.steps is empty: nothing to build');
  const steps = input.steps.map((s, i) => normalise(s, i, input.mediaDest !== undefined));
  return renderer.render(DOCKERFILE_TEMPLATE, {
    project: input.project,
    baseImage: input.baseImage,
    media: input.mediaDest !== undefined ? { dest: input.mediaDest } : null,
    steps,
  });
}

/**
 * Prepares a user-written Dockerfile (inline or from Git): it must have a FROM; when there is media, a
 * `COPY ["media/", dest]` is inserted right after the last FROM so the media lands in the final stage.
 */
export function prepareDockerfile(text: string, mediaDest: string | undefined, where: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let lastFrom = -1;
  lines.forEach((l, i) => {
    if (/^\s*FROM\s+\S/i.test(l)) lastFrom = i;
  });
  if (lastFrom < 0) throw new StalledError('SchemaInvalid', `${where}: the Dockerfile has no FROM instruction`);
  if (mediaDest !== undefined) {
    let end = lastFrom;
    while (end < lines.length - 1 && /\\\s*$/.test(lines[end]!)) end++;
    lines.splice(end + 1, 0, `COPY ${JSON.stringify(['media/', mediaDest])}`);
  }
  const out = lines.join('\n');
  return out.endsWith('\n') ? out : `${out}\n`;
}

/** The Dockerfile text for a spec; `gitText` is the file fetched from Git when the spec points there. */
export function renderDockerfile(renderer: Renderer, project: string, spec: ImageProjectSpec, gitText?: string): string {
  const d = spec.dockerfile;
  const mediaDest = spec.media?.dest;
  if ('steps' in d) return renderSteps(renderer, { project, baseImage: spec.baseImage, steps: d.steps, ...(mediaDest !== undefined ? { mediaDest } : {}) });
  if ('inline' in d) return prepareDockerfile(d.inline, mediaDest, 'dockerfile.inline');
  if (gitText === undefined) throw new StalledError('InternalError', 'git dockerfile text not fetched');
  return prepareDockerfile(gitText, mediaDest, `dockerfile from ${d.git.url}#${d.git.ref ?? 'main'}:${d.git.path ?? 'Dockerfile'}`);
}

export { BASE_IMAGE_ARG };
