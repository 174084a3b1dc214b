import { afterAll, describe, expect, it } from 'vitest';
import { authorize, biscuitRuntimeStats, configureBiscuitRuntime } from '../src/index.js';
import { type Glue, forceTrapOnNextCall, withBiscuit } from '../src/wasm/runtime.js';
import { AUD, chainOf, clock, codeOf, dids, orgKey } from './helpers.js';

const MiB = 1024 * 1024;

describe('Biscuit runtime under concurrent calls', () => {
  afterAll(() => {
    configureBiscuitRuntime({ memoryThresholdBytes: 16 * MiB });
  });

  it('concurrent valid verifications all succeed while small-threshold recycles retire instances', async () => {
    // The smallest threshold: a 4-hop authorization grows memory enough to recycle every
    // few calls, so some calls are waiting on an instance that another call retires.
    configureBiscuitRuntime({ memoryThresholdBytes: 4 * MiB });
    const token = (await chainOf('biscuit', 4)).serialize();
    // A generous Datalog time budget: this test is about instance swaps, not time.
    const options = { request: { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD }, presenter: dids[4]!, clock, trustedRoots: orgKey.publicKey, datalog: true, limits: { maxDatalogMicros: 2_000_000 } };
    const start = biscuitRuntimeStats().recycles;
    const failures: string[] = [];
    const settle = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (error) {
        const e = error as { code?: string; check?: string; message?: string };
        failures.push(`${e.code}/${e.check}: ${e.message}`);
      }
    };
    // Until enough swaps happened under load (memory per call varies with the token and build).
    for (let round = 0; biscuitRuntimeStats().recycles - start < 40 && round < 5000; round++) {
      // Calls entering withBiscuit at different microtask offsets around each other.
      const calls = [
        authorize(token, options),
        Promise.resolve().then(() => authorize(token, options)),
        authorize(token, options),
        Promise.resolve()
          .then(() => undefined)
          .then(() => authorize(token, options)),
      ];
      await Promise.all(calls.map(settle));
    }
    expect(biscuitRuntimeStats().recycles - start).toBeGreaterThanOrEqual(40);
    expect(failures).toEqual([]);
  }, 120_000);

  it('a retired instance throws on every call (free() stays a no-op) instead of answering from scratch memory', async () => {
    let old: Glue | undefined;
    let leftover: { free(): void } | undefined;
    await withBiscuit((glue) => {
      old = glue;
      leftover = new glue.BlockBuilder();
    });
    forceTrapOnNextCall();
    expect(await codeOf(withBiscuit(() => 0))).toBe('internal');
    // The next call retires the trapped instance and runs on a fresh one.
    await withBiscuit((glue) => expect(glue).not.toBe(old));
    const retired = old!;
    expect(() => retired.Biscuit.builder()).toThrow(expect.objectContaining({ code: 'internal', check: 'wasm_retired' }));
    expect(() => retired.PublicKey.fromBytes(orgKey.publicKey.bytes, 0 as Glue['SignatureAlgorithm'][keyof Glue['SignatureAlgorithm']])).toThrow(
      expect.objectContaining({ code: 'internal', check: 'wasm_retired' }),
    );
    expect(() => leftover!.free()).not.toThrow();
  });
});
