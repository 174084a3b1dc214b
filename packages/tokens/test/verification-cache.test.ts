import { beforeEach, describe, expect, it } from 'vitest';
import { signatureRuns } from '../src/biscuit/signatures.js';
import { cachedPrefix, rememberPrefix, verifyCached } from '../src/signature-cache.js';
import { attenuate, authorize, configureSignatureCache, signatureCacheStats, verifyChain } from '../src/index.js';
import { appendWithWasm, envelopeOf, tokenOf } from './envelope.js';
import { AUD, ORG, agents, chainOf, clock, codeOf, dids, failure, orgKey } from './helpers.js';
import { CapabilityToken } from '../src/index.js';

const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD, task: 'task-q3' };

beforeEach(() => configureSignatureCache());

describe('the verification cache', () => {
  it('a token presented again is not verified again, but every decision is still made: expiry, holder, request', async () => {
    const token = await chainOf('biscuit', 2);
    const options = { request, presenter: dids[2]!, clock, trustedRoots: orgKey.publicKey };
    await authorize(token, options);
    const before = signatureRuns.count;
    const again = await authorize(token, options);
    expect(signatureRuns.count).toBe(before);
    expect(again.chain).toHaveLength(3);
    // Cached chains are frozen: a caller cannot change what the next caller gets.
    expect(() => (again.effective.actions as string[]).push('delete')).toThrow(TypeError);
    await expect(authorize(token, { ...options, presenter: dids[3]! })).rejects.toMatchObject({ code: 'holder_mismatch' });
    await expect(authorize(token, { ...options, request: { ...request, action: 'delete' } })).rejects.toMatchObject({ code: 'denied' });
    await expect(authorize(token, { ...options, clock: () => Date.UTC(2100, 0, 1) })).rejects.toMatchObject({ code: 'expired' });
  });

  it("a cached chain's hops are one deeply frozen view, the same for every request it allows, equal to the uncached view", async () => {
    const token = await chainOf('biscuit', 3);
    const options = { request, presenter: dids[3]!, clock, trustedRoots: orgKey.publicKey };
    configureSignatureCache({ maxEntries: 0 });
    const uncached = await authorize(token, options);
    configureSignatureCache();
    const first = await authorize(token, options);
    const second = await authorize(token, options);
    expect(second.chain).toBe(first.chain);
    expect(second.record.chain).toBe(first.chain);
    expect(first.chain).toEqual(uncached.chain);
    expect(first.record).toEqual({ ...uncached.record, timestamp: first.record.timestamp });
    const frozenThrough = (v: unknown): boolean => typeof v !== 'object' || v === null || (Object.isFrozen(v) && Object.values(v).every(frozenThrough));
    expect(frozenThrough(first.chain)).toBe(true);
    expect(() => (first.chain as unknown[]).push({})).toThrow(TypeError);
    expect(() => {
      (first.chain[0] as { from: string }).from = 'did:key:zOther';
    }).toThrow(TypeError);
    expect((await authorize(token, options)).chain[0]!.from).toBe(uncached.chain[0]!.from);
  });

  it('a proof seen to hold vouches for that secret only: another secret for the same next key is derived and refused', async () => {
    const token = await chainOf('biscuit', 2);
    const options = { request, presenter: dids[2]!, clock, trustedRoots: orgKey.publicKey };
    await authorize(token, options);
    const envelope = envelopeOf(token);
    const other = Uint8Array.from(envelope.proof.value);
    other[31]! ^= 0x80;
    const forged = tokenOf({ ...envelope, proof: { kind: 'secret', value: other } });
    expect(await failure(authorize(forged, options))).toMatchObject({ code: 'invalid_signature', check: 'proof' });
    // The valid token's blocks verified before: only the proof differs, and it is what refuses it.
    expect(await failure(verifyChain(forged, { trustedRoots: orgKey.publicKey }))).toMatchObject({ code: 'invalid_signature', check: 'proof' });
    expect((await authorize(token, options)).agent).toBe(dids[2]);
  });

  it('a token that ends like a cached one (its proof) but differs before is verified for itself, and the cached one still hits', async () => {
    const token = await chainOf('biscuit', 2);
    const options = { request, presenter: dids[2]!, clock, trustedRoots: orgKey.publicKey };
    await authorize(token, options);
    const text = token.serialize();
    // Another character anywhere but the last 48 (the proof's): never the cached chain.
    for (const at of [0, 10, Math.floor(text.length / 2), text.length - 49]) {
      const other = `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
      expect(await codeOf(authorize(other, options))).not.toMatch(/^(passed|uncoded)/);
    }
    const before = signatureRuns.count;
    expect((await authorize(text, options)).chain).toHaveLength(3);
    expect(signatureRuns.count).toBe(before);
  });

  it('a chain is cached per trust: a token verified under one root is not accepted under another', async () => {
    const token = await chainOf('biscuit', 1);
    await verifyChain(token, { trustedRoots: orgKey.publicKey });
    const { KeyPair } = await import('@agent-id/core');
    await expect(verifyChain(token, { trustedRoots: KeyPair.generate('Ed25519').publicKey })).rejects.toMatchObject({ code: 'invalid_signature' });
  });

  it('a trusted root key changed in place is a new trust: the chain cached under its old bytes is not lent to it', async () => {
    const { KeyPair } = await import('@agent-id/core');
    const token = await chainOf('biscuit', 1);
    const root = KeyPair.fromSecretKey('Ed25519', orgKey.exportSecretKey()).publicKey;
    const roots = [root];
    expect((await verifyChain(token, { trustedRoots: roots })).issuer).toBe(ORG);
    root.bytes.set(KeyPair.generate('Ed25519').publicKey.bytes);
    // The same options object, and fresh options around the same key object: both verify anew.
    expect(await codeOf(verifyChain(token, { trustedRoots: roots }))).toBe('invalid_signature');
    expect(await codeOf(verifyChain(token, { trustedRoots: root }))).toBe('invalid_signature');
  });

  it('a trusted root key changed in place lends nothing to a child of a parent verified under its old bytes', async () => {
    const { KeyPair } = await import('@agent-id/core');
    const parent = await chainOf('biscuit', 1);
    const child = await attenuate(parent, { clock, to: dids[2]!, signer: agents[1]!, trustedRoots: orgKey.publicKey });
    configureSignatureCache();
    const root = KeyPair.fromSecretKey('Ed25519', orgKey.exportSecretKey()).publicKey;
    expect((await verifyChain(parent, { trustedRoots: root })).issuer).toBe(ORG);
    root.bytes.set(KeyPair.generate('Ed25519').publicKey.bytes);
    expect(await codeOf(verifyChain(child, { trustedRoots: root }))).toBe('invalid_signature');
  });

  it("a first-seen hop below a parent verified before verifies only the new block's two signatures", async () => {
    const parent = await chainOf('biscuit', 2);
    await verifyChain(parent, { trustedRoots: orgKey.publicKey });
    const child = await attenuate(parent, { clock, to: dids[3]!, signer: agents[2]!, trustedRoots: orgKey.publicKey });
    const { misses: missesBefore, hits: hitsBefore } = signatureCacheStats();
    const signaturesBefore = signatureRuns.signatures;
    await verifyChain(child, { trustedRoots: orgKey.publicKey });
    const stats = signatureCacheStats();
    // Blocks 0..2 (and their delegators' external signatures) were verified with the parent,
    // and are taken whole (one hit); block 3 is new: its signature under block 2's next key,
    // and its delegator's.
    expect(stats.hits - hitsBefore).toBe(1);
    expect(stats.misses - missesBefore).toBe(0);
    expect(signatureRuns.signatures - signaturesBefore).toBe(2);
  });

  it('a token whose tokens in between were never presented finds the longest run of its blocks verified before, and reads as with the caches off', async () => {
    const parent = await chainOf('biscuit', 2);
    const child = await attenuate(parent, { clock, to: dids[3]!, signer: agents[2]!, trustedRoots: orgKey.publicKey });
    const grandchild = await attenuate(child, { clock, to: dids[4]!, signer: agents[3]!, trustedRoots: orgKey.publicKey });
    const options = { request, presenter: dids[4]!, clock, trustedRoots: orgKey.publicKey };
    configureSignatureCache({ maxEntries: 0 });
    const { record: _r1, ...uncached } = await authorize(grandchild, options);
    configureSignatureCache();
    await verifyChain(parent, { trustedRoots: orgKey.publicKey });
    expect(signatureCacheStats()).toMatchObject({ runs: 1, entries: 0 });
    const before = signatureRuns.signatures;
    const { record: _r2, ...cached } = await authorize(grandchild, options);
    // Blocks 3 and 4, each under the previous next key and by its delegator.
    expect(signatureRuns.signatures - before).toBe(4);
    expect(cached).toEqual(uncached);
    expect(signatureCacheStats().runs).toBe(2);
  });

  it('a first-party block of checks after a run verified before is read on from that run: one signature, the same checks', async () => {
    const parent = await chainOf('biscuit', 2);
    // Until a minute after the clock's time (before the capability's expiry, an hour after it).
    const checked = await appendWithWasm(parent, 'check if time($t), $t <= 2030-03-17T17:47:40Z;');
    const late = () => clock() + 120_000;
    const options = { request, presenter: dids[2]!, clock, trustedRoots: orgKey.publicKey };
    configureSignatureCache({ maxEntries: 0 });
    const { record: _r1, ...uncached } = await authorize(checked, options);
    configureSignatureCache();
    await verifyChain(parent, { trustedRoots: orgKey.publicKey });
    const before = signatureRuns.signatures;
    const { record: _r2, ...cached } = await authorize(checked, options);
    expect(signatureRuns.signatures - before).toBe(1);
    expect(cached).toEqual(uncached);
    // And a hop after that block reads on from the run that ends with it.
    const child = await attenuate(checked, { clock, to: dids[3]!, signer: agents[2]!, trustedRoots: orgKey.publicKey });
    const signed = signatureRuns.signatures;
    expect((await authorize(child, { ...options, presenter: dids[3]! })).agent).toBe(dids[3]);
    expect(signatureRuns.signatures - signed).toBe(2);
    // The block's check still decides: past its time the token is refused, as with the caches off.
    const refusal = await codeOf(authorize(child, { ...options, presenter: dids[3]!, clock: late }));
    configureSignatureCache({ maxEntries: 0 });
    expect(await codeOf(authorize(child, { ...options, presenter: dids[3]!, clock: late }))).toBe(refusal);
    expect(refusal).not.toMatch(/^(passed|uncoded)/);
  });

  it('a token refused at any signature leaves nothing remembered', async () => {
    const { readSerialized } = await import('../src/biscuit/proto/envelope.js');
    const { writeEnvelope } = await import('../src/biscuit/proto/writer.js');
    const envelope = readSerialized((await chainOf('biscuit', 3)).toBytes());
    envelope.blocks[2]!.signature = Uint8Array.from(envelope.blocks[2]!.signature, (b, i) => (i === 0 ? b ^ 1 : b));
    configureSignatureCache();
    expect(await codeOf(verifyChain(CapabilityToken.fromBytes('biscuit', writeEnvelope(envelope)), { trustedRoots: orgKey.publicKey }))).toBe('invalid_signature');
    expect(signatureCacheStats()).toMatchObject({ runs: 0, chains: 0, entries: 0 });
  });

  it('a child of a parent verified before reads exactly as it reads with the caches off', async () => {
    const parent = await chainOf('biscuit', 3);
    const child = await attenuate(parent, { clock, to: dids[4]!, signer: agents[3]!, trustedRoots: orgKey.publicKey });
    const options = { request, presenter: dids[4]!, clock, trustedRoots: orgKey.publicKey };
    configureSignatureCache({ maxEntries: 0 });
    const uncached = await authorize(child.serialize(), options);
    configureSignatureCache();
    await verifyChain(parent, { trustedRoots: orgKey.publicKey });
    const before = signatureRuns.signatures;
    const cached = await authorize(child.serialize(), options);
    expect(signatureRuns.signatures - before).toBe(2);
    const { record: _r1, ...a } = uncached;
    const { record: _r2, ...b } = cached;
    expect(b).toEqual(a);
  });

  it('a parent verified under one root lends nothing to a child checked under another', async () => {
    const parent = await chainOf('biscuit', 2);
    await verifyChain(parent, { trustedRoots: orgKey.publicKey });
    const child = await attenuate(parent, { clock, to: dids[3]!, signer: agents[2]!, trustedRoots: orgKey.publicKey });
    expect(await codeOf(verifyChain(child, { trustedRoots: agents[7]!.publicKey }))).toBe('invalid_signature');
    await expect(verifyChain(child, { trustedRoots: orgKey.publicKey })).resolves.toMatchObject({ chain: { length: 4 } });
  });

  it('a cached parent keeps its issuer: a root bound to another issuer is refused for its child (untrusted_issuer)', async () => {
    const parent = await chainOf('biscuit', 2);
    await verifyChain(parent, { trustedRoots: orgKey.publicKey });
    const child = await attenuate(parent, { clock, to: dids[3]!, signer: agents[2]!, trustedRoots: orgKey.publicKey });
    expect(await failure(verifyChain(child, { trustedRoots: [{ issuer: 'did:web:other.example', publicKey: orgKey.publicKey }] }))).toMatchObject({ code: 'untrusted_issuer', check: 'root_issuer' });
    await expect(verifyChain(child, { trustedRoots: [{ issuer: ORG, publicKey: orgKey.publicKey }] })).resolves.toMatchObject({ issuer: ORG });
  });

  it('a new block on a cached parent is still checked: a changed signature, external signature or proof is refused', async () => {
    const parent = await chainOf('biscuit', 2);
    await verifyChain(parent, { trustedRoots: orgKey.publicKey });
    const child = await attenuate(parent, { clock, to: dids[3]!, signer: agents[2]!, trustedRoots: orgKey.publicKey });
    const flip = (bytes: Uint8Array) => {
      const out = Uint8Array.from(bytes);
      out[5] = out[5]! ^ 1;
      return out;
    };
    const last = (e: ReturnType<typeof envelopeOf>) => e.blocks.at(-1)!;
    const variants = [
      (e: ReturnType<typeof envelopeOf>) => Object.assign(last(e), { signature: flip(last(e).signature) }),
      (e: ReturnType<typeof envelopeOf>) => Object.assign(last(e), { externalSignature: flip(last(e).externalSignature!) }),
      (e: ReturnType<typeof envelopeOf>) => Object.assign(last(e), { block: flip(last(e).block) }),
      (e: ReturnType<typeof envelopeOf>) => Object.assign(e, { proof: { kind: 'secret', value: flip(e.proof.value) } }),
    ];
    for (const change of variants) {
      const envelope = envelopeOf(child);
      change(envelope);
      const outcome = await failure(verifyChain(tokenOf(envelope), { trustedRoots: orgKey.publicKey }));
      expect(['invalid_signature', 'malformed_input']).toContain(outcome.code);
    }
    await expect(verifyChain(child, { trustedRoots: orgKey.publicKey })).resolves.toMatchObject({ chain: { length: 4 } });
  });

  it("a cached first-party check's bytes literal is its own: decoding other tokens later does not change what it compares", async () => {
    const checked = await appendWithWasm(await chainOf('biscuit', 1), 'check if hex:00112233445566778899 == hex:00112233445566778899;');
    const options = { request, presenter: dids[1]!, clock, trustedRoots: orgKey.publicKey };
    await expect(authorize(CapabilityToken.parse(checked.serialize()), options)).resolves.toMatchObject({ agent: dids[1] });
    // Another token, as long, decoded over the same bytes (it is refused).
    const junk = Buffer.from(Uint8Array.from({ length: checked.size }, (_, i) => (i * 7 + 3) & 0xff)).toString('base64url');
    expect(await codeOf(authorize(CapabilityToken.parse(junk), options))).not.toMatch(/^(passed|uncoded)/);
    const before = signatureRuns.count;
    await expect(authorize(CapabilityToken.parse(checked.serialize()), options)).resolves.toMatchObject({ agent: dids[1] });
    expect(signatureRuns.count).toBe(before);
  });

  it("a token whose first-party checks weigh more than a 64th of the chain cache (about 2 KiB a check) is not kept: it is verified again", async () => {
    const many = Array.from({ length: 70 }, (_, i) => `check if time($t), $t <= 2100-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`).join(';\n');
    const heavy = await appendWithWasm(await chainOf('biscuit', 1), `${many};`);
    const light = await appendWithWasm(await chainOf('biscuit', 1), 'check if time($t), $t <= 2100-01-01T00:00:00Z;');
    const options = { request, presenter: dids[1]!, clock, trustedRoots: orgKey.publicKey };
    for (const [token, again] of [[heavy, 1], [light, 0]] as const) {
      await authorize(token, options);
      const before = signatureRuns.count;
      await authorize(token, options);
      expect(signatureRuns.count - before).toBe(again);
    }
  });

  it('maxEntries 0 turns both caches off; junk sizes are a TypeError', async () => {
    configureSignatureCache({ maxEntries: 0 });
    const token = await chainOf('biscuit', 1);
    await verifyChain(token, { trustedRoots: orgKey.publicKey });
    const before = signatureRuns.count;
    await verifyChain(token, { trustedRoots: orgKey.publicKey });
    expect(signatureRuns.count).toBe(before + 1);
    for (const bad of [-1, 1.5, Number.NaN, '10']) expect(() => configureSignatureCache({ maxEntries: bad as number })).toThrow(TypeError);
  });
});

describe('what the signature cache keeps of a message', () => {
  it('a copy: a buffer its caller reuses after the call changes nothing remembered', () => {
    configureSignatureCache();
    const buffer = Uint8Array.from([1, 2, 3, 4]);
    const signature = new Uint8Array(64).fill(7);
    let runs = 0;
    const answer = (verdict: boolean) => () => {
      runs++;
      return verdict;
    };
    expect(verifyCached('biscuit:k', signature, buffer, answer(true))).toBe(true);
    // The caller joins its next payload into the same buffer: other bytes, verified afresh (and refused).
    buffer[0] = 9;
    expect(verifyCached('biscuit:k', signature, buffer, answer(false))).toBe(false);
    // The bytes that verified are still a hit.
    expect(verifyCached('biscuit:k', signature, Uint8Array.from([1, 2, 3, 4]), answer(false))).toBe(true);
    expect(runs).toBe(2);
    configureSignatureCache();
  });

  it('a run that is found stays, however many runs are remembered after it; one never found again is forgotten', () => {
    configureSignatureCache();
    const run = (i: number) => Uint8Array.from({ length: 64 }, (_, j) => (i * 7 + j) & 0xff);
    const parent = { chain: 'parent' };
    const idle = { chain: 'idle' };
    rememberPrefix('parent', run(0), parent);
    rememberPrefix('idle', run(1), idle);
    // Its sub-agents' tokens, one in a hundred of the runs remembered since.
    for (let i = 2; i < 5_000; i++) {
      rememberPrefix(`other-${i}`, run(i), { chain: i });
      if (i % 100 === 0) expect(cachedPrefix('parent', run(0))).toBe(parent);
    }
    expect(cachedPrefix('parent', run(0))).toBe(parent);
    expect(cachedPrefix('idle', run(1))).toBeUndefined();
    expect(signatureCacheStats().runs).toBeLessThan(5_000);
  });

  it('a verified run of blocks is lent only to the same bytes: a run named alike but differing anywhere is not, and a copy is kept', () => {
    configureSignatureCache();
    const run = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const verified = { chain: 'verified' };
    rememberPrefix('sig-of-last-block', run, verified);
    expect(cachedPrefix('sig-of-last-block', run.slice())).toBe(verified);
    for (const at of [0, 150, 299]) {
      const other = run.slice();
      other[at] = other[at]! ^ 1;
      expect(cachedPrefix('sig-of-last-block', other)).toBeUndefined();
    }
    expect(cachedPrefix('sig-of-last-block', run.subarray(0, 299))).toBeUndefined();
    expect(cachedPrefix('another-name', run)).toBeUndefined();
    // The caller's buffer changing afterwards changes nothing remembered.
    const original = run.slice();
    run[7] = 0;
    expect(cachedPrefix('sig-of-last-block', run)).toBeUndefined();
    expect(cachedPrefix('sig-of-last-block', original)).toBe(verified);
    // A second run under the same name does not replace the first.
    rememberPrefix('sig-of-last-block', run, { chain: 'other' });
    expect(cachedPrefix('sig-of-last-block', original)).toBe(verified);
    expect(Object.isFrozen(verified)).toBe(true);
    configureSignatureCache({ maxEntries: 0 });
    expect(cachedPrefix('sig-of-last-block', original)).toBeUndefined();
    configureSignatureCache();
  });
});
