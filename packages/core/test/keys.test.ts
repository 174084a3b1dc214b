import { inspect } from 'node:util';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 as nobleP256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AgentIdError,
  base64urlEncode,
  KEY_TYPES,
  KeyPair,
  type KeyType,
  keyTypeForAlgorithm,
  type PrivateJwk,
  PublicKey,
  verifySignature,
} from '../src/index.js';
import { base58Decode } from '../src/internal.js';
import { expectCode } from '@agent-id/test-support';
import { hex, loadVector, thrown, toHex, utf8 } from './helpers.js';

interface KeyVectors {
  rfc8032_test1: { secretKey: string; publicKey: string; message: string; signature: string };
  didKeyEd25519Example: { did: string };
  didKeyP256: { cases: { did: string; privateKeyJwk: PrivateJwk & { x: string; y: string } }[] };
  didKeySecp256k1: { cases: { did: string; publicKeyBase58: string; privateKeyBase58: string }[] };
  ed25519Speccheck: { cases: { message: string; pub_key: string; signature: string; nodeCryptoAccepts: boolean }[] };
}
const vectors = loadVector<KeyVectors>('keys.json');

const PREFIX: Record<KeyType, string> = { Ed25519: 'z6Mk', 'P-256': 'zDn', secp256k1: 'zQ3s' };
const ALG: Record<KeyType, string> = { Ed25519: 'EdDSA', 'P-256': 'ES256', secp256k1: 'ES256K' };
const pairs = Object.fromEntries(KEY_TYPES.map((t) => [t, KeyPair.generate(t)])) as Record<KeyType, KeyPair>;

