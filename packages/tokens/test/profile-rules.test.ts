import { createHash } from 'node:crypto';
import { KeyPair } from '@agent-id/core';
import { p256 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import { HOP_CODE, dateParam, scopeParams } from '../src/biscuit/datalog.js';
import { datalogKey } from '../src/biscuit/keys.js';
import { type SignedBlockView, readSerialized } from '../src/biscuit/proto/envelope.js';
import { blockPayload, externalPayload } from '../src/biscuit/signatures.js';
import { attenuate, authorize, mintCapability, verifyChain } from '../src/index.js';
import { withBiscuit } from '../src/wasm/runtime.js';
import { appendWithWasm, envelopeOf, hex, proofOf, randomizedEd25519, tokenOf, wasmAccepts } from './envelope.js';
import { AUD, NOW, agents, capability, chainOf, clock, dids, issuedAtParam, mint, orgKey } from './helpers.js';

// Issue #14, item 9: the rules of this profile that Biscuit itself does not have, each
// pinned by the attack it stops, built here against biscuit-wasm (which lets it through)
// and against this package's verifier (which refuses it, coded).
// 1. Every next key is Ed25519 (`next_key`).
// 2. Every block after the authority has signature version 1 (`version`).
// 3. Every block after the authority is a hop signed by its delegator, or a first-party
//    block of checks only (`check_block`: test/first-party-checks.test.ts).

const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD };
const ed = (k: KeyPair) => ({ algorithm: 0, key: k.publicKey.bytes });
/** An ECDSA P-256 signature as Biscuit writes it: SHA-256, DER. */
const ecdsaDer = (key: KeyPair, message: Uint8Array) => p256.Signature.fromBytes(key.sign(message), 'compact').toBytes('der');

/** A first-party block of one check naming only default symbols, so it fits any token's symbol table. */
async function checkOnlyBlockData(): Promise<Uint8Array> {
  const token = await appendWithWasm(await chainOf('biscuit', 1), 'check if time($time), $time < {later}', { later: dateParam(NOW + 3600) });
  return envelopeOf(token).blocks[2]!.block;
}

/** A third-party block's Datalog: agent 1's hop to agent 2 (a third-party block has its own symbol table). */
async function hopBlockData(previous: Uint8Array): Promise<Uint8Array> {
  const leaf = { resources: ['files:/reports/*'], actions: ['read'], audience: [AUD], expiresAt: NOW + 600, maxDepth: 0 };
  return withBiscuit((glue) => {
    const block = new glue.BlockBuilder();
    try {
      block.addCodeWithParameters(HOP_CODE, { index: 2, from: dids[1], to: dids[2], previous: { bytes: hex(previous) }, issued_at: issuedAtParam, ...scopeParams(leaf) }, {});
      const builder = glue.Biscuit.builder();
      builder.merge(block);
      // Serialized alone through a one-block token: the block's bytes are what a third party signs.
      const key = new glue.KeyPair(0 as never);
      const token = builder.build(key.getPrivateKey());
      const bytes = token.toBytes();
      for (const o of [token, key]) o.free();
      return readSerialized(bytes).blocks[0]!.block;
    } finally {
      block.free();
    }
  });
}

