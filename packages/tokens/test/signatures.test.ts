import { readFileSync } from 'node:fs';
import { AgentIdError, KeyPair, PublicKey } from '@agent-id/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { datalogRefusal } from '../src/biscuit/authorize.js';
import { readSerialized } from '../src/biscuit/proto/envelope.js';
import { verifySignatures } from '../src/biscuit/signatures.js';
import { attenuate, authorize } from '../src/index.js';
import { DEFAULT_LIMITS } from '../src/limits.js';
import { withBiscuit } from '../src/wasm/runtime.js';
import { wasmAccepts } from './envelope.js';
import { AUD, NOW, agents, chainOf, clock, dids, mint, orgKey } from './helpers.js';
import { editSignedBlock, encode, fieldNumber, fieldsOf, rewriteToken, signedBlockFields, varint } from './protobuf.js';

// Biscuit signatures are verified with node:crypto; biscuit-wasm is the independent
// implementation every answer is compared with, on the specification's own samples and
// on this package's tokens, tampered in each signed part.

const SAMPLES = new URL('./vectors/biscuit-samples/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', SAMPLES), 'utf8')) as {
  root_public_key: string;
  tokens: Array<{ file: string; title: string; signatures: 'valid' | 'invalid' }>;
};
const sampleRoot = PublicKey.fromBytes('Ed25519', Buffer.from(expected.root_public_key, 'hex'));

function nativeOutcome(bytes: Uint8Array, roots: readonly PublicKey[]): string {
  try {
    verifySignatures(readSerialized(bytes), roots);
    return 'valid';
  } catch (error) {
    if (!(error instanceof AgentIdError)) throw error;
    return `${error.code}/${error.check}`;
  }
}

/** Both implementations' answers: native 'valid' or `code/check`, and whether biscuit-wasm accepts. */
async function outcomes(bytes: Uint8Array, root = orgKey.publicKey): Promise<{ native: string; wasm: boolean }> {
  return { native: nativeOutcome(bytes, [root]), wasm: await wasmAccepts(bytes, root) };
}

/** The same token with signed block `index`'s field `field` replaced (or removed when `data` is undefined). */
function withSignedBlockField(bytes: Uint8Array, index: number, field: number, data: Uint8Array | undefined, len = true): Uint8Array {
  return editSignedBlock(bytes, index, (fields) => {
    const inner = fields.filter((g) => fieldNumber(g) !== field);
    if (data) inner.push({ key: [(field << 3) | (len ? 2 : 0)], len, data });
    return inner;
  });
}

const signedBlockField = (bytes: Uint8Array, index: number, field: number) => signedBlockFields(bytes, index)?.find((g) => fieldNumber(g) === field)?.data;

describe('Biscuit signatures, verified natively, agree with the specification samples', () => {
  for (const sample of expected.tokens) {
    it(`${sample.file} (${sample.title}): signatures ${sample.signatures}`, async () => {
      const bytes = new Uint8Array(readFileSync(new URL(sample.file, SAMPLES)));
      const { native, wasm } = await outcomes(bytes, sampleRoot);
      expect(native === 'valid').toBe(sample.signatures === 'valid');
      expect(wasm).toBe(sample.signatures === 'valid');
      if (native !== 'valid') expect(native).toMatch(/^(invalid_signature|malformed_input)\//);
    });
  }

  it('the samples cover what the verifier distinguishes: v0 and v1 payloads, third-party blocks, a sealed token, P-256', () => {
    const versions = new Set<number>();
    let thirdParty = 0;
    let sealed = 0;
    let p256 = 0;
    for (const sample of expected.tokens) {
      const envelope = readSerialized(new Uint8Array(readFileSync(new URL(sample.file, SAMPLES))));
      for (const block of envelope.blocks) {
        versions.add(block.version);
        if (block.externalKey) thirdParty++;
        if (block.nextKey.algorithm === 1) p256++;
      }
      if (envelope.proof.kind === 'seal') sealed++;
    }
    expect([...versions].sort()).toEqual([0, 1]);
    expect(thirdParty).toBeGreaterThan(0);
    expect(sealed).toBeGreaterThan(0);
    expect(p256).toBeGreaterThan(0);
  });
});

describe('on changed samples, the native verifier never accepts what biscuit-wasm refuses', () => {
  const valid = expected.tokens.filter((t) => t.signatures === 'valid').map((t) => new Uint8Array(readFileSync(new URL(t.file, SAMPLES))));

  it('any byte of any valid sample, changed: both refuse, or both accept (a field no signature covers), or only the stricter native reader refuses', async () => {
    const seen = { bothRefuse: 0, bothAccept: 0, nativeStricter: 0 };
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), async (which, at, mask) => {
        const bytes = Uint8Array.from(valid[which % valid.length]!);
        bytes[at % bytes.length]! ^= mask;
        const native = nativeOutcome(bytes, [sampleRoot]);
        const wasm = await wasmAccepts(bytes, sampleRoot);
        if (native === 'valid') {
          expect(wasm).toBe(true);
          seen.bothAccept++;
        } else if (wasm) {
          // Only stricter parsing may refuse what biscuit-wasm accepts, never a signature check.
          expect(native).toMatch(/^malformed_input\//);
          seen.nativeStricter++;
        } else seen.bothRefuse++;
      }),
      // SAMPLE_RUNS=20000 for a longer search (20,000 found no disagreement when written).
      { numRuns: Number(process.env.SAMPLE_RUNS ?? 400) },
    );
    expect(seen.bothRefuse).toBeGreaterThan(300);
  });
});