describe.each(KEY_TYPES)('%s', (type) => {
  const kp = pairs[type];

  it('generates, signs and verifies', () => {
    expect(kp.type).toBe(type);
    expect(kp.algorithm).toBe(ALG[type]);
    const msg = utf8('hello agents');
    const sig = kp.sign(msg);
    expect(sig.length).toBe(64);
    expect(kp.publicKey.verify(sig, msg)).toBe(true);
    expect(kp.publicKey.verifyPortable(sig, msg)).toBe(true);
    expect(verifySignature(ALG[type], kp.publicKey, sig, msg)).toBe(true);
    expect(kp.publicKey.verify(sig, utf8('hello agents!'))).toBe(false);
    expect(KeyPair.generate(type).publicKey.verify(sig, msg)).toBe(false);
  });

  it('public key: JWK, multicodec and multibase round trips; did:key prefix', () => {
    const pub = kp.publicKey;
    expect(pub.bytes.length).toBe(type === 'Ed25519' ? 32 : 33);
    expect(PublicKey.fromJwk(pub.toJwk()).equals(pub)).toBe(true);
    expect(PublicKey.fromJwk(JSON.parse(JSON.stringify(pub)))).toEqual(pub);
    expect(PublicKey.fromMulticodec(pub.toMulticodec()).equals(pub)).toBe(true);
    const mb = pub.toMultibase();
    expect(mb.startsWith(PREFIX[type])).toBe(true);
    expect(PublicKey.fromMultibase(mb).equals(pub)).toBe(true);
    expect(PublicKey.fromBytes(type, pub.bytes).equals(pub)).toBe(true);
    expect(String(pub)).toBe(`PublicKey(${type}, ${mb})`);
  });

  it('private JWK and raw secret round trips', () => {
    const jwk = kp.exportPrivateJwk();
    const back = KeyPair.fromJwk(jwk);
    expect(back.publicKey.equals(kp.publicKey)).toBe(true);
    expect(KeyPair.fromJwk({ ...jwk, kid: 'k1' }).publicKey.equals(kp.publicKey)).toBe(true);
    expect(KeyPair.fromSecretKey(type, kp.exportSecretKey()).publicKey.equals(kp.publicKey)).toBe(true);
    const msg = utf8('x');
    expect(kp.publicKey.verify(back.sign(msg), msg)).toBe(true);
  });

  it('never shows the secret', () => {
    const jwk = kp.exportPrivateJwk();
    const secretHex = toHex(kp.exportSecretKey());
    const leaks = (text: string) => text.includes(jwk.d) || text.toLowerCase().includes(secretHex);
    const views = [
      String(kp),
      `${kp}`,
      JSON.stringify(kp),
      JSON.stringify({ nested: [kp] }),
      inspect(kp),
      inspect(kp, { showHidden: true, depth: 10 }),
      inspect(kp, { customInspect: false, showHidden: true, depth: 10 }),
      inspect({ kp }, { depth: 10 }),
      JSON.stringify(Object.entries(kp)),
      JSON.stringify({ ...kp }),
    ];
    for (const view of views) expect(leaks(view), view).toBe(false);
    expect(String(kp)).toContain('secret redacted');
    expect(JSON.parse(JSON.stringify(kp))).toEqual({ type, publicKey: kp.publicKey.toJwk() });
  });

  it('keeps the secret out of error messages', () => {
    const jwk = kp.exportPrivateJwk();
    const other = KeyPair.generate(type).publicKey.toJwk();
    const e = expectCode(() => KeyPair.fromJwk({ ...other, d: jwk.d }), 'key_mismatch', 'secret_key');
    for (const text of [e.message, JSON.stringify(e), inspect(e), String(e.stack)]) expect(text).not.toContain(jwk.d);
    const e2 = expectCode(() => PublicKey.fromJwk(jwk), 'malformed_input', 'public_key');
    for (const text of [e2.message, JSON.stringify(e2), inspect(e2)]) expect(text).not.toContain(jwk.d);
  });

  it('copies the secret: mutating inputs or exports changes nothing', () => {
    const secret = kp.exportSecretKey();
    const copy = KeyPair.fromSecretKey(type, secret);
    secret.fill(1);
    const msg = utf8('m');
    expect(kp.publicKey.verify(copy.sign(msg), msg)).toBe(true);
  });

  it('refuses a secret key of the wrong length as a caller bug, a JWK one as malformed', () => {
    expect(() => KeyPair.fromSecretKey(type, new Uint8Array(31))).toThrow(TypeError);
    const jwk = kp.exportPrivateJwk();
    expectCode(() => KeyPair.fromJwk({ ...jwk, d: base64urlEncode(new Uint8Array(33)) }), 'malformed_input', 'secret_key');
    expectCode(() => KeyPair.fromJwk({ ...jwk, d: 'not base64url!' }), 'malformed_input');
    expectCode(() => KeyPair.fromJwk({ ...jwk, d: 5 }), 'malformed_input', 'secret_key');
  });
});

describe('known vectors', () => {
  it('RFC 8032 test 1 (Ed25519)', () => {
    const v = vectors.rfc8032_test1;
    const kp = KeyPair.fromSecretKey('Ed25519', hex(v.secretKey));
    expect(toHex(kp.publicKey.bytes)).toBe(v.publicKey);
    const sig = kp.sign(hex(v.message));
    expect(toHex(sig)).toBe(v.signature);
    const pub = PublicKey.fromBytes('Ed25519', hex(v.publicKey));
    expect(pub.verify(hex(v.signature), hex(v.message))).toBe(true);
    expect(pub.verifyPortable(hex(v.signature), hex(v.message))).toBe(true);
  });

  it('did:key spec Ed25519 example round-trips', () => {
    const mb = vectors.didKeyEd25519Example.did.slice('did:key:'.length);
    const pub = PublicKey.fromMultibase(mb);
    expect(pub.type).toBe('Ed25519');
    expect(pub.toMultibase()).toBe(mb);
    expect(PublicKey.fromJwk(pub.toJwk()).toMultibase()).toBe(mb);
  });

  it.each(vectors.didKeyP256.cases)('did:key P-256 test vector $did', ({ did, privateKeyJwk }) => {
    const kp = KeyPair.fromJwk(privateKeyJwk);
    expect(`did:key:${kp.publicKey.toMultibase()}`).toBe(did);
    expect(kp.exportPrivateJwk()).toEqual(privateKeyJwk);
    expect(PublicKey.fromMultibase(did.slice(8)).toJwk()).toEqual({ kty: 'EC', crv: 'P-256', x: privateKeyJwk.x, y: privateKeyJwk.y });
  });

  it.each(vectors.didKeySecp256k1.cases)('did:key secp256k1 test vector $did', ({ did, publicKeyBase58, privateKeyBase58 }) => {
    const kp = KeyPair.fromSecretKey('secp256k1', base58Decode(privateKeyBase58));
    expect(toHex(kp.publicKey.bytes)).toBe(toHex(base58Decode(publicKeyBase58)));
    expect(`did:key:${kp.publicKey.toMultibase()}`).toBe(did);
  });
});

