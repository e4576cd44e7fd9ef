import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StalledError } from '../../../src/errors.js';
import { prepareDockerfile, renderDockerfile, renderSteps } from '../../../src/kinds/image-project/render.js';
import type { DockerfileStep, ImageProjectSpec } from '../../../src/kinds/image-project/spec.js';
import { createRenderer } from '../../../src/render/index.js';
import { tempDir } from '../../harness/tmp.js';

const renderer = createRenderer();
const base = '127.0.0.1:5000/base/debian:bookworm';

/** Instruction lines of a rendered Dockerfile, without comments and blank lines. */
function body(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

const one = (step: DockerfileStep, mediaDest?: string): string[] =>
  body(renderSteps(renderer, { project: 'web', baseImage: base, steps: [step], ...(mediaDest ? { mediaDest } : {}) })).slice(mediaDest ? 2 : 1);

describe('steps rendering (each step type)', () => {
  it.each<[string, DockerfileStep, string[]]>([
    ['RUN one line', { RUN: 'apt-get update && apt-get install -y curl' }, ['RUN apt-get update && apt-get install -y curl']],
    ['RUN multi-line keeps newlines via exec form', { RUN: 'if true; then\n  echo "a b"\nfi\n' }, ['RUN ["/bin/sh","-ec","if true; then\\n  echo \\"a b\\"\\nfi"]']],
    ['WORKDIR', { WORKDIR: '/app' }, ['WORKDIR /app']],
    ['MAINTAINER', { MAINTAINER: 'ops@example.com' }, ['MAINTAINER ops@example.com']],
    ['ENTRYPOINT shell form', { ENTRYPOINT: 'java -jar /app/app.jar' }, ['ENTRYPOINT java -jar /app/app.jar']],
    ['ENTRYPOINT exec form', { ENTRYPOINT: ['/bin/sh', '-c', 'exec "$0"'] }, ['ENTRYPOINT ["/bin/sh","-c","exec \\"$0\\""]']],
    ['ENV map, values quoted', { ENV: { A: '1', JAVA_OPTS: '-Xmx1g -Dx="y"' } }, ['ENV A="1"', 'ENV JAVA_OPTS="-Xmx1g -Dx=\\"y\\""']],
    ['EXPOSE numbers and protocols', { EXPOSE: [8080, '53/udp', '9000/tcp'] }, ['EXPOSE 8080 53/udp 9000/tcp']],
  ])('%s', (_name, step, expected) => {
    expect(one(step)).toEqual(expected);
  });

  it('COPY copies from the media, which is itself copied to dest right after FROM', () => {
    const text = renderSteps(renderer, { project: 'web', baseImage: base, steps: [{ COPY: { src: './conf/app.yml', dest: '/etc/app.yml' } }], mediaDest: '/app' });
    expect(body(text)).toEqual([`FROM ${base}`, 'COPY ["media/","/app"]', 'COPY ["media/conf/app.yml","/etc/app.yml"]']);
  });

  it.each<[string, DockerfileStep[], string | undefined, RegExp]>([
    ['empty steps', [], undefined, /steps is empty/],
    ['port out of range', [{ EXPOSE: [70000] }], undefined, /bad EXPOSE entry "70000"/],
    ['bad protocol', [{ EXPOSE: ['80/http'] }], undefined, /bad EXPOSE entry "80\/http"/],
    ['port zero', [{ EXPOSE: ['0'] }], undefined, /bad EXPOSE entry "0"/],
    ['COPY without media', [{ COPY: { src: 'a', dest: '/a' } }], undefined, /spec.media is not set/],
    ['COPY escaping the media', [{ COPY: { src: '../etc/passwd', dest: '/a' } }], '/app', /must stay inside the media/],
    ['WORKDIR on two lines', [{ WORKDIR: '/a\nRUN rm -rf /' }], undefined, /WORKDIR must be one non-empty line/],
  ])('%s is a StalledError before any build', (_name, steps, mediaDest, message) => {
    let caught: unknown;
    try {
      renderSteps(renderer, { project: 'web', baseImage: base, steps, ...(mediaDest ? { mediaDest } : {}) });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StalledError);
    expect((caught as Error).message).toMatch(message);
  });
});

describe('inline and git Dockerfiles', () => {
  it('inserts the media COPY after the last FROM (multi-stage, continued line)', () => {
    const text = prepareDockerfile('FROM a AS build\nRUN make\nFROM b \\\n  AS final\nCMD ["x"]', '/srv', 'inline');
    expect(text.split('\n')).toEqual(['FROM a AS build', 'RUN make', 'FROM b \\', '  AS final', 'COPY ["media/","/srv"]', 'CMD ["x"]', '']);
  });

  it('leaves a Dockerfile alone without media, and refuses one without FROM', () => {
    expect(prepareDockerfile('ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n', undefined, 'inline')).toBe('ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n');
    expect(() => prepareDockerfile('RUN echo\n', undefined, 'dockerfile.inline')).toThrow(/dockerfile.inline: the Dockerfile has no FROM/);
  });

  it('dispatches on the definition and starts steps FROM the base image', () => {
    const spec: ImageProjectSpec = { repository: 'r.example:5000/a/b', baseImage: base, dockerfile: { steps: [{ RUN: 'true' }] } };
    expect(body(renderDockerfile(renderer, 'web', spec))).toEqual([`FROM ${base}`, 'RUN true']);
    const git: ImageProjectSpec = { ...spec, dockerfile: { git: { url: 'http://127.0.0.1/x.git' } } };
    expect(renderDockerfile(renderer, 'web', git, 'FROM x\n')).toBe('FROM x\n');
  });
});

describe('renderer', () => {
  it('fails on undefined variables instead of rendering empty strings', () => {
    expect(() => renderer.renderString('FROM {{ baseImage }}\nRUN {{ missing }}', { baseImage: 'x' })).toThrow(/render template string: .*Line 2, Column 5.*undefined/);
    const dir = tempDir('templates');
    mkdirSync(join(dir, 'dockerfile'));
    writeFileSync(join(dir, 'dockerfile', 't.njk'), 'FROM {{ base.name }}<{{ html }}>');
    const own = createRenderer(dir);
    expect(own.render('dockerfile/t.njk', { base: { name: 'a' }, html: '&' })).toBe('FROM a<&>');
    expect(() => own.render('dockerfile/t.njk', { base: {} , html: 1 })).toThrow(/render dockerfile\/t.njk/);
  });
});