describe('rule 1: every next key is Ed25519 — the ECDSA splice', () => {
  it('a holder moves another agent’s third-party block into its own token: biscuit-wasm accepts and trusts it, the profile refuses (next_key)', async () => {
    const checkData = await checkOnlyBlockData();
    const victim = agents[1]!;

    // T1, a token of another issuer whose block keys are P-256: agent 1 delegates in it (hop
    // to agent 2), its external signature covering the ECDSA signature `sigA` before it.
    const otherRoot = KeyPair.generate();
    const minted = envelopeOf(await mintCapability(capability({ holder: dids[1]! }), { format: 'biscuit', rootKey: otherRoot, issuer: 'did:web:other.example' }));
    const k1 = KeyPair.generate('P-256');
    const n2 = KeyPair.generate();
    const n3 = KeyPair.generate();
    const a0: SignedBlockView = { ...minted.blocks[0]!, nextKey: { algorithm: 1, key: k1.publicKey.bytes } };
    a0.signature = otherRoot.sign(blockPayload(a0, undefined));
    const a1: SignedBlockView = { block: checkData, nextKey: ed(n2), version: 1, signature: new Uint8Array() };
    a1.signature = ecdsaDer(k1, blockPayload(a1, a0));
    const sigA = a1.signature;
    const x: SignedBlockView = { block: await hopBlockData(sigA), nextKey: ed(n3), version: 1, signature: new Uint8Array(), externalKey: ed(victim) };
    x.externalSignature = victim.sign(externalPayload(x, a1));
    x.signature = KeyPair.fromSecretKey('Ed25519', n2.exportSecretKey()).sign(blockPayload(x, a1));
    const t1 = tokenOf({ blocks: [a0, a1, x], proof: { kind: 'secret', value: n3.exportSecretKey() } });
    expect(await wasmAccepts(t1.toBytes(), otherRoot.publicKey)).toBe(true);

    // T2, the attacker's own token: agent 0 delegated to agent 1 and kept the secret of
    // that token (it wrote it). It appends a check-only block Q whose next key K is chosen
    // *after the fact*, by ECDSA public-key recovery, so that a version-0 block P carries
    // exactly sigA; then agent 1's block X from T1, re-signed with P's next key.
    const ours = envelopeOf(await chainOf('biscuit', 1));
    const m = KeyPair.generate();
    const last = KeyPair.generate();
    const p: SignedBlockView = { block: checkData, nextKey: ed(m), version: 0, signature: sigA };
    const digest = createHash('sha256').update(blockPayload(p, undefined)).digest();
    const k = p256.Signature.fromBytes(sigA, 'der').addRecoveryBit(0).recoverPublicKey(digest).toBytes(true);
    const q: SignedBlockView = { block: checkData, nextKey: { algorithm: 1, key: k }, version: 1, signature: new Uint8Array() };
    q.signature = KeyPair.fromSecretKey('Ed25519', ours.proof.value).sign(blockPayload(q, ours.blocks[1]!));
    const moved: SignedBlockView = { ...x, nextKey: ed(last) };
    moved.signature = KeyPair.fromSecretKey('Ed25519', m.exportSecretKey()).sign(blockPayload(moved, p));
    const spliced = tokenOf({ blocks: [...ours.blocks, q, p, moved], proof: { kind: 'secret', value: last.exportSecretKey() } });

    // biscuit-wasm verifies every signature of the splice, and believes agent 1 wrote its hop to agent 2 in T2.
    const trusted = await withBiscuit((glue) => {
      const root = glue.PublicKey.fromBytes(orgKey.publicKey.bytes, 0 as never);
      const biscuit = glue.Biscuit.fromBytes(spliced.toBytes(), root);
      const authorizer = new glue.AuthorizerBuilder().buildAuthenticated(biscuit);
      const rule = glue.Rule.fromString('q($from, $to) <- hop($i, $from, $to, $p, $t) trusting {key}');
      rule.setScope('key', datalogKey(victim.publicKey));
      const rows = (authorizer.queryWithLimits(rule, { max_time_micro: 1_000_000, max_facts: 1000, max_iterations: 100 }) as Array<{ terms(): unknown[]; free(): void }>).map((f) => {
        const terms = f.terms();
        f.free();
        return terms;
      });
      for (const o of [rule, authorizer, biscuit, root]) o.free();
      return rows;
    });
    expect(trusted).toEqual([[dids[1], dids[2]]]);
    // The profile refuses it before any signature: Q's next key is not Ed25519.
    await expect(authorize(spliced, { request, presenter: dids[2]!, clock, trustedRoots: orgKey.publicKey })).rejects.toMatchObject({ code: 'malformed_input', check: 'next_key' });
    await expect(verifyChain(spliced, { trustedRoots: orgKey.publicKey })).rejects.toMatchObject({ code: 'malformed_input', check: 'next_key' });
  });
});