describe('native and portable verification agree', () => {
  it.each(KEY_TYPES)('%s: valid and corrupted signatures (property)', (type) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.nat(), fc.boolean(), (msg, bitA, bitB, corruptSig) => {
        const kp = pairs[type];
        const sig = kp.sign(msg);
        expect(kp.publicKey.verify(sig, msg)).toBe(true);
        expect(kp.publicKey.verifyPortable(sig, msg)).toBe(true);
        // Flip one bit of the signature, or of the message (or append a byte to an empty one).
        let s = sig;
        let m = msg;
        if (corruptSig || msg.length === 0) {
          s = Uint8Array.from(sig);
          s[bitA % 64]! ^= 1 << (bitB % 8);
        } else {
          m = Uint8Array.from(msg);
          m[bitA % msg.length]! ^= 1 << (bitB % 8);
        }
        expect(kp.publicKey.verify(s, m)).toBe(false);
        expect(kp.publicKey.verifyPortable(s, m)).toBe(false);
      }),
      { numRuns: type === 'Ed25519' ? 60 : 25 },
    );
  });

  it('Ed25519 edge cases (ed25519-speccheck): refused at import, or same answer as node:crypto on both paths', () => {
    let imported = 0;
    for (const [i, c] of vectors.ed25519Speccheck.cases.entries()) {
      const error = thrown(() => {
        const pub = PublicKey.fromBytes('Ed25519', hex(c.pub_key));
        const sig = hex(c.signature);
        const msg = hex(c.message);
        expect([i, pub.verify(sig, msg)]).toEqual([i, c.nodeCryptoAccepts]);
        expect([i, pub.verifyPortable(sig, msg)]).toEqual([i, c.nodeCryptoAccepts]);
        throw new Error('imported');
      });
      if (error instanceof AgentIdError) {
        // Small-order, mixed-order and non-canonical keys never get in.
        expect(error.code).toBe('malformed_input');
      } else {
        expect((error as Error).message).toBe('imported');
        imported++;
      }
    }
    // Only vectors 9 and 10 use keys in the prime-order subgroup; small-order, mixed-order and
    // non-canonical keys are refused, which keeps Node 20 and 24 (different OpenSSL) in agreement.
    expect(imported).toBe(2);
  });

  it('secp256k1 high-S signatures are refused on both paths; P-256 follows ECDSA (accepted on both)', () => {
    const msg = utf8('malleable?');
    for (const type of ['secp256k1', 'P-256'] as const) {
      const kp = pairs[type];
      const sig = kp.sign(msg);
      const n = type === 'secp256k1' ? secp256k1.Point.Fn.ORDER : BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
      const s = BigInt(`0x${toHex(sig.subarray(32))}`);
      const high = Uint8Array.from(sig);
      high.set(hex((n - s).toString(16).padStart(64, '0')), 32);
      const expected = type === 'P-256';
      expect(kp.publicKey.verify(high, msg)).toBe(expected);
      expect(kp.publicKey.verifyPortable(high, msg)).toBe(expected);
    }
  });

  it('wrong-length or zero signatures verify as false, non-bytes are caller bugs', () => {
    for (const type of KEY_TYPES) {
      const pub = pairs[type].publicKey;
      for (const sig of [new Uint8Array(0), new Uint8Array(63), new Uint8Array(65), new Uint8Array(64)]) {
        expect(pub.verify(sig, utf8('m'))).toBe(false);
        expect(pub.verifyPortable(sig, utf8('m'))).toBe(false);
      }
      expect(() => pub.verify('sig' as unknown as Uint8Array, utf8('m'))).toThrow(TypeError);
      expect(pub.verifyPortable('sig' as unknown as Uint8Array, utf8('m'))).toBe(false);
    }
  });
});

