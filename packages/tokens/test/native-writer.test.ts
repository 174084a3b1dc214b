import { readFileSync } from 'node:fs';
import { type Capability, KeyPair, type KeyType, type Scope } from '@agent-id/core';
import { didKeyFromPublicKey, publicKeyFromDidKey } from '@agent-id/did';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attenuateBiscuit } from '../src/biscuit/attenuate.js';
import { mintBiscuit } from '../src/biscuit/mint.js';
import { readBlock } from '../src/biscuit/proto/block.js';
import { writeBlock } from '../src/biscuit/proto/block-writer.js';
import { readSerialized } from '../src/biscuit/proto/envelope.js';
import { writeEnvelope } from '../src/biscuit/proto/writer.js';
import { wasmPublicKey } from '../src/biscuit/keys.js';
import { withBiscuit } from '../src/wasm/runtime.js';
import { type HopPlan, delegationOf, planHop } from '../src/hop.js';
import { CapabilityToken, attenuate, authorize, verifyChain } from '../src/index.js';
import { DEFAULT_LIMITS } from '../src/limits.js';
import { type ChainRecord, validateCapability } from '../src/model.js';
import { AUD, NOW, ORG, USER, agents, dids, failure, orgKey } from './helpers.js';
import { wasmAttenuate, wasmMint } from './wasm-reference.js';

// The native writer against biscuit-wasm, the writer it replaced: for the same inputs and
// the same next keys the bytes are equal, and each accepts the other's tokens.

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const roots = [orgKey.publicKey];
const p256Agents = Array.from({ length: 4 }, () => KeyPair.generate('P-256'));
/** The next key biscuit-wasm drew for a token (its proof), to write the same token natively. */
const nextOf = (bytes: Uint8Array) => {
  const secret = readSerialized(bytes).proof.value;
  return { secret, publicKey: KeyPair.fromSecretKey('Ed25519', secret).publicKey.bytes };
};

// Strings that stress what the writer must get exactly right: symbols shared with the
// default table (`read`, `query`, `time`), quotes and markup, and characters whose UTF-16
// and UTF-8 orders differ (U+E000, U+FFFD above the surrogates that encode U+1F600).
const pieces = ['a', 'Z', '0', '"', "'", '<b>', '&amp;', '{x}', '$t', ' ', 'é', '日本', '😀', '\u{10FFFF}', '\uE000', '\uFFFD', 'read', 'write', 'query', 'time', 'resource'];
const text = fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 4 }).map((p) => p.join(''));
const resource = fc
  .tuple(fc.constantFrom('files:/', 'db:', 'https://h.example/'), text, fc.boolean())
  .map(([scheme, name, prefix]) => `${scheme}${name.replace(/[/.%\\*]/g, '-')}${prefix ? '/*' : ''}`);
const unique = <T>(arb: fc.Arbitrary<T>, max: number) => fc.uniqueArray(arb, { minLength: 1, maxLength: max });
const capabilityArb = fc.record({
  resources: unique(resource, 4),
  actions: unique(fc.oneof(fc.constantFrom('read', 'write', 'delete', 'query'), text), 4),
  audience: unique(fc.oneof(fc.constant(AUD), text), 3),
  expiresIn: fc.integer({ min: 120, max: 10 * 365 * 86_400 }),
  maxDepth: fc.integer({ min: 0, max: 4 }),
  task: text,
  onBehalfOf: fc.oneof(fc.constant(USER), text.map((t) => `did:web:acme.example:${encodeURIComponent(t)}`)),
});

type GeneratedCapability = typeof capabilityArb extends fc.Arbitrary<infer T> ? T : never;

function capabilityOf(c: GeneratedCapability): Capability | undefined {
  try {
    return validateCapability({ resources: c.resources, actions: c.actions, audience: c.audience, expiresAt: NOW + c.expiresIn, maxDepth: c.maxDepth, holder: dids[0]!, onBehalfOf: c.onBehalfOf, task: c.task });
  } catch {
    return undefined; // Not a capability mintCapability accepts (a resource out of canonical form, say).
  }
}

