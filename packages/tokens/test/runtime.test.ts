import { describe, expect, it } from 'vitest';
import { authorize, biscuitRuntimeStats, configureBiscuitRuntime } from '../src/index.js';
import { forceTrapOnNextCall } from '../src/wasm/runtime.js';
import { AUD, chainOf, clock, codeOf, dids, orgKey } from './helpers.js';

const MiB = 1024 * 1024;

// `datalog: true` makes authorize run biscuit-wasm (its parse and authorizer) after the native checks.
describe('Biscuit runtime memory stays bounded', () => {
  it('recycles the instance past the threshold and every result stays correct', async () => {
    configureBiscuitRuntime({ memoryThresholdBytes: 16 * MiB });
    const token = await chainOf('biscuit', 3);
    // A generous Datalog time budget: this test is about memory, and CI machines are busy.
    const ok = { request: { resource: 'files:/reports/a', action: 'read', audience: AUD }, presenter: dids[3]!, clock, trustedRoots: orgKey.publicKey, datalog: true, limits: { maxDatalogMicros: 2_000_000 } };
    const start = biscuitRuntimeStats().recycles;
    let worstAfterCall = 0;
    let calls = 0;
    while (biscuitRuntimeStats().recycles - start < 4 && calls < 5000) {
      calls++;
      if (calls % 10 === 0) {
        expect(await codeOf(authorize(token, { ...ok, request: { ...ok.request, action: 'delete' } }))).toBe('denied');
      } else {
        const result = await authorize(token, ok);
        expect(result.chain).toHaveLength(4);
      }
      worstAfterCall = Math.max(worstAfterCall, biscuitRuntimeStats().memoryBytes);
    }
    const stats = biscuitRuntimeStats();
    expect(stats.recycles - start).toBeGreaterThanOrEqual(4);
    expect(stats.thresholdBytes).toBe(16 * MiB);
    // One call may carry memory past the threshold before the swap; never more than that.
    expect(worstAfterCall).toBeLessThanOrEqual(16 * MiB + MiB);
    expect(stats.peakMemoryBytes).toBeLessThanOrEqual(16 * MiB + MiB);
  }, 120_000);

  it('a trap mid-call is a typed error and the next call runs on a fresh instance', async () => {
    const token = await chainOf('biscuit', 2);
    const opts = { request: { resource: 'db:orders', action: 'read', audience: AUD }, presenter: dids[2]!, clock, trustedRoots: orgKey.publicKey, datalog: true, limits: { maxDatalogMicros: 2_000_000 } };
    const before = biscuitRuntimeStats();
    forceTrapOnNextCall();
    expect(await codeOf(authorize(token, opts))).toBe('internal');
    const result = await authorize(token, opts);
    expect(result.chain).toHaveLength(3);
    const after = biscuitRuntimeStats();
    expect(after.traps).toBe(before.traps + 1);
    expect(after.recycles).toBe(before.recycles + 1);
  });

  it('rejects a threshold below 4 MiB', () => {
    expect(() => configureBiscuitRuntime({ memoryThresholdBytes: 1024 })).toThrow(TypeError);
  });
});
