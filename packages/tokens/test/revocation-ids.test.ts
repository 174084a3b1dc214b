import { createHash } from 'node:crypto';
import macaroonLib from 'macaroon';
import { KeyPair, base64urlDecode, base64urlEncode, canonicalize } from '@agent-id/core';
import { didKeyFromPublicKey } from '@agent-id/did';
import { p256 } from '@noble/curves/nist.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSerialized } from '../src/biscuit/proto/envelope.js';
import { type CapabilityToken, MemoryRevocationStore, attenuate, authorize, inspectToken, mintCapability } from '../src/index.js';
import { parseCaveat } from '../src/macaroon/caveats.js';
import { exportBinary } from '../src/macaroon/codec.js';
import { withBiscuit } from '../src/wasm/runtime.js';
import { envelopeOf, hex, proofOf, resignBlock, wasmAccepts } from './envelope.js';
import { AUD, ORG, agents, capability, clock, codeOf, dids, mint, orgKey, rootSecret } from './helpers.js';

// Issue #14, item 8. Biscuit's revocation id of a block is its signature, made with the
// ephemeral secret the previous block's next key belongs to. Whoever held the token before
// the block holds that secret and can sign the block again: same Datalog, same external
// signature, new signature. A revocation by the old id then misses the copy. Each test
// below builds that copy, shows Biscuit's id (as biscuit-wasm itself reports it) changes,
// and shows the hop id this package revokes by does not, so a revocation still refuses it.

const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD };
const biscuitTrust = { trustedRoots: orgKey.publicKey };

async function chain3() {
  const t0 = await mint('biscuit');
  const t1 = await attenuate(t0, { to: dids[1]!, signer: agents[0]!, ...biscuitTrust, clock });
  const t2 = await attenuate(t1, { to: dids[2]!, signer: agents[1]!, ...biscuitTrust, clock });
  return { t0, t1, t2 };
}

/** biscuit-wasm's own revocation ids of a token (Biscuit's: the block signatures). */
async function wasmRevocationIds(token: CapabilityToken): Promise<string[]> {
  return withBiscuit((glue) => {
    const root = glue.PublicKey.fromBytes(orgKey.publicKey.bytes, 0 as never);
    const biscuit = glue.Biscuit.fromBytes(token.toBytes(), root);
    try {
      return biscuit.getRevocationIdentifiers() as string[];
    } finally {
      biscuit.free();
      root.free();
    }
  });
}

const decide = (token: CapabilityToken, presenter: string, revocations?: MemoryRevocationStore) =>
  codeOf(authorize(token, { request, presenter, clock, ...biscuitTrust, ...(revocations ? { revocations } : {}) }));