describe('algorithms', () => {
  it('maps allowed algorithms to key types', () => {
    expect(keyTypeForAlgorithm('EdDSA')).toBe('Ed25519');
    expect(keyTypeForAlgorithm('ES256')).toBe('P-256');
    expect(keyTypeForAlgorithm('ES256K')).toBe('secp256k1');
  });

  it.each(['none', 'None', 'HS256', 'RS256', 'ES384', 'eddsa', '', '__proto__', 'toString', null, undefined, 5, {}, ['EdDSA']])(
    'refuses %j as unsupported_algorithm',
    (alg) => {
      expectCode(() => keyTypeForAlgorithm(alg), 'unsupported_algorithm', 'algorithm');
      const kp = pairs.Ed25519;
      expectCode(() => verifySignature(alg, kp.publicKey, kp.sign(utf8('m')), utf8('m')), 'unsupported_algorithm');
    },
  );

  it('algorithm for another key type is key_mismatch', () => {
    const msg = utf8('m');
    for (const type of KEY_TYPES) {
      for (const other of KEY_TYPES.filter((t) => t !== type)) {
        expectCode(() => verifySignature(ALG[other], pairs[type].publicKey, pairs[type].sign(msg), msg), 'key_mismatch', 'key_algorithm');
      }
    }
  });
});

