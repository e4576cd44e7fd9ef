/** Pure parts of the nginx driver: the error line nginx -t reports, and the inspect output. */
import { describe, expect, it } from 'vitest';
import { errorLine, parseInspect } from '../../src/drivers/nginx/scripts.js';

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
