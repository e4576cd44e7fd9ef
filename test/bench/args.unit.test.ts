import { describe, expect, it } from 'vitest';
import { numArg, startupTimes } from '../../bench/lib/args.js';

describe('bench arguments', () => {
  it('reads --name N and --name=N alike, else the fallback', () => {
    expect(numArg('hosts', 10, ['--hosts', '50'])).toBe(50);
    expect(numArg('hosts', 10, ['--hosts=50'])).toBe(50);
    expect(numArg('hosts', 10, ['--host', '50', '--hostsx=3'])).toBe(10);
    expect(numArg('reps', 5, ['--reps'])).toBe(5);
  });

  it('gives the rollout start-up times given, or the defaults for full and quick runs', () => {
    expect(startupTimes(false, ['--startup-ms', '2000,8000'])).toEqual([2000, 8000]);
    expect(startupTimes(false, ['--startup-ms=3000'])).toEqual([3000]);
    expect(startupTimes(false, [])).toEqual([1500, 10000]);
    expect(startupTimes(true, [])).toEqual([500]);
  });
});
