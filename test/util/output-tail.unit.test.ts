/** Tails of remote output in error messages (issue 18.13): whole lines, repeats folded, bounded. */
import { describe, expect, it } from 'vitest';
import { outputTail } from '../../src/util/output-tail.js';

describe('outputTail', () => {
  it.each([
    ['keeps the last whole lines', 'a\nb\nc\nd\ne\nf\ng\n', {}, 'c | d | e | f | g'],
    ['folds a line repeated by a retry loop', `${'curl: (7) connection refused\n'.repeat(20)}giving up\n`, {}, 'curl: (7) connection refused (x20) | giving up'],
    ['never starts mid-line: drops a line that does not fit whole', `${'x'.repeat(50)}\nshort\n`, { chars: 30 }, 'short'],
    ['keeps the end of a single over-long line', `${'y'.repeat(100)}END`, { chars: 20 }, `...${'y'.repeat(14)}END`],
    ['ignores blank lines and trailing spaces', 'one  \n\n\ntwo\n', {}, 'one | two'],
    ['empty output', '', {}, ''],
  ])('%s', (_name, text, opts, expected) => {
    expect(outputTail(text, opts)).toBe(expected);
  });
});
