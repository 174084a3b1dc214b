import { describe, expect, it } from 'vitest';
import { attenuate, authorize, biscuitRuntimeStats, inspectToken, verifyChain } from '../src/index.js';
import { state } from '../src/wasm/runtime-state.js';
import { AUD, agents, clock, dids, mint, orgKey } from './helpers.js';

// This file runs in its own module graph (vitest isolates test files): nothing before it
// has loaded biscuit-wasm's runtime here.

describe('biscuit-wasm is loaded only for Datalog and printing it', () => {
  it('mint, attenuate, authorize, verifyChain and inspect without root keys never import or instantiate it', async () => {
    let token = await mint('biscuit');
    for (let i = 1; i <= 3; i++) token = await attenuate(token, { to: dids[i]!, signer: agents[i - 1]!, trustedRoots: orgKey.publicKey, clock, narrowing: { actions: ['read'] } });
    const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD, task: 'task-q3' };
    expect((await authorize(token, { request, presenter: dids[3]!, clock, trustedRoots: orgKey.publicKey })).chain).toHaveLength(4);
    expect((await verifyChain(token, { trustedRoots: orgKey.publicKey })).chain).toHaveLength(4);
    expect((await inspectToken(token)).chain).toHaveLength(4);
    expect(state.imported).toBe(false);
    expect(biscuitRuntimeStats()).toMatchObject({ instances: 0, memoryBytes: 0 });

    // The probe sees a load: Datalog brings the runtime in, once.
    expect((await authorize(token, { request, presenter: dids[3]!, clock, trustedRoots: orgKey.publicKey, datalog: true, limits: { maxDatalogMicros: 2_000_000 } })).chain).toHaveLength(4);
    expect(state.imported).toBe(true);
    expect(biscuitRuntimeStats().instances).toBe(1);
    expect((await inspectToken(token, { trustedRoots: orgKey.publicKey })).blocks[1]!.source.join('\n')).toContain('hop(1');
    expect(biscuitRuntimeStats().instances).toBe(1);
  });
});