describe('Biscuit: a re-signed hop keeps its hop id', () => {
  it('a new next key: the hop is re-minted with a new Biscuit id, and revoking its hop id still refuses the copy', async () => {
    const { t1, t2 } = await chain3();
    // t1's proof is the secret block 2 was signed with: agent 0 (which wrote t1) and agent 1 (which received it) hold it.
    const copy = resignBlock(t2, 2, proofOf(t1), { next: KeyPair.generate() });
    expect(await wasmAccepts(copy.toBytes())).toBe(true);
    const original = await authorize(t2, { request, presenter: dids[2]!, clock, ...biscuitTrust });
    const copied = await authorize(copy, { request, presenter: dids[2]!, clock, ...biscuitTrust });
    expect(copied.chain).toEqual(original.chain);
    // Biscuit's id of hop 2, as biscuit-wasm reports it, changed; the hop id did not.
    const [before, after] = [await wasmRevocationIds(t2), await wasmRevocationIds(copy)];
    expect(before).toEqual(original.blockRevocationIds);
    expect(after).toEqual(copied.blockRevocationIds);
    expect(after[2]).not.toBe(before[2]);
    expect(copied.revocationIds).toEqual(original.revocationIds);

    // Revoked by Biscuit's id, the original is refused and the re-signed copy is not: the attack.
    const byBlockId = new MemoryRevocationStore();
    await byBlockId.revoke({ kind: 'token', id: before[2]! });
    expect(await decide(t2, dids[2]!, byBlockId)).toBe('revoked');
    expect(await decide(copy, dids[2]!, byBlockId)).toBe('passed');
    // Revoked by the hop id, both are refused.
    const byHopId = new MemoryRevocationStore();
    await byHopId.revoke({ kind: 'token', id: original.revocationIds[2]! });
    for (const token of [t2, copy]) {
      await expect(authorize(token, { request, presenter: dids[2]!, clock, ...biscuitTrust, revocations: byHopId })).rejects.toMatchObject({ code: 'revoked', check: 'revocation_token' });
    }
  });

  it('the same next key, a fresh Ed25519 nonce: Biscuit id changes, hop id does not', async () => {
    const { t0, t1 } = await chain3();
    const copy = resignBlock(t1, 1, proofOf(t0), { randomNonce: true, proof: proofOf(t1) });
    expect(envelopeOf(copy).blocks[1]!.nextKey.key).toEqual(envelopeOf(t1).blocks[1]!.nextKey.key);
    expect(await wasmAccepts(copy.toBytes())).toBe(true);
    const [a, b] = [await authorize(t1, { request, presenter: dids[1]!, clock, ...biscuitTrust }), await authorize(copy, { request, presenter: dids[1]!, clock, ...biscuitTrust })];
    expect(b.blockRevocationIds[1]).not.toBe(a.blockRevocationIds[1]);
    expect(b.revocationIds).toEqual(a.revocationIds);
  });

  it('a P-256 agent’s external signature, flipped to (r, n − s) by whoever can re-sign the block: still one hop id (the id hashes what was signed, not the signature)', async () => {
    const p = KeyPair.generate('P-256');
    const pDid = didKeyFromPublicKey(p.publicKey);
    const t0 = await mintCapability(capability({ holder: pDid }), { format: 'biscuit', rootKey: orgKey, issuer: ORG });
    const t1 = await attenuate(t0, { to: dids[1]!, signer: p, ...biscuitTrust, clock });
    const copy = resignBlock(t1, 1, proofOf(t0), { next: KeyPair.generate() }, (block) => {
      const signature = p256.Signature.fromBytes(block.externalSignature!, 'der');
      const flipped = new p256.Signature(signature.r, p256.Point.CURVE().n - signature.s).toBytes('der');
      return { ...block, externalSignature: flipped };
    });
    // Both implementations accept the flipped signature (neither requires a low S).
    expect(await wasmAccepts(copy.toBytes())).toBe(true);
    const [a, b] = [await authorize(t1, { request, presenter: dids[1]!, clock, ...biscuitTrust }), await authorize(copy, { request, presenter: dids[1]!, clock, ...biscuitTrust })];
    const externalOf = (t: CapabilityToken) => envelopeOf(t).blocks[1]!.externalSignature!;
    expect(hex(externalOf(copy))).not.toBe(hex(externalOf(t1)));
    expect(b.blockRevocationIds[1]).not.toBe(a.blockRevocationIds[1]);
    expect(b.revocationIds).toEqual(a.revocationIds);
  });

  it('the authority: only the root signs it, and its id is the same however the root signs that payload', async () => {
    const t0 = await mint('biscuit');
    const copy = resignBlock(t0, 0, orgKey.exportSecretKey(), { randomNonce: true, proof: proofOf(t0) });
    expect(await wasmAccepts(copy.toBytes())).toBe(true);
    const [a, b] = [await authorize(t0, { request, presenter: dids[0]!, clock, ...biscuitTrust }), await authorize(copy, { request, presenter: dids[0]!, clock, ...biscuitTrust })];
    expect(b.blockRevocationIds[0]).not.toBe(a.blockRevocationIds[0]);
    expect(b.revocationIds).toEqual(a.revocationIds);
  });

  it('property: no re-signing by a holder of a block secret changes any hop id, and a revoked hop stays revoked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.nat(), fc.boolean(), async (hops, which, newKey) => {
        const tokens = [await mint('biscuit')];
        for (let i = 1; i <= hops; i++) tokens.push(await attenuate(tokens[i - 1]!, { to: dids[i]!, signer: agents[i - 1]!, ...biscuitTrust, clock }));
        // A hop block: signed with the proof of the token before it, which its delegator and the agent before hold.
        const index = 1 + (which % hops);
        const secret = proofOf(tokens[index - 1]!);
        const copy = resignBlock(tokens[hops]!, index, secret, newKey ? { next: KeyPair.generate() } : { randomNonce: true, proof: proofOf(tokens[index]!) });
        const original = await authorize(tokens[hops]!, { request, presenter: dids[hops]!, clock, ...biscuitTrust });
        const copied = await authorize(copy, { request, presenter: dids[index]!, clock, ...biscuitTrust });
        expect(copied.blockRevocationIds[index]).not.toBe(original.blockRevocationIds[index]);
        expect(copied.revocationIds).toEqual(original.revocationIds.slice(0, index + 1));
        const store = new MemoryRevocationStore();
        await store.revoke({ kind: 'token', id: original.revocationIds[index]! });
        expect(await decide(copy, dids[index]!, store)).toBe('revoked');
      }),
      { numRuns: Number(process.env.RESIGN_RUNS ?? 20) },
    );
  }, 120_000);

  it('the ids are what the README defines: SHA-256 of a label and the payload the hop’s issuer signed (computed here from the spec, not the package)', async () => {
    const { t2 } = await chain3();
    const result = await authorize(t2, { request, presenter: dids[2]!, clock, ...biscuitTrust });
    const blocks = readSerialized(t2.toBytes()).blocks;
    const le32 = (v: number) => Buffer.from([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24]);
    const l = (s: string) => Buffer.from(s, 'latin1');
    const sha = (...parts: Uint8Array[]) => createHash('sha256').update(Buffer.concat(parts)).digest('hex');
    const a = blocks[0]!;
    // The authority, signature version 1: the root signed the labelled payload without a previous signature.
    expect(a.version).toBe(1);
    const rootSigned = Buffer.concat([l('\0BLOCK\0\0VERSION\0'), le32(1), l('\0PAYLOAD\0'), a.block, l('\0ALGORITHM\0'), le32(0), l('\0NEXTKEY\0'), a.nextKey.key]);
    expect(result.revocationIds[0]).toBe(sha(l('agent-id/biscuit/revocation-id/v1\0authority\0'), rootSigned));
    for (const i of [1, 2]) {
      const agentSigned = Buffer.concat([l('\0EXTERNAL\0\0VERSION\0'), le32(1), l('\0PAYLOAD\0'), blocks[i]!.block, l('\0PREVSIG\0'), blocks[i - 1]!.signature]);
      expect(result.revocationIds[i]).toBe(sha(l('agent-id/biscuit/revocation-id/v1\0hop\0'), agentSigned));
    }
    // inspectToken shows the same ids, and Biscuit's beside them.
    const view = await inspectToken(t2, biscuitTrust);
    expect(view.blocks.map((b) => [b.revocationId, b.blockRevocationId])).toEqual(result.revocationIds.map((id, i) => [id, result.blockRevocationIds[i]]));
  });
});