describe("this package's tokens: native and biscuit-wasm give the same answer", () => {
  it('chains of 0 to 5 agent-signed hops verify, against the one root or among several', async () => {
    for (let hops = 0; hops <= 5; hops++) {
      const bytes = (await chainOf('biscuit', hops, { maxDepth: 6 })).toBytes();
      expect(await outcomes(bytes)).toEqual({ native: 'valid', wasm: true });
      expect(nativeOutcome(bytes, [agents[7]!.publicKey, orgKey.publicKey])).toBe('valid');
      expect(nativeOutcome(bytes, [agents[7]!.publicKey, agents[6]!.publicKey])).toBe('invalid_signature/root_key');
    }
  });

  it('a root key that is not Ed25519 is refused before any signature is checked', async () => {
    const bytes = (await chainOf('biscuit', 1)).toBytes();
    expect(() => verifySignatures(readSerialized(bytes), [KeyPair.generate('P-256').publicKey])).toThrow(expect.objectContaining({ code: 'unsupported_algorithm' }));
  });

  it('a proof that is another token’s next secret is refused', async () => {
    const a = (await chainOf('biscuit', 1)).toBytes();
    const b = (await chainOf('biscuit', 1)).toBytes();
    const proofOf = (bytes: Uint8Array) => fieldsOf(bytes).find((f) => fieldNumber(f) === 4)!;
    const swapped = rewriteToken(a, (n, f) => (n === 4 ? proofOf(b) : f));
    expect(await outcomes(swapped)).toEqual({ native: 'invalid_signature/proof', wasm: false });
    const dropped = rewriteToken(a, (n, f) => (n === 4 ? undefined : f));
    expect(await outcomes(dropped)).toEqual({ native: 'malformed_input/parse', wasm: false });
  });

  it('a sealed token verifies; a changed sealing signature does not', async () => {
    const bytes = (await chainOf('biscuit', 2)).toBytes();
    const sealed = await withBiscuit((glue) => {
      const key = glue.PublicKey.fromBytes(orgKey.publicKey.bytes, 0 as never);
      const token = glue.Biscuit.fromBytes(bytes, key);
      const seal = token.sealToken();
      try {
        return seal.toBytes();
      } finally {
        seal.free();
        token.free();
        key.free();
      }
    });
    expect(readSerialized(sealed).proof.kind).toBe('seal');
    expect(await outcomes(sealed)).toEqual({ native: 'valid', wasm: true });
    const proof = fieldsOf(sealed).find((f) => fieldNumber(f) === 4)!;
    const signature = Uint8Array.from(fieldsOf(proof.data)[0]!.data);
    signature[5]! ^= 1;
    const broken = rewriteToken(sealed, (n, f) => (n === 4 ? { ...f, data: encode([{ key: [0x12], len: true, data: signature }]) } : f));
    expect(await outcomes(broken)).toEqual({ native: 'invalid_signature/proof', wasm: false });
  });

  it('a third-party block must carry signature version 1; unknown versions are refused', async () => {
    const bytes = (await chainOf('biscuit', 2)).toBytes();
    // mintCapability signs the authority block with the labelled (v1) payload too (biscuit-wasm
    // alone writes v0 for it; tokens minted so, like the known-answer vectors, still verify).
    expect(readSerialized(bytes).blocks.map((b) => b.version)).toEqual([1, 1, 1]);
    const v0 = withSignedBlockField(bytes, 1, 5, undefined);
    expect(await outcomes(v0)).toEqual({ native: 'malformed_input/version', wasm: false });
    const v2 = withSignedBlockField(bytes, 2, 5, Uint8Array.from(varint(2)), false);
    expect(await outcomes(v2)).toEqual({ native: 'malformed_input/version', wasm: false });
  });

  it('each signature, key and payload, changed in one bit, fails in both', async () => {
    const bytes = (await chainOf('biscuit', 2)).toBytes();
    // Signed block fields: 1 payload, 2 next key, 3 signature, 4 external signature.
    for (let index = 0; index <= 2; index++) {
      for (const field of [1, 2, 3, 4]) {
        const value = signedBlockField(bytes, index, field);
        if (!value) continue;
        // The last byte: inside the signature or key itself, not its framing.
        const changed = Uint8Array.from(value);
        changed[changed.length - 1]! ^= 1;
        const { native, wasm } = await outcomes(withSignedBlockField(bytes, index, field, changed));
        expect({ index, field, wasm }).toEqual({ index, field, wasm: false });
        expect(native, `block ${index} field ${field}`).toMatch(/^(invalid_signature|malformed_input)\//);
      }
    }
  });

  it('blocks moved between tokens of the same root do not verify', async () => {
    const a = (await chainOf('biscuit', 2)).toBytes();
    const b = (await chainOf('biscuit', 2)).toBytes();
    const blockOf = (bytes: Uint8Array, index: number) => fieldsOf(bytes).filter((f) => fieldNumber(f) === 3)[index - 1]!;
    const spliced = rewriteToken(a, (n, f, block) => (n === 3 && block === 2 ? blockOf(b, 2) : f));
    expect(await outcomes(spliced)).toEqual({ native: 'invalid_signature/signature', wasm: false });
  });
});

describe('the native decision equals the Datalog decision for any chain and request', () => {
  const pick = <T>(values: readonly T[]) => fc.subarray([...values], { minLength: 1 });
  const RESOURCES = ['files:/reports/*', 'files:/reports/q3/*', 'db:orders', 'db:users'] as const;
  const ACTIONS = ['read', 'write', 'delete'] as const;
  const AUDIENCES = [AUD, 'did:web:b.example'] as const;

  it('allowed by node:crypto and the JavaScript checks exactly when biscuit-wasm allows', async () => {
    const seen = { allowed: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ resources: pick(RESOURCES), actions: pick(ACTIONS), audience: pick(AUDIENCES), ttl: fc.integer({ min: 1, max: 7200 }) }), { minLength: 0, maxLength: 3 }),
        fc.record({
          // Weighted towards requests some chains allow, so both answers come up often.
          resource: fc.constantFrom('files:/reports/q3/a.pdf', 'files:/reports/q3/a.pdf', 'db:orders', 'db:orders', 'files:/reports/x', 'files:/other', 'db:users', 'db:orders2'),
          action: fc.constantFrom('read', 'read', 'write', 'delete', 'admin'),
          audience: fc.constantFrom(AUD, AUD, AUD, 'did:web:b.example', 'did:web:c.example'),
          task: fc.constantFrom(undefined, 'task-q3', 'task-q3', 'other-task'),
        }),
        // Before the hops were issued (beyond the 60 s tolerance below -60), around it, and after.
        fc.oneof(fc.integer({ min: -200, max: 60 }), fc.integer({ min: 0, max: 8000 })),
        async (narrowings, req, elapsed) => {
          let token = await mint('biscuit', { resources: [...RESOURCES], actions: [...ACTIONS], audience: [...AUDIENCES], expiresAt: NOW + 7200 });
          let holder = 0;
          for (const [i, n] of narrowings.entries()) {
            const narrowing = { expiresAt: NOW + n.ttl, ...(i % 2 === 0 ? { resources: n.resources, actions: n.actions } : { audience: n.audience }) };
            try {
              token = await attenuate(token, { clock, to: dids[i + 1]!, signer: agents[i]!, trustedRoots: orgKey.publicKey, narrowing });
              holder = i + 1;
            } catch (error) {
              // Widening is refused offline; the chain stops where it was.
              expect((error as AgentIdError).code).toMatch(/^(scope_widened|malformed_input)$/);
              break;
            }
          }
          const now = NOW + elapsed;
          const request = req.task === undefined ? { resource: req.resource, action: req.action, audience: req.audience } : { ...req, task: req.task };
          let native: boolean;
          try {
            await authorize(token, { request, presenter: dids[holder]!, clock: () => now * 1000, trustedRoots: orgKey.publicKey });
            native = true;
          } catch (error) {
            expect(error).toBeInstanceOf(AgentIdError);
            native = false;
          }
          // A generous time budget: on a loaded machine a 50 ms budget can run out, and a
          // time-out (resource_limit) is not a decision to compare.
          const refusal = await datalogRefusal(token, request, now, orgKey.publicKey, { ...DEFAULT_LIMITS, maxDatalogMicros: 10_000_000 });
          expect(native).toBe(refusal === undefined);
          seen[native ? 'allowed' : 'refused']++;
        },
      ),
      // DECISION_RUNS=2000 for a longer search (2,000 found no disagreement when written).
      { numRuns: Number(process.env.DECISION_RUNS ?? 120) },
    );
    // Both answers were exercised, not only refusals.
    expect(seen.allowed).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  }, 120_000);
});