/** A narrowing of `scope`: a non-empty subset of each list, an earlier or equal expiry. */
const narrowingOf = (scope: Scope, picks: number[]): Partial<Scope> => {
  const pick = <T>(items: readonly T[], seed: number) => items.filter((_, i) => i === 0 || ((seed >> i) & 1) === 1);
  return { resources: pick(scope.resources, picks[0]!), actions: pick(scope.actions, picks[1]!), audience: pick(scope.audience, picks[2]!), expiresAt: scope.expiresAt - (picks[3]! % 20) };
};

function planOf(hop: number, signer: KeyPair, narrowing: Partial<Scope>, issuedAt: number): { delegation: ReturnType<typeof delegationOf>; plan: (chain: ChainRecord) => HopPlan } {
  const delegation = delegationOf({ signer, to: dids[hop]! });
  return { delegation, plan: (chain) => planHop(chain, delegation, narrowing, DEFAULT_LIMITS, issuedAt) };
}

async function nativeAfterWasm(token: Uint8Array, hop: number, signer: KeyPair, narrowing: Partial<Scope>): Promise<{ wasm: Uint8Array; native: Uint8Array }> {
  const { delegation, plan } = planOf(hop, signer, narrowing, NOW + hop);
  const wasm = await wasmAttenuate(token, plan, roots);
  const native = await attenuateBiscuit(CapabilityToken.fromBytes('biscuit', token), delegation, plan, roots, DEFAULT_LIMITS, nextOf(wasm));
  return { wasm, native: native.toBytes() };
}

const request = (scope: Scope) => ({ resource: scope.resources[0]!.replace(/\*$/, 'x'), action: scope.actions[0]!, audience: scope.audience[0]!, task: undefined as string | undefined });

async function acceptedBoth(token: CapabilityToken, holder: string, scope: Scope, task: string): Promise<void> {
  const options = { request: { ...request(scope), task }, presenter: holder, clock: () => (NOW + 10) * 1000, trustedRoots: orgKey.publicKey };
  const native = await authorize(token, options);
  // biscuit-wasm parses it (checking every signature itself) and runs the package's Datalog on it.
  const datalog = await authorize(token, { ...options, datalog: true, limits: { maxDatalogMicros: 5_000_000 } });
  expect(datalog.chain).toEqual(native.chain);
}

