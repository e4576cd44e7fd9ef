/**
 * Issue 14: 50 generated invalid config repos (1,000 in bench/security-figures.ts): every one refused by the load
 * gate, every problem at file:line of a file of that repo.
 */
import { describe, expect, it } from 'vitest';
import { fuzzRepos, prepareKeys } from './invalid-repos.js';

describe('generated invalid repos', () => {
  it('50 repos: 0 pass the load gate, every problem has file:line', async () => {
    const f = await fuzzRepos(50, 14, await prepareKeys());
    expect(f.examples).toEqual([]);
    expect(f.applied).toBe(0);
    expect(f.withoutFileLine).toBe(0);
    expect(f.repos).toBe(50);
  }, 120_000);
});
