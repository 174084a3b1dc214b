import { AgentIdError, KeyPair } from '@agent-id/core';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { datalogRefusal } from '../src/biscuit/authorize.js';
import { AUTHORITY_CODE, dateParam } from '../src/biscuit/datalog.js';
import { wasmPrivateKey } from '../src/biscuit/keys.js';
import { type KeyView, type SignedBlockView, readSerialized } from '../src/biscuit/proto/envelope.js';
import { blockPayload as signedPayload, isSmallOrderEncoding } from '../src/biscuit/signatures.js';
import { CapabilityToken, MemoryRevocationStore, attenuate, authorize, mintCapability, verifyChain } from '../src/index.js';
import { DEFAULT_LIMITS } from '../src/limits.js';
import { withBiscuit } from '../src/wasm/runtime.js';
import { AUD, NOW, ORG, USER, agents, capability, clock, dids, orgKey } from './helpers.js';
import { type Field, encode, fieldsOf, varint } from './protobuf.js';

// Tokens that biscuit-auth refuses, or reads differently, must not pass the native path:
// each case below was found in review, signed by a party that can sign (the root, or a
// delegator in the chain), and is refused by both paths now.

const request = { resource: 'files:/reports/a', action: 'read', audience: AUD };
const opts = (presenter: string, extra = {}) => ({ request, presenter, clock, trustedRoots: orgKey.publicKey, ...extra });

/** The native decision (`authorize`) and biscuit-wasm's alone (its parse, then its Datalog authorizer). */
async function outcomes(token: CapabilityToken, options: Parameters<typeof authorize>[1]): Promise<[string, string]> {
  let native: string;
  try {
    await authorize(token, options);
    native = 'allowed';
  } catch (error) {
    expect(error).toBeInstanceOf(AgentIdError);
    native = (error as AgentIdError).code;
  }
  let wasm: string;
  try {
    wasm = (await datalogRefusal(token, options.request, NOW, orgKey.publicKey, DEFAULT_LIMITS))?.code ?? 'allowed';
  } catch (error) {
    wasm = error instanceof AgentIdError ? error.code : 'threw';
  }
  return [native, wasm];
}

// Envelope encoding, for tokens re-signed by hand (fields as in schema.proto).
const len = (field: number, data: Uint8Array): Field => ({ key: varint(field * 8 + 2), len: true, data });
const num = (field: number, value: number): Field => ({ key: varint(field * 8), len: false, data: Uint8Array.from(varint(value)) });
const keyField = (field: number, k: KeyView) => len(field, encode([num(1, k.algorithm), len(2, k.key)]));
function signedBlock(b: SignedBlockView): Uint8Array {
  const fields = [len(1, b.block), keyField(2, b.nextKey), len(3, b.signature)];
  if (b.externalKey && b.externalSignature) fields.push(len(4, encode([len(1, b.externalSignature), keyField(2, b.externalKey)])));
  if (b.version) fields.push(num(5, b.version));
  return encode(fields);
}
function envelope(blocks: SignedBlockView[], secret: Uint8Array): CapabilityToken {
  const bytes = encode([len(2, signedBlock(blocks[0]!)), ...blocks.slice(1).map((b) => len(3, signedBlock(b))), len(4, encode([len(1, secret)]))]);
  return CapabilityToken.fromBytes('biscuit', bytes);
}
const le32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
};
const label = (s: string) => Buffer.from(s, 'latin1');
/** A v1 block signature payload (SPECIFICATIONS.md, "Cryptography"). */
const blockPayload = (b: SignedBlockView, previous: Uint8Array) =>
  Buffer.concat([label('\0BLOCK\0\0VERSION\0'), le32(1), label('\0PAYLOAD\0'), b.block, label('\0ALGORITHM\0'), le32(b.nextKey.algorithm), label('\0NEXTKEY\0'), b.nextKey.key, label('\0PREVSIG\0'), previous, ...(b.externalSignature ? [label('\0EXTERNALSIG\0'), b.externalSignature] : [])]);
const externalPayload = (b: SignedBlockView, previous: Uint8Array) => Buffer.concat([label('\0EXTERNAL\0\0VERSION\0'), le32(1), label('\0PAYLOAD\0'), b.block, label('\0PREVSIG\0'), previous]);
const signWith = (secret: Uint8Array, message: Uint8Array) => KeyPair.fromSecretKey('Ed25519', secret).sign(message);