describe('native Biscuit writer, byte for byte as biscuit-wasm', () => {
  it('mint: the same bytes for the same capability and next key, accepted by both verifiers', async () => {
    await fc.assert(
      fc.asyncProperty(capabilityArb, async (c) => {
        const capability = capabilityOf(c);
        fc.pre(capability !== undefined);
        const wasm = await wasmMint(capability!, NOW, orgKey, ORG);
        const native = await mintBiscuit(capability!, NOW, { format: 'biscuit', rootKey: orgKey, issuer: ORG }, nextOf(wasm));
        expect(hex(native.toBytes())).toBe(hex(wasm));
        await acceptedBoth(native, dids[0]!, capability!, capability!.task);
      }),
      { numRuns: 40 },
    );
  }, 300_000);

  it('attenuate: every hop the same bytes as biscuit-wasm appends with the same next key (Ed25519 delegators)', async () => {
    await fc.assert(
      fc.asyncProperty(capabilityArb, fc.array(fc.array(fc.nat(), { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 3 }), async (c, hops) => {
        const capability = capabilityOf(c);
        fc.pre(capability !== undefined && capability.maxDepth >= hops.length);
        let token = (await mintBiscuit(capability!, NOW, { format: 'biscuit', rootKey: orgKey, issuer: ORG })).toBytes();
        let scope: Scope = capability!;
        for (const [i, picks] of hops.entries()) {
          const narrowing = narrowingOf(scope, picks);
          const { wasm, native } = await nativeAfterWasm(token, i + 1, agents[i]!, narrowing);
          expect(hex(native)).toBe(hex(wasm));
          token = native;
          scope = { ...scope, ...narrowing, maxDepth: scope.maxDepth - 1 };
        }
        await acceptedBoth(CapabilityToken.fromBytes('biscuit', token), dids[hops.length]!, scope, capability!.task);
      }),
      { numRuns: 25 },
    );
  }, 300_000);

  it('attenuate by a P-256 delegator: the same block, external key and envelope but the ECDSA signatures, accepted by both', async () => {
    const capability = validateCapability({ resources: ['files:/r/*', 'db:x'], actions: ['read', 'write'], audience: [AUD], expiresAt: NOW + 3600, maxDepth: 3, holder: dids[0]!, onBehalfOf: USER, task: 't' });
    for (let run = 0; run < 8; run++) {
      // Agent 0 (Ed25519) hands to a P-256 agent, who hands on: its external signature is ECDSA.
      const p256Did = didKeyFromPublicKey(p256Agents[run % 4]!.publicKey);
      const first = await attenuate(await mintBiscuit(capability, NOW, { format: 'biscuit', rootKey: orgKey, issuer: ORG }), { to: p256Did, signer: agents[0]!, trustedRoots: orgKey.publicKey, clock: () => NOW * 1000 });
      const delegation = delegationOf({ signer: p256Agents[run % 4]!, to: dids[2]! });
      const plan = (chain: ChainRecord) => planHop(chain, delegation, { actions: ['read'] }, DEFAULT_LIMITS, NOW + 1);
      const wasm = await wasmAttenuate(first.toBytes(), plan, roots);
      const native = await attenuateBiscuit(first, delegation, plan, roots, DEFAULT_LIMITS, nextOf(wasm));
      const [w, n] = [readSerialized(wasm), readSerialized(native.toBytes())];
      expect(hex(n.blocks[2]!.block)).toBe(hex(w.blocks[2]!.block));
      expect(n.blocks[2]!.externalKey).toEqual(w.blocks[2]!.externalKey);
      expect(n.blocks[2]!.nextKey).toEqual(w.blocks[2]!.nextKey);
      expect(n.blocks.slice(0, 2)).toEqual(w.blocks.slice(0, 2));
      await acceptedBoth(native, dids[2]!, { ...capability, actions: ['read'] }, 't');
    }
  }, 120_000);

  it('a chain mixing hops biscuit-wasm appended and hops written natively verifies everywhere', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }), async (wasmHops) => {
        const capability = validateCapability({ resources: ['files:/r/*', 'db:x'], actions: ['read', 'write'], audience: [AUD, 'did:web:b.example'], expiresAt: NOW + 3600, maxDepth: 5, holder: dids[0]!, onBehalfOf: USER, task: 't' });
        let token = (wasmHops[0] ? await wasmMint(capability, NOW, orgKey, ORG) : (await mintBiscuit(capability, NOW, { format: 'biscuit', rootKey: orgKey, issuer: ORG })).toBytes());
        for (const [i, useWasm] of wasmHops.entries()) {
          const { delegation, plan } = planOf(i + 1, agents[i]!, {}, NOW + i);
          token = useWasm ? await wasmAttenuate(token, plan, roots) : (await attenuateBiscuit(CapabilityToken.fromBytes('biscuit', token), delegation, plan, roots, DEFAULT_LIMITS)).toBytes();
        }
        const final = CapabilityToken.fromBytes('biscuit', token);
        await acceptedBoth(final, dids[wasmHops.length]!, { ...capability, maxDepth: 5 - wasmHops.length }, 't');
        expect((await verifyChain(final, { trustedRoots: orgKey.publicKey })).chain).toHaveLength(wasmHops.length + 1);
      }),
      { numRuns: 10 },
    );
  }, 120_000);
});