describe('rule 2: every block after the authority has signature version 1', () => {
  it('a version-0 block survives a re-signing of the block before it (biscuit-wasm accepts); the profile refuses it (version)', async () => {
    const t0 = await mint('biscuit');
    const t1 = await attenuate(t0, { to: dids[1]!, signer: agents[0]!, trustedRoots: orgKey.publicKey, clock });
    const withCheck = await appendWithWasm(t1, 'check if time($time), $time < {later}', { later: dateParam(NOW + 3600) });
    const e = envelopeOf(withCheck);
    // Stock appendBlock writes version 1 here (the authority mintCapability writes is version 1).
    expect(e.blocks.map((b) => b.version)).toEqual([1, 1, 1]);
    // The same check block signed as version 0 by its writer (the holder of t1's secret).
    const v0: SignedBlockView = { ...e.blocks[2]!, version: 0 };
    v0.signature = KeyPair.fromSecretKey('Ed25519', proofOf(t1)).sign(blockPayload(v0, e.blocks[1]!));
    const asV0 = tokenOf({ ...e, blocks: [e.blocks[0]!, e.blocks[1]!, v0] });
    expect(await wasmAccepts(asV0.toBytes())).toBe(true);
    await expect(authorize(asV0, { request, presenter: dids[1]!, clock, trustedRoots: orgKey.publicKey })).rejects.toMatchObject({ code: 'malformed_input', check: 'version' });

    // Why: hop 1's block is signed again by a holder of t0's secret (agent 0), same next
    // key, fresh nonce: a new Biscuit id for hop 1. A version-1 block after it no longer
    // verifies (its payload holds the old signature); a version-0 one still does, so the
    // token lives on under a Biscuit id for hop 1 that no revocation names.
    const hop1: SignedBlockView = { ...e.blocks[1]! };
    hop1.signature = randomizedEd25519(proofOf(t0), blockPayload(hop1, e.blocks[0]!));
    expect(hex(hop1.signature)).not.toBe(hex(e.blocks[1]!.signature));
    expect(await wasmAccepts(tokenOf({ ...e, blocks: [e.blocks[0]!, hop1, e.blocks[2]!] }).toBytes())).toBe(false);
    expect(await wasmAccepts(tokenOf({ ...e, blocks: [e.blocks[0]!, hop1, v0] }).toBytes())).toBe(true);
  });

  it('a version-0 hop block is refused by both (biscuit-auth requires version 1 of third-party blocks)', async () => {
    const t0 = await mint('biscuit');
    const t1 = await attenuate(t0, { to: dids[1]!, signer: agents[0]!, trustedRoots: orgKey.publicKey, clock });
    const e = envelopeOf(t1);
    const v0: SignedBlockView = { ...e.blocks[1]!, version: 0 };
    v0.signature = KeyPair.fromSecretKey('Ed25519', proofOf(t0)).sign(blockPayload(v0, e.blocks[0]!));
    const token = tokenOf({ ...e, blocks: [e.blocks[0]!, v0] });
    expect(await wasmAccepts(token.toBytes())).toBe(false);
    await expect(authorize(token, { request, presenter: dids[1]!, clock, trustedRoots: orgKey.publicKey })).rejects.toMatchObject({ code: 'malformed_input', check: 'version' });
  });

  it('a token minted by biscuit-wasm alone (a version-0 authority) still verifies; a stock block appended to it directly is version 0 and refused', async () => {
    const minted = envelopeOf(await mint('biscuit'));
    const v0: SignedBlockView = { ...minted.blocks[0]!, version: 0 };
    v0.signature = orgKey.sign(blockPayload(v0, undefined));
    const legacy = tokenOf({ ...minted, blocks: [v0] });
    await expect(authorize(legacy, { request, presenter: dids[0]!, clock, trustedRoots: orgKey.publicKey })).resolves.toBeTruthy();
    const narrowed = await appendWithWasm(legacy, 'check if time($time), $time < {later}', { later: dateParam(NOW + 3600) });
    expect(envelopeOf(narrowed).blocks.map((b) => b.version)).toEqual([0, 0]);
    await expect(authorize(narrowed, { request, presenter: dids[0]!, clock, trustedRoots: orgKey.publicKey })).rejects.toMatchObject({ code: 'malformed_input', check: 'version' });
    // After a hop (always version 1), stock blocks are version 1 again.
    const hopped = await attenuate(legacy, { to: dids[1]!, signer: agents[0]!, trustedRoots: orgKey.publicKey, clock });
    const after = await appendWithWasm(hopped, 'check if time($time), $time < {later}', { later: dateParam(NOW + 3600) });
    expect(envelopeOf(after).blocks.map((b) => b.version)).toEqual([0, 1, 1]);
    await expect(authorize(after, { request, presenter: dids[1]!, clock, trustedRoots: orgKey.publicKey })).resolves.toBeTruthy();
  });
});