/** An authority-only token whose block is `edit`ed and re-signed by the root (with the payload of its signature version). */
async function reSignedAuthority(edit: (fields: Field[]) => Field[]): Promise<CapabilityToken> {
  const minted = readSerialized((await mintCapability(capability(), { format: 'biscuit', rootKey: orgKey, issuer: ORG })).toBytes());
  const a = minted.blocks[0]!;
  const block = encode(edit(fieldsOf(a.block)));
  const signature = orgKey.sign(signedPayload({ ...a, block }, undefined));
  return envelope([{ ...a, block, signature }], minted.proof.value);
}

/** An authority-only token written by biscuit-wasm from the template, with values `mintCapability` would not write. */
async function authorityToken(values: { exact: string[]; actions: string[] }): Promise<CapabilityToken> {
  const bytes = await withBiscuit((glue) => {
    const builder = glue.Biscuit.builder();
    builder.addCodeWithParameters(
      AUTHORITY_CODE,
      { issuer: ORG, holder: dids[0], on_behalf_of: USER, task: 't', issued_at: dateParam(NOW), exact: { set: values.exact }, prefixes: { set: [] }, actions: { set: values.actions }, audience: { set: [AUD] }, expires: dateParam(NOW + 60), depth: 1 },
      {},
    );
    const key = wasmPrivateKey(glue, orgKey);
    const token = builder.build(key);
    key.free();
    try {
      return token.toBytes();
    } finally {
      token.free();
    }
  });
  return CapabilityToken.fromBytes('biscuit', bytes);
}

