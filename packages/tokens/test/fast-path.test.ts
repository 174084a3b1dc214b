import { describe, expect, it } from 'vitest';
import { readChain } from '../src/biscuit/chain.js';
import { datalogKey, wasmPublicKey } from '../src/biscuit/keys.js';
import { readBlockFacts } from '../src/biscuit/proto/block.js';
import { readEnvelope } from '../src/biscuit/proto/envelope.js';
import { CapabilityToken, authorize } from '../src/index.js';
import { DEFAULT_LIMITS } from '../src/limits.js';
import { withBiscuit } from '../src/wasm/runtime.js';
import { AUD, agents, chainOf, clock, codeOf, dids, orgKey } from './helpers.js';

const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD };
const opts = (presenter: string) => ({ request, presenter, clock, trustedRoots: orgKey.publicKey });

// The chain used to be read with one Datalog query per hop (`trusting {key}`); it is now
// read from the verified bytes in JavaScript. These tests hold the two to the same answer.
const HOP_QUERY =
  'q($from, $to, $previous, $exact, $prefixes, $actions, $audience, $expires, $depth, $issued) <- hop({index}, $from, $to, $previous, $issued), hop_scope({index}, $exact, $prefixes, $actions, $audience, $expires, $depth) trusting {key}';

function withField(bytes: Uint8Array, extra: number[]): CapabilityToken {
  return CapabilityToken.fromBytes('biscuit', Uint8Array.from([...bytes, ...extra]));
}

describe('the JavaScript chain reader agrees with biscuit-wasm', () => {
  it('revocation ids, hops and scopes match what biscuit-wasm reports', async () => {
    const token = await chainOf('biscuit', 4);
    const bytes = token.toBytes();
    const read = readChain(bytes, DEFAULT_LIMITS);
    const fromWasm = await withBiscuit((glue) => {
      const root = wasmPublicKey(glue, orgKey.publicKey);
      const biscuit = glue.Biscuit.fromBytes(bytes, root);
      const authorizer = new glue.AuthorizerBuilder().buildAuthenticated(biscuit);
      const hops: unknown[][] = [];
      for (let index = 1; index <= 4; index++) {
        const rule = glue.Rule.fromString(HOP_QUERY);
        rule.set('index', index);
        rule.setScope('key', datalogKey(agents[index - 1]!.publicKey));
        for (const fact of authorizer.queryWithLimits(rule, { max_time_micro: 1_000_000, max_facts: 1000, max_iterations: 100 }) as Array<{ terms(): unknown[]; free(): void }>) {
          hops.push(fact.terms());
          fact.free();
        }
        rule.free();
      }
      const ids = biscuit.getRevocationIdentifiers() as string[];
      for (const o of [authorizer, biscuit, root]) o.free();
      return { ids, hops };
    });
    expect(read.blockRevocationIds).toEqual(fromWasm.ids);
    expect(fromWasm.hops).toHaveLength(4);
    fromWasm.hops.forEach((row, i) => {
      const hop = read.chain.hops[i + 1]!;
      expect([hop.from, hop.to]).toEqual([row[0], row[1]]);
      expect(Buffer.from(row[2] as number[]).toString('hex')).toBe(read.blockRevocationIds[i]);
      expect(hop.granted.actions).toEqual([...(row[5] as Set<string>)].sort());
      expect(hop.granted.expiresAt).toBe(Math.floor((row[7] as Date).getTime() / 1000));
      expect(hop.granted.maxDepth).toBe(row[8]);
    });
    expect(read.chain.hops.map((h) => h.to)).toEqual(dids.slice(0, 5));
  });

  it('third-party blocks carry the delegator key and their own symbol table', async () => {
    const token = await chainOf('biscuit', 2);
    const blocks = readEnvelope(token.toBytes());
    expect(blocks).toHaveLength(3);
    expect(blocks[0]!.externalKey).toBeUndefined();
    expect(Buffer.from(blocks[1]!.externalKey!.key).equals(Buffer.from(agents[0]!.publicKey.bytes))).toBe(true);
    expect(Buffer.from(blocks[2]!.externalKey!.key).equals(Buffer.from(agents[1]!.publicKey.bytes))).toBe(true);
    const facts = readBlockFacts(blocks[2]!.block);
    expect(facts.map((f) => f.name).sort()).toEqual(['hop', 'hop_scope']);
  });
});

describe('the chain reader is strict where prost is lenient', () => {
  it('an unknown or repeated envelope field is refused even though the signatures verify', async () => {
    const token = await chainOf('biscuit', 2);
    const bytes = token.toBytes();
    // Field 9, varint 1: unknown to the schema, ignored by the Rust decoder.
    expect(await codeOf(authorize(withField(bytes, [0x48, 0x01]), opts(dids[2]!)))).toBe('malformed_input');
    // A second rootKeyId (field 1): prost would keep the last one.
    expect(await codeOf(authorize(withField(bytes, [0x08, 0x05, 0x08, 0x06]), opts(dids[2]!)))).toBe('malformed_input');
    await expect(authorize(token, opts(dids[2]!))).resolves.toBeTruthy();
  });

  it('a Datalog time budget that is really too small still fails with resource_limit', async () => {
    const token = await chainOf('biscuit', 5, { maxDepth: 6 });
    expect(await codeOf(authorize(token, { ...opts(dids[5]!), datalog: true, limits: { maxDatalogMicros: 1 } }))).toBe('resource_limit');
  });
});

describe('allocation-free verification stays correct', () => {
  it('concurrent verifications of different serialized tokens do not share bytes', async () => {
    const tokens = await Promise.all([1, 2, 3, 4].map((hops) => chainOf('biscuit', hops)));
    const results = await Promise.all(
      [...tokens, ...tokens].map((t, i) => authorize(t.serialize(), opts(dids[(i % 4) + 1]!))),
    );
    for (const [i, r] of results.entries()) expect(r.chain).toHaveLength((i % 4) + 2);
  });

  it('toBytes returns a copy', async () => {
    const token = CapabilityToken.parse((await chainOf('biscuit', 1)).serialize());
    const copy = token.toBytes();
    copy.fill(0);
    await expect(authorize(token, opts(dids[1]!))).resolves.toBeTruthy();
    expect(token.toBytes()).not.toEqual(copy);
  });
});
