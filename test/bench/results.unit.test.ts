import { describe, expect, it } from 'vitest';
import { verdictOf, withSettledLoad, type BenchResult } from '../../bench/lib/record.js';
import { README_END, README_START, loadCell, renderReadmeTable, renderResults, replaceReadmeBlock, type Stored } from '../../bench/run.js';

const result = (over: Partial<BenchResult>): BenchResult => ({
  name: 'nginx-publish',
  compares: 'one change vs Ansible',
  figures: ['driftless 1.0 s vs Ansible 20 s = 20x'],
  target: '>= 10x',
  met: true,
  loadBefore: 0.5,
  loadAfter: 0.7,
  noisy: false,
  quick: false,
  verdict: 'met',
  at: '2026-12-05T20:00:00.000Z',
  ...over,
});
const stored = (r: BenchResult): Stored => ({ result: r, commit: 'abcdef0123456789', machine: 'box: 2 cpus', exit: 0 });

describe('bench verdicts', () => {
  it('gives a verdict only on a quiet box with the real sizes', () => {
    expect(verdictOf({ quick: false, loadBefore: 1.9, loadAfter: 2, met: true })).toBe('met');
    expect(verdictOf({ quick: false, loadBefore: 0.1, loadAfter: 0.2, met: false })).toBe('not met');
    expect(verdictOf({ quick: false, loadBefore: 0.1, loadAfter: 0.2 })).toBe('no target');
    expect(verdictOf({ quick: false, loadBefore: 1, loadAfter: 2.01, met: true })).toMatch(/^noisy: load 1.00 -> 2.01 > 2, no verdict$/);
    expect(verdictOf({ quick: false, loadBefore: 7, loadAfter: 1, met: false })).toMatch(/^noisy/);
    expect(verdictOf({ quick: true, loadBefore: 0, loadAfter: 0, met: true })).toBe('quick: small sizes, no verdict');
    expect(verdictOf({ quick: true, loadBefore: 5, loadAfter: 0, met: true })).toMatch(/^quick: small sizes, noisy/);
  });
});

describe('load sampled after the bench settled', () => {
  it('judges with the settled load, keeping the end-of-bench figure, and stays noisy when the box did not settle', () => {
    const own = result({ loadAfter: 47.9, noisy: true, verdict: 'noisy: load 0.50 -> 47.90 > 2, no verdict' });
    const quiet = withSettledLoad(own, { load: 1.8, seconds: 190 });
    expect(quiet).toMatchObject({ loadAfter: 1.8, loadAtEnd: 47.9, settledAfterSeconds: 190, noisy: false, verdict: 'met' });
    expect(loadCell(quiet)).toBe('0.50 → 1.80 (47.90 at its end, settled in 190 s)');
    const busy = withSettledLoad(own, { load: 3.2, seconds: 240 });
    expect(busy.noisy).toBe(true);
    expect(busy.verdict).toMatch(/^noisy: load 0.50 -> 3.20/);
    const notMet = withSettledLoad(result({ met: false, loadAfter: 5, noisy: true }), { load: 1, seconds: 60 });
    expect(notMet.verdict).toBe('not met');
    expect(loadCell(result({}))).toBe('0.50 → 0.70');
  });
});

describe('bench/RESULTS.md and README table', () => {
  const all = {
    'nginx-publish': stored(result({})),
    'cli-cold-start': stored(result({ name: 'cli-cold-start', noisy: true, loadBefore: 9, verdict: 'noisy: load 9.00 -> 0.70 > 2, no verdict' })),
  };

  it('has a row per bench in the runner order, with its load, commit and machine, noisy rows marked', () => {
    const md = renderResults(all);
    const rows = md.split('\n').filter((l) => l.startsWith('| `bench/'));
    expect(rows.map((r) => r.split(' | ')[0])).toEqual(['| `bench/cli-cold-start.ts`', '| `bench/nginx-publish.ts`']);
    expect(rows[0]).toContain('**NOISY**');
    expect(rows[0]).toContain('9.00 → 0.70');
    expect(rows[1]).not.toContain('NOISY');
    expect(rows[1]).toContain('| met |');
    expect(rows[1]).toContain('abcdef0123');
    expect(md).toContain('Machine: box: 2 cpus.');
  });

  it('replaces only the generated block of README', () => {
    const readme = `# x\n\nintro\n${README_START}\nold table\n${README_END}\n\n## Next\nkept\n`;
    const out = replaceReadmeBlock(readme, renderReadmeTable(all));
    expect(out.startsWith('# x\n\nintro\n')).toBe(true);
    expect(out.endsWith(`${README_END}\n\n## Next\nkept\n`)).toBe(true);
    expect(out).not.toContain('old table');
    expect(out).toContain('| `bench/rollout.ts` | | | not run yet |');
    expect(out).toContain('**met**');
    expect(replaceReadmeBlock('no markers here', 'table')).toBe('no markers here');
  });
});
