import { describe, expect, it } from 'vitest';
import { measure, measureAsync, median, printTable } from '../src/bench.js';

describe('bench helper', () => {
  it('measures the median of its batches and prints the ratio to the baseline', async () => {
    let calls = 0;
    const fast = measure('baseline', () => calls++, { batches: 3, iterations: 10, warmup: 5 });
    expect(calls).toBe(35);
    expect(fast).toMatchObject({ name: 'baseline', batches: 3, iterations: 10 });
    expect(fast.minUs).toBeLessThanOrEqual(fast.medianUs);
    expect(fast.medianUs).toBeLessThanOrEqual(fast.maxUs);
    const slow = await measureAsync('async', async () => undefined, { batches: 3, iterations: 5 });
    const lines: string[] = [];
    printTable([fast, slow], 'baseline', (line) => lines.push(line));
    expect(lines).toHaveLength(5);
    expect(lines[2]).toMatch(/^baseline\s.*\s1\.00$/);
    expect(lines[4]).toBe('baseline: baseline (3 batches × 10 calls, median)');
  });

  it('takes the median of odd and even counts (the mean of the middle two), leaving its input as it is', () => {
    const values = [3, 1, 2, 10];
    expect(median(values)).toBe(2.5);
    expect(values).toEqual([3, 1, 2, 10]);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });
});
