import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileIgnore, listResourceFiles } from '../../src/loader/walk.js';
import { tempDir } from '../harness/tmp.js';

describe('.driftlessignore globs', () => {
  const cases: { pattern: string; path: string; dir?: boolean; ignored: boolean }[] = [
    { pattern: '*.draft.yaml', path: 'hosts/a.draft.yaml', ignored: true },
    { pattern: '*.draft.yaml', path: 'hosts/a.yaml', ignored: false },
    { pattern: 'drafts/', path: 'drafts', dir: true, ignored: true },
    { pattern: 'drafts/', path: 'x/drafts', dir: true, ignored: true },
    { pattern: 'drafts/', path: 'drafts', dir: false, ignored: false },
    { pattern: '/hosts/old.yaml', path: 'hosts/old.yaml', ignored: true },
    { pattern: 'hosts/old.yaml', path: 'x/hosts/old.yaml', ignored: false },
    { pattern: 'legacy/**/*.yml', path: 'legacy/a/b/c.yml', ignored: true },
    { pattern: 'legacy/**/*.yml', path: 'legacy/c.yml', ignored: true },
    { pattern: 'h?st.yaml', path: 'host.yaml', ignored: true },
    { pattern: '# comment\n\n!keep.yaml', path: 'keep.yaml', ignored: false },
  ];
  it.each(cases)('$pattern vs $path -> $ignored', ({ pattern, path, dir, ignored }) => {
    expect(compileIgnore(pattern)(path, dir ?? false)).toBe(ignored);
  });
});

describe('listResourceFiles', () => {
  it('lists yaml files sorted, without settings, dot-dirs, node_modules or ignored paths', async () => {
    const root = tempDir('walk');
    const files = [
      'driftless.yaml',
      'b.yml',
      'a/z.yaml',
      'a/notes.txt',
      '.git/config.yaml',
      '.github/workflows/ci.yaml',
      'node_modules/p/x.yaml',
      'old/x.yaml',
      'sub/driftless.yaml',
    ];
    for (const f of files) {
      mkdirSync(join(root, dirname(f)), { recursive: true });
      writeFileSync(join(root, f), 'x: 1\n');
    }
    writeFileSync(join(root, '.driftlessignore'), 'old/\n');
    expect(await listResourceFiles(root)).toEqual(['a/z.yaml', 'b.yml', 'sub/driftless.yaml']);
  });
});