describe('the block writer writes the templates only', () => {
  const fact = (terms: Parameters<typeof writeBlock>[0]['facts'][number]['terms']) => writeBlock({ facts: [{ name: 'f', terms }], checks: [], version: 3 });
  it.each([
    ['a bool', { kind: 'bool', value: true }],
    ['an opaque term', { kind: 'other' }],
    ['a negative integer', { kind: 'integer', value: -1 }],
    ['a fractional date', { kind: 'date', value: 1.5 }],
    ['a set of integers', { kind: 'set', value: [{ kind: 'integer', value: 1 }] }],
    ['a nested set', { kind: 'set', value: [{ kind: 'set', value: [] }] }],
    ['a lone surrogate', { kind: 'string', value: '\uD800' }],
  ] as const)('refuses %s with a TypeError', (_what, term) => {
    expect(() => fact([term as never])).toThrow(TypeError);
  });

  it('refuses checks other than `check if`, scoped queries and foreign operators with a TypeError', () => {
    const query = { head: { name: 'query', terms: [] }, body: [], expressions: [], scopes: [] };
    expect(() => writeBlock({ facts: [], checks: [{ kind: 1, queries: [query] }], version: 6 })).toThrow(TypeError);
    expect(() => writeBlock({ facts: [], checks: [{ kind: 0, queries: [{ ...query, scopes: [{ kind: 'authority' }] }] }], version: 6 })).toThrow(TypeError);
    expect(() => writeBlock({ facts: [], checks: [{ kind: 0, queries: [{ ...query, expressions: [[{ op: 'binary', kind: 0, ffi: 'x' }]] }] }], version: 6 })).toThrow(TypeError);
  });

  it('interns set members in UTF-8 order and writes them in symbol order, as biscuit-auth', () => {
    const bytes = fact([{ kind: 'set', value: ['\uE000', '😀', 'read', 'b', 'a', 'a'].map((value) => ({ kind: 'string', value })) }]);
    const view = readBlock(bytes);
    // U+E000 sorts before U+1F600 in UTF-8 (after it in UTF-16); `read` is default symbol 0.
    expect(view.symbols).toEqual(['f', 'a', 'b', '\uE000', '😀']);
    expect(view.facts[0]!.terms[0]).toEqual({ kind: 'set', value: ['read', 'a', 'b', '\uE000', '😀'].map((value) => ({ kind: 'string', value })) });
  });
});

describe('on the frozen known-answer tokens', () => {
  const file = JSON.parse(readFileSync(new URL('./vectors/known-answer/vectors.json', import.meta.url), 'utf8')) as {
    now: number;
    keys: { root: { did: string }; agents: Array<{ type: KeyType; secretKey: string; did: string }> };
    vectors: Array<{ name: string; format: string; token: string; presenter: string }>;
  };
  const root = publicKeyFromDidKey(file.keys.root.did);
  const other = KeyPair.generate();
  it.each(file.vectors.filter((v) => v.format === 'biscuit').map((v) => [v.name, v] as const))('a hop on %s is the bytes biscuit-wasm appends, and verifies', async (_name, v) => {
    const holder = file.keys.agents.find((a) => a.did === v.presenter)!;
    const signer = KeyPair.fromSecretKey(holder.type, new Uint8Array(Buffer.from(holder.secretKey, 'hex')));
    const delegation = delegationOf({ signer, to: didKeyFromPublicKey(other.publicKey) });
    const plan = (chain: ChainRecord) => planHop(chain, delegation, {}, DEFAULT_LIMITS, file.now);
    const token = CapabilityToken.parse(v.token);
    const refusal = await failure(wasmAttenuate(token.toBytes(), plan, [root]));
    if (refusal.code !== 'passed') {
      // Its depth is used up: both refuse the hop alike.
      expect(refusal.code).toBe('depth_exceeded');
      expect(await failure(attenuateBiscuit(token, delegation, plan, [root], DEFAULT_LIMITS))).toEqual(refusal);
      return;
    }
    const wasm = await wasmAttenuate(token.toBytes(), plan, [root]);
    const native = await attenuateBiscuit(token, delegation, plan, [root], DEFAULT_LIMITS, nextOf(wasm));
    if (signer.type === 'Ed25519') expect(hex(native.toBytes())).toBe(hex(wasm));
    else expect(readSerialized(native.toBytes()).blocks.map((b) => hex(b.block))).toEqual(readSerialized(wasm).blocks.map((b) => hex(b.block)));
    const verified = await verifyChain(native, { trustedRoots: root });
    expect(verified.chain.at(-1)).toMatchObject({ from: v.presenter, to: didKeyFromPublicKey(other.publicKey) });
  });
});