describe('bad keys', () => {
  const ed = pairs.Ed25519.publicKey;
  const p256 = pairs['P-256'].publicKey;

  it.each([
    ['Ed25519 non-canonical y', 'Ed25519', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
    ['Ed25519 "negative zero" x', 'Ed25519', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'],
    ['Ed25519 small-order point', 'Ed25519', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa'],
    ['Ed25519 identity', 'Ed25519', `01${'00'.repeat(31)}`],
    ['Ed25519 31 bytes', 'Ed25519', '11'.repeat(31)],
    ['Ed25519 not on curve', 'Ed25519', `02${'00'.repeat(31)}`],
    ['P-256 bad prefix', 'P-256', `05${'11'.repeat(32)}`],
    ['P-256 x beyond p', 'P-256', `02${'ff'.repeat(32)}`],
    ['P-256 uncompressed off-curve', 'P-256', `04${'11'.repeat(64)}`],
    ['P-256 empty', 'P-256', ''],
    ['secp256k1 point at infinity', 'secp256k1', '00'],
    ['secp256k1 x not on curve', 'secp256k1', `02${'00'.repeat(32)}`],
  ] as const)('%s is malformed_input', (_name, type, bytes) => {
    expectCode(() => PublicKey.fromBytes(type, hex(bytes)), 'malformed_input', 'public_key');
  });

  it('invalid JWKs', () => {
    const jwk = p256.toJwk() as { kty: 'EC'; crv: 'P-256'; x: string; y: string };
    expectCode(() => PublicKey.fromJwk({ ...jwk, y: jwk.x }), 'malformed_input', 'public_key');
    expectCode(() => PublicKey.fromJwk({ ...jwk, x: 'AAAA' }), 'malformed_input', 'public_key');
    expectCode(() => PublicKey.fromJwk({ ...jwk, y: undefined }), 'malformed_input', 'public_key');
    expectCode(() => PublicKey.fromJwk({ kty: 'OKP', crv: 'Ed25519' }), 'malformed_input', 'public_key');
    expectCode(() => PublicKey.fromJwk({ kty: 'OKP', crv: 'Ed25519', x: `${ed.toJwk().x}=` }), 'malformed_input');
    expectCode(() => PublicKey.fromJwk({ ...ed.toJwk(), d: 'x' }), 'malformed_input', 'public_key');
    expectCode(() => PublicKey.fromJwk({ kty: 'RSA', n: 'AQAB', e: 'AQAB' }), 'unsupported_algorithm', 'key_type');
    expectCode(() => PublicKey.fromJwk({ kty: 'OKP', crv: 'X25519', x: ed.toJwk().x }), 'unsupported_algorithm', 'key_type');
    expectCode(() => PublicKey.fromJwk({ kty: 'EC', crv: 'P-384', x: 'AA', y: 'AA' }), 'unsupported_algorithm', 'key_type');
    expectCode(() => PublicKey.fromJwk({ kty: Object.create(null), crv: Symbol('c') }), 'unsupported_algorithm');
    expectCode(() => PublicKey.fromJwk('{"kty":"OKP"}'), 'malformed_input', 'public_key');
    expectCode(() => PublicKey.fromJwk([ed.toJwk()]), 'malformed_input', 'public_key');
  });

  it('private JWK whose public part belongs to another key is key_mismatch', () => {
    for (const type of KEY_TYPES) {
      const jwk = pairs[type].exportPrivateJwk();
      const other = KeyPair.generate(type).publicKey.toJwk();
      expectCode(() => KeyPair.fromJwk({ ...other, d: jwk.d }), 'key_mismatch', 'secret_key');
    }
    const ed25519Jwk = pairs.Ed25519.exportPrivateJwk();
    const claimedP256 = pairs['P-256'].publicKey.toJwk();
    expectCode(() => KeyPair.fromJwk({ ...claimedP256, d: ed25519Jwk.d }), 'key_mismatch');
  });

  it('an EC scalar outside 1..n-1 is malformed_input', () => {
    expectCode(() => KeyPair.fromSecretKey('P-256', new Uint8Array(32)), 'malformed_input', 'secret_key');
    expectCode(() => KeyPair.fromSecretKey('P-256', new Uint8Array(32).fill(0xff)), 'malformed_input', 'secret_key');
    expectCode(() => KeyPair.fromSecretKey('P-256', hex('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551')), 'malformed_input', 'secret_key');
    expectCode(() => KeyPair.fromSecretKey('secp256k1', new Uint8Array(32).fill(0xff)), 'malformed_input', 'secret_key');
  });

  it('the public key a secret derives (natively on Node, without point checks) is the one @noble derives, and passes every point check', () => {
    const noble = { Ed25519: (s: Uint8Array) => ed25519.getPublicKey(s), 'P-256': (s: Uint8Array) => nobleP256.getPublicKey(s, true), secp256k1: (s: Uint8Array) => secp256k1.getPublicKey(s, true) };
    fc.assert(
      fc.property(fc.constantFrom(...KEY_TYPES), fc.uint8Array({ minLength: 32, maxLength: 32 }), (type, secret) => {
        let pair: KeyPair;
        try {
          pair = KeyPair.fromSecretKey(type, secret);
        } catch {
          expect(() => noble[type](secret)).toThrow();
          expectCode(() => KeyPair.fromSecretKey(type, secret), 'malformed_input', 'secret_key');
          return;
        }
        expect(toHex(pair.publicKey.bytes)).toBe(toHex(noble[type](secret)));
        expect(PublicKey.fromBytes(type, pair.publicKey.bytes).equals(pair.publicKey)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('multicodec with an unknown or bare prefix', () => {
    expectCode(() => PublicKey.fromMulticodec(hex(`1200${'11'.repeat(32)}`)), 'unsupported_algorithm', 'key_type');
    expectCode(() => PublicKey.fromMulticodec(hex('ed01')), 'unsupported_algorithm');
    expectCode(() => PublicKey.fromMultibase('f0123'), 'malformed_input');
    expectCode(() => PublicKey.fromMultibase('z0OIl'), 'malformed_input');
  });

  it('unknown key types are caller bugs', () => {
    expect(() => KeyPair.generate('RSA' as KeyType)).toThrow(TypeError);
    expect(() => PublicKey.fromBytes('X25519' as KeyType, new Uint8Array(32))).toThrow(TypeError);
  });

  it('equals compares type and bytes', () => {
    expect(ed.equals(ed)).toBe(true);
    expect(ed.equals(pairs['P-256'].publicKey)).toBe(false);
    expect(ed.equals(KeyPair.generate().publicKey)).toBe(false);
  });
});
