import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createThrottledSaver } from '../../src/reconcile/throttle.js';

describe('createThrottledSaver', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes the first value at once, coalesces a burst, and flush writes the latest', async () => {
    const written: number[] = [];
    const saver = createThrottledSaver(async (v: number) => {
      written.push(v);
    }, 250);
    await saver.save(1);
    for (let i = 2; i <= 100; i++) await saver.save(i);
    expect(written).toEqual([1]);
    await saver.flush();
    expect(written).toEqual([1, 100]);
  });

  it('writes the pending value when the interval passes without a flush', async () => {
    const written: number[] = [];
    const saver = createThrottledSaver(async (v: number) => {
      written.push(v);
    }, 250);
    await saver.save(1);
    await saver.save(2);
    await saver.save(3);
    await vi.advanceTimersByTimeAsync(300);
    expect(written).toEqual([1, 3]);
    await saver.flush();
    expect(written).toEqual([1, 3]);
  });
});