describe('what a native hop keeps and refuses', () => {
  const capability = () => validateCapability({ resources: ['files:/r/*'], actions: ['read'], audience: [AUD], expiresAt: NOW + 3600, maxDepth: 3, holder: dids[0]!, onBehalfOf: USER, task: 't' });
  const options = { to: dids[1]!, signer: agents[0]!, trustedRoots: orgKey.publicKey, clock: () => NOW * 1000 };

  it('a token sealed with biscuit-wasm takes no hop (malformed_input, sealed), after its chain is verified', async () => {
    const minted = await mintBiscuit(capability(), NOW, { format: 'biscuit', rootKey: orgKey, issuer: ORG });
    const sealed = await withBiscuit((glue) => {
      const key = wasmPublicKey(glue, orgKey.publicKey);
      const token = glue.Biscuit.fromBytes(minted.toBytes(), key);
      const seal = token.sealToken();
      const out = seal.toBytes();
      for (const o of [seal, token, key]) o.free();
      return out;
    });
    expect(readSerialized(sealed).proof.kind).toBe('seal');
    await expect(attenuate(CapabilityToken.fromBytes('biscuit', sealed), options)).rejects.toMatchObject({ code: 'malformed_input', check: 'sealed' });
    // A refusal of the chain comes first, as authorize would give it.
    await expect(attenuate(CapabilityToken.fromBytes('biscuit', sealed), { ...options, signer: agents[1]! })).rejects.toMatchObject({ code: 'holder_mismatch' });
  });

  it('keeps a root key id, as biscuit-wasm does', async () => {
    const minted = readSerialized((await mintBiscuit(capability(), NOW, { format: 'biscuit', rootKey: orgKey, issuer: ORG })).toBytes());
    const withId = CapabilityToken.fromBytes('biscuit', writeEnvelope({ ...minted, rootKeyId: 7 }));
    const { delegation, plan } = planOf(1, agents[0]!, {}, NOW);
    const wasm = await wasmAttenuate(withId.toBytes(), plan, roots);
    const native = await attenuateBiscuit(withId, delegation, plan, roots, DEFAULT_LIMITS, nextOf(wasm));
    expect(readSerialized(native.toBytes()).rootKeyId).toBe(7);
    expect(hex(native.toBytes())).toBe(hex(wasm));
  });

  it('each token gets a fresh next key, and its proof is that key\'s secret', async () => {
    const [a, b] = [await attenuate(await mintBiscuit(capability(), NOW, { format: 'biscuit', rootKey: orgKey, issuer: ORG }), options), await attenuate(await mintBiscuit(capability(), NOW, { format: 'biscuit', rootKey: orgKey, issuer: ORG }), options)];
    const [x, y] = [readSerialized(a.toBytes()), readSerialized(b.toBytes())];
    expect(hex(x.blocks[1]!.nextKey.key)).not.toBe(hex(y.blocks[1]!.nextKey.key));
    expect(hex(KeyPair.fromSecretKey('Ed25519', x.proof.value).publicKey.bytes)).toBe(hex(x.blocks[1]!.nextKey.key));
    expect(hex(x.blocks[0]!.nextKey.key)).not.toBe(hex(x.blocks[1]!.nextKey.key));
  });
});

describe('hostile tokens handed to the native attenuate', () => {
  it('any flipped byte of a 2-hop token is refused with a code, before any token is written', async () => {
    let token = await mintBiscuit(validateCapability({ resources: ['files:/r/*'], actions: ['read'], audience: [AUD], expiresAt: NOW + 3600, maxDepth: 4, holder: dids[0]!, onBehalfOf: USER, task: 't' }), NOW, { format: 'biscuit', rootKey: orgKey, issuer: ORG });
    for (let i = 1; i <= 2; i++) token = await attenuate(token, { to: dids[i]!, signer: agents[i - 1]!, trustedRoots: orgKey.publicKey, clock: () => NOW * 1000 });
    const bytes = token.toBytes();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, mask) => {
        const copy = Uint8Array.from(bytes);
        copy[at]! ^= mask;
        const result = await failure(attenuate(CapabilityToken.fromBytes('biscuit', copy), { to: dids[3]!, signer: agents[2]!, trustedRoots: orgKey.publicKey, clock: () => NOW * 1000 }));
        expect(['malformed_input', 'invalid_signature', 'unsupported_algorithm', 'input_too_large', 'untrusted_issuer']).toContain(result.code);
      }),
      { numRuns: 200 },
    );
  }, 120_000);
});
