/** Pure parts of the nginx driver (the error line nginx -t reports, the inspect output) and its scripts' guards run by bash. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorLine, inspectScript, parseInspect, stageScript, switchScript } from '../../src/drivers/nginx/scripts.js';

describe('errorLine', () => {
  it.each([
    ['nginx: [emerg] unknown directive "x" in /a/b.conf:3\nnginx: configuration file /a/nginx.conf test failed', 'nginx: [emerg] unknown directive "x" in /a/b.conf:3'],
    ['2026/01/02 03:04:05 [emerg] 12#12: open() "/x" failed (2: No such file or directory) in /a.conf:3\n__rc=1', 'nginx: [emerg] open() "/x" failed (2: No such file or directory) in /a.conf:3'],
    ['bash: nginx: command not found', 'bash: nginx: command not found'],
    ['', 'no output'],
  ])('%s', (out, line) => {
    expect(errorLine(out)).toBe(line);
  });
});

describe('parseInspect', () => {
  it('reads version, current, running, file digests and version dirs', () => {
    const sha = 'a'.repeat(64);
    expect(parseInspect(`nginx=nginx version: nginx/1.22.1\ncurrent=abc-1\nrunning=1\nfile=${sha}  ./upstream/web.upstream\nversion=abc-1\nversion=def-2\n`)).toEqual({
      nginx: 'nginx/1.22.1',
      current: 'abc-1',
      running: true,
      files: { 'upstream/web.upstream': sha },
      versions: ['abc-1', 'def-2'],
    });
    expect(parseInspect('nginx=\n')).toEqual({ running: false, files: {}, versions: [] });
  });
});

describe('parseInspect of sha256sum lines', () => {
  it('reads `<sha>  ./<path>` lines (the inspect script prints them without a prefix) as files', () => {
    const sha = 'b'.repeat(64);
    expect(parseInspect(`current=abc-1\n${sha}  ./conf.d/default.conf\n`).files).toEqual({ 'conf.d/default.conf': sha });
  });
});

/**
 * The compare-and-swap on `current`, run by the real bash against a temp root (no nginx needed: a moved `current`
 * stops both scripts before they write anything or reach nginx).
 */
describe('compare-and-swap on current', () => {
  let root: string;
  const sh = (script: string) => execFileSync('bash', ['-s'], { input: script, encoding: 'utf8' });
  const link = () => readlinkSync(join(root, 'current'));
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'dl-ngx-cas-'));
    for (const d of ['a-1', 'b-2', 'c-3']) mkdirSync(join(root, 'versions', d), { recursive: true });
    symlinkSync('versions/b-2', join(root, 'current'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('switch refuses, switching nothing, when current is not what the plan saw', () => {
    const out = sh(switchScript(root, 'c-3', { keep: 5, drain: false, waitSeconds: 1, expect: 'a-1' }));
    expect(out).toMatch(/^__moved=b-2$/m);
    expect(out).not.toMatch(/__ok/);
    expect(link()).toBe('versions/b-2');
  });

  it('switch refuses when the plan saw no current and one appeared', () => {
    expect(sh(switchScript(root, 'c-3', { keep: 5, drain: false, waitSeconds: 1, expect: null }))).toMatch(/^__moved=b-2$/m);
    expect(link()).toBe('versions/b-2');
  });

  it('switch goes ahead when current is what the plan saw (then fails to start nginx on an empty dir, as it should)', () => {
    const out = sh(switchScript(root, 'c-3', { keep: 5, drain: false, waitSeconds: 1, expect: 'b-2' }));
    expect(out).toMatch(/^__fail=nginx did not start/m);
    expect(out).not.toMatch(/__moved/);
    expect(out).toMatch(/^prev=b-2$/m);
    expect(link()).toBe('versions/c-3');
  });

  it('stage refuses before writing anything when current moved', () => {
    const out = sh(stageScript(root, 'd-4', { 'nginx.conf': 'events {}\n' }, 'a-1'));
    expect(out).toMatch(/^__moved=b-2$/m);
    expect(readdirSync(join(root, 'versions')).sort()).toEqual(['a-1', 'b-2', 'c-3']);
  });

  it('stage writes every file byte for byte through bash (here-doc lookalikes, no final newline, empty, a NUL byte)', () => {
    const files = {
      'nginx.conf': 'events {}\n__DRIFTLESS_EOF__\n$x `y` \\n \'q\' "z"\r\n\n\n',
      'conf.d/a b.conf': '  no final newline  ',
      'upstream/empty.upstream': '',
      'bin/nul': 'a\0b\n',
    };
    sh(stageScript(root, 'd-4', files));
    for (const [path, content] of Object.entries(files)) expect(readFileSync(join(root, 'versions', 'd-4', path), 'utf8'), path).toBe(content);
    expect(readdirSync(join(root, 'versions')).sort()).toEqual(['a-1', 'b-2', 'c-3', 'd-4']);
  });

  it('stage runs nothing an author wrote: command substitutions in content and file names stay text', () => {
    const marker = join(root, 'pwned');
    const files = {
      'nginx.conf': `events {}\n# $(touch ${marker}) \`touch ${marker}\`\n__DRIFTLESS_EOF__\n$(touch ${marker})\n`,
      [`conf.d/$(touch ${marker.replace(/\//g, '_')}).conf`]: 'x\n',
    };
    sh(stageScript(root, 'd-5', files));
    expect(existsSync(marker)).toBe(false);
    for (const [path, content] of Object.entries(files)) expect(readFileSync(join(root, 'versions', 'd-5', path), 'utf8'), path).toBe(content);
  });

  it('inspect lists version dirs (not temp dirs) and digests of current with builtins', () => {
    writeFileSync(join(root, 'versions', 'b-2', 'nginx.conf'), 'x\n');
    mkdirSync(join(root, 'versions', 'e-5.tmp'));
    const s = parseInspect(sh(inspectScript(root)));
    expect(s).toMatchObject({ current: 'b-2', versions: ['a-1', 'b-2', 'c-3'], files: { 'nginx.conf': createHash('sha256').update('x\n').digest('hex') } });
  });
});