describe('Macaroon: hop ids are inside the signed caveat, so they are not malleable', () => {
  const mTrust = { rootSecrets: rootSecret };
  const delegationIndex = (token: CapabilityToken, n: number) =>
    macaroonLib.importMacaroon(token.toBytes())
      .caveats.map((c, i) => [i, c] as const)
      .filter(([, c]) => !c.vid && parseCaveat(c.identifier).name === 'delegation')[n - 1]![0];

  it('a hop re-added with a new id (by anyone holding the token before it) fails its delegator signature', async () => {
    const t1 = await attenuate(await mint('macaroon'), { to: dids[1]!, signer: agents[0]!, clock });
    const t2 = await attenuate(t1, { to: dids[2]!, signer: agents[1]!, clock });
    const hop = parseCaveat(macaroonLib.importMacaroon(t2.toBytes()).caveats[delegationIndex(t2, 2)]!.identifier);
    if (hop.name !== 'delegation') throw new Error('not a delegation');
    const m = macaroonLib.importMacaroon(t1.toBytes());
    m.addFirstPartyCaveat(`delegation = ${canonicalize({ ...hop.value, id: 'a-fresh-id' })}`);
    const copy = exportBinary(m);
    await expect(authorize(base64urlEncode(copy), { request, presenter: dids[2]!, clock, ...mTrust })).rejects.toMatchObject({ code: 'invalid_signature', check: 'hop_signature' });
  });

  it('a P-256 delegator’s signature flipped to (r, n − s): the caveat changes, its id does not, and a revocation by it still refuses', async () => {
    const p = KeyPair.generate('P-256');
    const t0 = await mintCapability(capability({ holder: didKeyFromPublicKey(p.publicKey) }), { format: 'macaroon', rootSecret, issuer: ORG });
    const t1 = await attenuate(t0, { to: dids[1]!, signer: p, clock });
    const hop = parseCaveat(macaroonLib.importMacaroon(t1.toBytes()).caveats[delegationIndex(t1, 1)]!.identifier);
    if (hop.name !== 'delegation') throw new Error('not a delegation');
    const signature = p256.Signature.fromBytes(base64urlDecode(hop.value.sig, 'sig'), 'compact');
    const flipped = base64urlEncode(new p256.Signature(signature.r, p256.Point.CURVE().n - signature.s).toBytes('compact'));
    // Whoever holds t0 (the holder, the issuer) appends the same hop with the flipped signature.
    const m = macaroonLib.importMacaroon(t0.toBytes());
    m.addFirstPartyCaveat(`delegation = ${canonicalize({ ...hop.value, sig: flipped })}`);
    const copy = base64urlEncode(exportBinary(m));
    expect(copy).not.toBe(t1.serialize());
    const [a, b] = [await authorize(t1, { request, presenter: dids[1]!, clock, ...mTrust }), await authorize(copy, { request, presenter: dids[1]!, clock, ...mTrust })];
    expect(b.revocationIds).toEqual(a.revocationIds);
    expect(b.blockRevocationIds).toEqual([]);
    const store = new MemoryRevocationStore();
    await store.revoke({ kind: 'token', id: a.revocationIds[1]! });
    expect(await codeOf(authorize(copy, { request, presenter: dids[1]!, clock, ...mTrust, revocations: store }))).toBe('revoked');
  });

  it('the token id (tid) is in the identifier, under the HMAC root key it derives: another tid does not verify', async () => {
    const t0 = macaroonLib.importMacaroon((await mint('macaroon')).toBytes());
    const identifier = JSON.parse(Buffer.from(t0.identifier).toString('utf8')) as { kid: string; tid: string; v: number };
    const bytes = exportBinary(t0);
    const start = Buffer.from(bytes).indexOf(Buffer.from(identifier.tid));
    const forged = Uint8Array.from(bytes);
    forged[start] = forged[start] === 0x41 ? 0x42 : 0x41;
    expect(await codeOf(authorize(base64urlEncode(forged), { request, presenter: dids[0]!, clock, ...mTrust }))).toBe('invalid_signature');
  });
});
