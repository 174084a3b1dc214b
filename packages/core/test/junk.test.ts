/**
 * Junk loop in the style of @noble/curves' tests: every function that takes untrusted
 * input gets values of every type. Each call must return, or throw an AgentIdError with a
 * code, or a TypeError (a caller bug) — never another error type, never a hang. Functions
 * whose parameter is the untrusted value itself (typed `unknown`, or parsers of wire text)
 * are held to more: a coded AgentIdError only, since no caller can pre-validate for them.
 */
import { junk as sharedJunk } from '@agent-id/test-support';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AgentIdError,
  assertCapabilityRequest,
  assertNarrows,
  assertPermits,
  assertScope,
  base64urlDecode,
  canonicalize,
  KeyPair,
  keyTypeForAlgorithm,
  parseCompactJws,
  parseDetachedJws,
  PublicKey,
  scopePermits,
  signCompactJws,
  verifyAuditLines,
  verifyJwsSignature,
} from '../src/index.js';
import { base58Decode, bytesToUtf8, multibaseDecode, parseJson } from '../src/internal.js';

const random = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(Math.random() * 256));
const kp = KeyPair.generate();
const goodJws = signCompactJws({ kid: 'k' }, new Uint8Array([1, 2, 3]), kp);

// The shared values of every type (@agent-id/test-support), then core's own near misses:
// JOSE and JWK shapes, the audit line, multi-MiB text, key-sized bytes, multicodec prefixes.
const junk: (readonly [string, unknown])[] = [
  ...sharedJunk,
  ['JSON text', '{"alg":"EdDSA"}'],
  ['JWK-ish text', '{"kty":"OKP","crv":"Ed25519","x":"AA"}'],
  ['good JWS', goodJws],
  ['audit-ish line', `{"seq":0,"prevHash":"${'0'.repeat(64)}","hash":"x","record":{}}\n`],
  ['1 MiB of "a"', 'a'.repeat(1 << 20)],
  ['1 MiB of "["', '['.repeat(1 << 20)],
  ['8 MiB of "z"', 'z'.repeat(1 << 23)],
  ['1 MiB of emoji', '😀'.repeat(1 << 18)],
  ['object', { a: 1, alg: 'EdDSA', kty: 'OKP', crv: 'Ed25519', x: 5, d: null }],
  ['JWK with objects', { kty: { toString: null }, crv: [], x: {}, y: [] }],
  ['private JWK with junk', { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', d: 'AA' }],
  ['private JWK, short d', { ...kp.publicKey.toJwk(), d: 'AAAA' }],
  ['scope-ish', { resources: 'a', actions: [1], audience: null, expiresAt: 'x', maxDepth: Number.NaN }],
  ...[0, 1, 2, 31, 32, 33, 63, 64, 65, 100, 4096].map((n): [string, unknown] => [`Uint8Array(${n}) random`, random(n)]),
  ['Uint8Array(33) 0xff', new Uint8Array(33).fill(0xff)],
  ['multicodec Ed25519 junk', Uint8Array.of(0xed, 0x01, ...random(32))],
  ['multicodec P-256 junk', Uint8Array.of(0x80, 0x24, ...random(33))],
];

type Target = [string, (value: unknown) => unknown, 'strict'?];
const targets: Target[] = [
  ['parseJson', (v) => parseJson(v as string), 'strict'],
  ['parseCompactJws', (v) => parseCompactJws(v), 'strict'],
  ['parseCompactJws + verify', (v) => verifyJwsSignature(parseCompactJws(v), kp.publicKey), 'strict'],
  ['parseDetachedJws(v, v, bytes)', (v) => parseDetachedJws(v, v, new Uint8Array(1)), 'strict'],
  ['parseDetachedJws(header, v, bytes)', (v) => parseDetachedJws(goodJws.split('.')[0], v, new Uint8Array(1)), 'strict'],
  ['parseDetachedJws(header, sig, v)', (v) => parseDetachedJws(goodJws.split('.')[0], goodJws.split('.')[2], v as Uint8Array)],
  ['base64urlDecode', (v) => base64urlDecode(v as string), 'strict'],
  ['multibaseDecode', (v) => multibaseDecode(v as string), 'strict'],
  ['base58Decode', (v) => base58Decode(v as string), 'strict'],
  ['bytesToUtf8', (v) => bytesToUtf8(v as Uint8Array)],
  ['PublicKey.fromJwk', (v) => PublicKey.fromJwk(v), 'strict'],
  ['PublicKey.fromMultibase', (v) => PublicKey.fromMultibase(v as string), 'strict'],
  ['PublicKey.fromMulticodec', (v) => PublicKey.fromMulticodec(v as Uint8Array)],
  ['PublicKey.fromBytes(Ed25519)', (v) => PublicKey.fromBytes('Ed25519', v as Uint8Array)],
  ['PublicKey.fromBytes(P-256)', (v) => PublicKey.fromBytes('P-256', v as Uint8Array)],
  ['PublicKey.fromBytes(secp256k1)', (v) => PublicKey.fromBytes('secp256k1', v as Uint8Array)],
  ['PublicKey.verify(v, msg)', (v) => kp.publicKey.verify(v as Uint8Array, new Uint8Array(1))],
  ['PublicKey.verifyPortable(v, v)', (v) => kp.publicKey.verifyPortable(v as Uint8Array, v as Uint8Array)],
  ['keyTypeForAlgorithm', (v) => keyTypeForAlgorithm(v), 'strict'],
  ['verifyAuditLines', (v) => verifyAuditLines(v as string)],
  ['KeyPair.fromJwk', (v) => KeyPair.fromJwk(v), 'strict'],
  ['canonicalize', (v) => canonicalize(v)],
  ['canonicalize({a: v})', (v) => canonicalize({ a: v, b: [v] })],
  ['assertScope', (v) => assertScope(v), 'strict'],
  ['assertNarrows(v, v)', (v) => assertNarrows(v as never, v as never), 'strict'],
  ['scopePermits', (v) => scopePermits(v as never, { resource: 'r', action: 'a', audience: 'd' }, 0), 'strict'],
  ['assertPermits', (v) => assertPermits(v as never, { resource: 'r', action: 'a', audience: 'd' }, 0), 'strict'],
  ['assertPermits(scope, v)', (v) => assertPermits({ resources: ['r'], actions: ['a'], audience: ['d'], expiresAt: 1, maxDepth: 0 }, v as never, 0)],
  ['assertCapabilityRequest', (v) => assertCapabilityRequest(v as never)],
];

function check(name: string, fn: () => unknown, strict?: 'strict'): void {
  try {
    fn();
  } catch (error) {
    const coded = error instanceof AgentIdError && typeof error.code === 'string' && error.code.length > 0;
    const ok = coded || (strict === undefined && error instanceof TypeError);
    if (!ok) throw new Error(`${name}: threw ${(error as Error)?.constructor?.name}: ${String((error as Error)?.message).slice(0, 200)}`);
  }
}

describe('junk input', () => {
  it.each(targets)('%s', (name, fn, strict) => {
    for (const [label, value] of junk) check(`${name}(${label})`, () => fn(value), strict);
  });

  it('fast-check anything() against every target', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withBoxedValues: true }), (value) => {
        for (const [name, fn, strict] of targets) check(name, () => fn(value), strict);
      }),
      { numRuns: 200 },
    );
  });

  it('random strings against the string parsers', () => {
    const parsers: Target[] = targets.filter(([name]) => /parse|Decode|fromMultibase|verifyAuditLines|keyType/.test(name));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom(...'AZaz09-_.=+/z{}[]":,'.split('')) })), (text) => {
        for (const [name, fn, strict] of parsers) check(name, () => fn(text), strict);
      }),
      { numRuns: 300 },
    );
  });

  it('the junk table itself exercises every listed target', () => {
    expect(targets.length).toBeGreaterThanOrEqual(20);
  });
});
