/** Rollout arithmetic: batch sizes bounded by maxUnavailable, canaries first, the failure-ratio stop. */
import { describe, expect, it } from 'vitest';
import { failureExceeded, nextBatchSize, resolveCount } from '../../../src/kinds/pool/batch-sizing.js';

describe('resolveCount', () => {
  it.each([
    [undefined, 10, 'up', 7],
    [3, 10, 'up', 3],
    ['25%', 10, 'up', 3],
    ['25%', 10, 'down', 2],
    ['100%', 4, 'down', 4],
  ] as const)('%s of %i rounded %s is %i', (value, total, round, expected) => {
    expect(resolveCount(value, total, 7, round)).toBe(expected);
  });
});

describe('nextBatchSize', () => {
  it.each([
    ['defaults: one at a time', {}, 10, 0, 0, 10, 1],
    ['canary first', { canary: 1, batchSize: 4, maxUnavailable: 4 }, 10, 0, 0, 10, 1],
    ['then batchSize', { canary: 1, batchSize: 4, maxUnavailable: 4 }, 10, 1, 0, 9, 4],
    ['capped by maxUnavailable', { batchSize: 5, maxUnavailable: 2 }, 10, 0, 0, 10, 2],
    ['nodes already down count against maxUnavailable', { batchSize: 5, maxUnavailable: 2 }, 10, 0, 1, 10, 1],
    ['zero when too many are down', { batchSize: 5, maxUnavailable: 2 }, 10, 0, 2, 10, 0],
    ['percentages', { batchSize: '50%', maxUnavailable: '30%' }, 10, 0, 0, 10, 3],
    ['never more than remain', { batchSize: 5, maxUnavailable: 5 }, 10, 8, 0, 2, 2],
    ['a 0% maxUnavailable still lets one go', { maxUnavailable: '0%' }, 3, 0, 0, 3, 1],
  ] as const)('%s', (_name, rollout, total, rolled, down, remaining, expected) => {
    expect(nextBatchSize(rollout, total, rolled, down, remaining)).toBe(expected);
  });
});

describe('failureExceeded', () => {
  it.each([
    [0, 0, 0, false],
    [0, 3, 0, false],
    [1, 1, 0, true],
    [1, 4, 0.25, false],
    [2, 4, 0.25, true],
    [1, 2, 1, false],
  ])('%i failed of %i with ratio %d -> %s', (failed, attempted, ratio, expected) => {
    expect(failureExceeded(failed, attempted, ratio)).toBe(expected);
  });
});