describe('the native path refuses what biscuit-auth refuses', () => {
  it('every small-order point is recognised, in either sign, and no honest key is', () => {
    // An order-8 point from the list generates all eight small-order points.
    const y = 2707385501144840649318225287225658788936804267575313519463743609750303402022n;
    const t = ed25519.Point.fromBytes(Uint8Array.from(Buffer.from(y.toString(16).padStart(64, '0'), 'hex').reverse()));
    expect(t.multiplyUnsafe(8n).is0()).toBe(true);
    expect(t.multiplyUnsafe(4n).is0()).toBe(false);
    for (let k = 1n; k <= 8n; k++) {
      const bytes = t.multiplyUnsafe(k).toBytes();
      expect(isSmallOrderEncoding(bytes)).toBe(true);
      const flipped = Uint8Array.from(bytes);
      flipped[31]! ^= 0x80;
      expect(isSmallOrderEncoding(flipped)).toBe(true);
    }
    for (const a of agents) expect(isSmallOrderEncoding(a.publicKey.bytes)).toBe(false);
  });

  it('a delegator who gives its block a small-order next key cannot let anyone re-sign the next block', async () => {
    const t0 = await mintCapability(capability(), { format: 'biscuit', rootKey: orgKey, issuer: ORG });
    const t1 = await attenuate(t0, { clock, to: dids[1]!, signer: agents[0]!, trustedRoots: orgKey.publicKey });
    const t2 = await attenuate(t1, { clock, to: dids[2]!, signer: agents[1]!, trustedRoots: orgKey.publicKey });
    const [b0, b1, b2] = readSerialized(t2.toBytes()).blocks as [SignedBlockView, SignedBlockView, SignedBlockView];
    const next = KeyPair.generate();
    /**
     * Hops 1 and 2 again, with `key1` as block 1's next key: agent 0 held t0, so it holds
     * the secret of block 0's next key and re-signs its own hop block (its external
     * signature does not cover the next key); agent 1's hop block is bound to the new
     * block-1 signature and externally signed by agent 1; `sign2` signs block 2.
     */
    const rebuilt = (key1: Uint8Array, sign2: (payload: Uint8Array) => Uint8Array): CapabilityToken => {
      const hop1: SignedBlockView = { ...b1, nextKey: { algorithm: 0, key: key1 } };
      hop1.signature = signWith(readSerialized(t0.toBytes()).proof.value, blockPayload(hop1, b0.signature));
      const block2 = Buffer.from(b2.block);
      Buffer.from(hop1.signature).copy(block2, block2.indexOf(Buffer.from(b1.signature)));
      const hop2: SignedBlockView = { ...b2, block: block2, nextKey: { algorithm: 0, key: next.publicKey.bytes } };
      hop2.externalSignature = agents[1]!.sign(externalPayload(hop2, hop1.signature));
      hop2.signature = sign2(blockPayload(hop2, hop1.signature));
      return envelope([b0, hop1, hop2], next.exportSecretKey());
    };
    // With the identity point as block 1's next key, anyone can sign block 2 without a
    // secret: R = identity, s = 0 satisfies [s]B = R + [k]A.
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const forged = new Uint8Array(64);
    forged[0] = 1;
    const [native, wasm] = await outcomes(rebuilt(identity, () => forged), opts(dids[2]!, { revocations: new MemoryRevocationStore() }));
    expect(native).toBe('malformed_input');
    expect(wasm).toBe('invalid_signature');
    // The same token with honest signatures throughout is accepted: the refusal is the weak key's.
    const honestNext = KeyPair.generate();
    const honest = rebuilt(honestNext.publicKey.bytes, (payload) => signWith(honestNext.exportSecretKey(), payload));
    expect(await outcomes(honest, opts(dids[2]!))).toEqual(['allowed', 'allowed']);
  });

  it('a next key that is not Ed25519 is refused: the next block signature, a revocation id, would be malleable', async () => {
    const t1 = await attenuate(await mintCapability(capability(), { format: 'biscuit', rootKey: orgKey, issuer: ORG }), { to: dids[1]!, signer: agents[0]!, trustedRoots: orgKey.publicKey });
    const e = readSerialized(t1.toBytes());
    const p256 = KeyPair.generate('P-256').publicKey.bytes;
    const token = envelope([e.blocks[0]!, { ...e.blocks[1]!, nextKey: { algorithm: 1, key: p256 } }], e.proof.value);
    await expect(authorize(token, opts(dids[1]!))).rejects.toMatchObject({ code: 'malformed_input', check: 'next_key' });
    await expect(verifyChain(token, { trustedRoots: orgKey.publicKey })).rejects.toMatchObject({ code: 'malformed_input', check: 'next_key' });
  });

  it('strings are read as encoded: a leading U+FEFF is part of the action, as prost reads it', async () => {
    const token = await authorityToken({ exact: ['files:/reports/a'], actions: ['\uFEFFadmin'] });
    expect(await outcomes(token, opts(dids[0]!, { request: { ...request, action: 'admin' } }))).toEqual(['denied', 'denied']);
    expect(await outcomes(token, opts(dids[0]!, { request: { ...request, action: '\uFEFFadmin' } }))).toEqual(['allowed', 'allowed']);
  });

  it('an exact resource ending in * is refused (joined with the prefixes it would read as one)', async () => {
    const token = await authorityToken({ exact: ['files:/a*'], actions: ['read'] });
    // biscuit-wasm matches the exact entry literally and denies; the native reader refuses the block.
    expect(await outcomes(token, opts(dids[0]!, { request: { ...request, resource: 'files:/abc-secret' } }))).toEqual(['malformed_input', 'denied']);
  });

  it('a block without a Datalog version, with an unknown one, or with a symbol that repeats the table is refused', async () => {
    // [case, edit, whether biscuit-auth refuses it too] — a symbol repeated within one block
    // it lets through; this reader refuses it as well (biscuit-wasm never writes one).
    const cases: Array<[string, (fields: Field[]) => Field[], boolean]> = [
      ['no version', (f) => f.filter((x) => x.key[0] !== 0x18), true],
      ['version 99', (f) => f.map((x) => (x.key[0] === 0x18 ? num(3, 99) : x)), true],
      ['version 2', (f) => f.map((x) => (x.key[0] === 0x18 ? num(3, 2) : x)), true],
      ['symbol "read" (a default one)', (f) => [...f, len(1, Buffer.from('read'))], true],
      ['a symbol twice', (f) => [...f, len(1, Buffer.from('x')), len(1, Buffer.from('x'))], false],
    ];
    // The unchanged re-signed token passes both, so each refusal is the edit's.
    expect(await outcomes(await reSignedAuthority((f) => f), opts(dids[0]!))).toEqual(['allowed', 'allowed']);
    for (const [name, edit, wasmRefuses] of cases) {
      const [native, wasm] = await outcomes(await reSignedAuthority(edit), opts(dids[0]!));
      expect({ name, native }).toEqual({ name, native: 'malformed_input' });
      expect({ name, wasmRefuses: wasm !== 'allowed' }).toEqual({ name, wasmRefuses });
    }
  });

  it('a symbol that is not UTF-8, in a signed block, is malformed_input (not a TypeError)', async () => {
    const token = await reSignedAuthority((f) => [...f, len(1, Uint8Array.from([0xff]))]);
    await expect(verifyChain(token, { trustedRoots: orgKey.publicKey })).rejects.toMatchObject({ code: 'malformed_input' });
    expect((await outcomes(token, opts(dids[0]!)))[0]).toBe('malformed_input');
  });
});
