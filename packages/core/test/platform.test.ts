import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as node from '../src/platform/node.js';
import type { PlatformJwk, SignatureAlgorithm } from '../src/platform/types.js';
import * as web from '../src/platform/web.js';
import { ed25519RawSign, ed25519RawVerifier, ed25519VerifyOnceAsync, p256RawVerifier } from '../src/internal.js';
import { KeyPair, PublicKey } from '../src/index.js';

// The web platform (WebCrypto, @noble) run under Node against the node:crypto one: the
// same answers for every input, so a runtime that selects `web` decides as Node does.

const hex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));
const bytes = (max = 256) => fc.uint8Array({ maxLength: max });
const flip = (data: Uint8Array, index: number, bit: number) => {
  const out = Uint8Array.from(data);
  if (out.length > 0) out[index % out.length]! ^= 1 << bit % 8;
  return out;
};

describe('the web platform gives the node platform answers', () => {
  it('exports the same names', () => {
    expect(Object.keys(web).sort()).toEqual(Object.keys(node).sort());
    expect(node.PLATFORM).toBe('node');
    expect(web.PLATFORM).toBe('web');
  });

  it('SHA-256: the FIPS 180-2 vector and any input', () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(web.bytesToHex(web.sha256(new TextEncoder().encode('abc')))).toBe(abc);
    expect(node.bytesToHex(node.sha256(new TextEncoder().encode('abc')))).toBe(abc);
    fc.assert(fc.property(bytes(2048), (data) => {
      expect(web.sha256(data)).toEqual(node.sha256(data));
    }));
  });

  const texts = (digest: Uint8Array) => ({ hex: Buffer.from(digest).toString('hex'), base64url: Buffer.from(digest).toString('base64url') });
  const ENCODINGS = ['hex', 'base64url'] as const;

  it('SHA-256 of parts: the one-shot digest of their concatenation, as hex and as base64url', () => {
    expect(node.sha256Parts([new TextEncoder().encode('ab'), new TextEncoder().encode('c')], 'hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(web.sha256Parts([new TextEncoder().encode('abc')], 'base64url')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    fc.assert(
      fc.property(fc.array(bytes(300), { maxLength: 8 }), fc.constantFrom(...ENCODINGS), (parts, encoding) => {
        const want = texts(node.sha256(Uint8Array.from(parts.flatMap((p) => [...p]))))[encoding];
        expect(node.sha256Parts(parts, encoding)).toBe(want);
        expect(web.sha256Parts(parts, encoding)).toBe(want);
      }),
    );
  });

  it('SHA-256 of parts: the same digest below and above the one-call copy limit (4 KiB), of views at any offset, called again and again', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(bytes(1500), fc.nat({ max: 16 })), { maxLength: 8 }), fc.constantFrom(...ENCODINGS), (specs, encoding) => {
        const parts = specs.map(([p, skip]) => p.subarray(Math.min(skip, p.length)));
        const want = texts(node.sha256(Uint8Array.from(parts.flatMap((p) => [...p]))))[encoding];
        expect(node.sha256Parts(parts, encoding)).toBe(want);
        expect(node.sha256Parts([new Uint8Array(5000)], encoding)).toBe(texts(node.sha256(new Uint8Array(5000)))[encoding]);
        expect(node.sha256Parts(parts, encoding)).toBe(want);
      }),
      { numRuns: 200 },
    );
  });

  it('SHA-256 of a string: node hashes the text directly, as the UTF-8 bytes TextEncoder gives (lone surrogates included)', () => {
    expect(web.sha256Utf8).toBeUndefined();
    const sha256Utf8 = node.sha256Utf8!;
    expect(node.bytesToHex(sha256Utf8('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    for (const text of ['', '\ud800', 'a\udfffb', '\u{1f600}', 'é'.repeat(3000)]) expect(sha256Utf8(text)).toEqual(web.sha256(new TextEncoder().encode(text)));
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 2048 }), (text) => {
      expect(sha256Utf8(text)).toEqual(web.sha256(new TextEncoder().encode(text)));
    }));
  });

  it('HMAC-SHA256: the RFC 4231 case 2 vector, prepared and raw keys, several parts', () => {
    const key = new TextEncoder().encode('Jefe');
    const data = new TextEncoder().encode('what do ya want for nothing?');
    const expected = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
    expect(web.bytesToHex(web.hmacSha256(web.hmacSha256Key(key), data))).toBe(expected);
    expect(node.bytesToHex(node.hmacSha256(node.hmacSha256Key(key), data))).toBe(expected);
    fc.assert(
      fc.property(bytes(100), bytes(), bytes(), (k, a, b) => {
        const want = node.hmacSha256(node.hmacSha256Key(k), a, b);
        expect(web.hmacSha256(web.hmacSha256Key(k), a, b)).toEqual(want);
        expect(web.hmacSha256(k, a, b)).toEqual(want);
        expect(node.hmacSha256(k, a, b)).toEqual(want);
      }),
    );
  });

  it('base64url both ways, hex, and UTF-8 length (lone surrogates included)', () => {
    fc.assert(
      fc.property(bytes(), (data) => {
        const text = node.base64urlFromBytes(data);
        expect(web.base64urlFromBytes(data)).toBe(text);
        expect(web.bytesFromBase64url(text)).toEqual(node.bytesFromBase64url(text));
        expect(web.bytesToHex(data)).toBe(node.bytesToHex(data));
      }),
    );
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
      expect(web.utf8Length(text)).toBe(node.utf8Length(text));
    }));
    fc.assert(fc.property(fc.string({ unit: 'binary-ascii', maxLength: 300 }), fc.constantFrom('', '\x7f', '\x80', '\u00e9', '\ud800'), (ascii, tail) => {
      expect(web.utf8Length(ascii + tail)).toBe(node.utf8Length(ascii + tail));
    }));
    fc.assert(fc.property(fc.string({ unit: fc.integer({ min: 0xd7f0, max: 0xe010 }).map((c) => String.fromCharCode(c)), maxLength: 20 }), (text) => {
      expect(web.utf8Length(text)).toBe(node.utf8Length(text));
    }));
  });

  it('public keys of secrets: the RFC 8032 test 1 vector, random secrets, and P-256 secrets out of range refused by both', () => {
    const seed = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    const expected = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    expect(web.publicKeyFromSecret('Ed25519', seed)).toEqual(expected);
    expect(node.publicKeyFromSecret('Ed25519', seed)).toEqual(expected);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (secret) => {
        expect(web.publicKeyFromSecret('Ed25519', secret)).toEqual(node.publicKeyFromSecret('Ed25519', secret));
        expect(web.publicKeyFromSecret('P-256', secret)).toEqual(node.publicKeyFromSecret('P-256', secret));
      }),
      { numRuns: 50 },
    );
    const order = hex(p256.Point.Fn.ORDER.toString(16).padStart(64, '0'));
    for (const bad of [new Uint8Array(32), order, new Uint8Array(32).fill(255), new Uint8Array(31)]) {
      expect(() => web.publicKeyFromSecret('P-256', bad)).toThrow();
      expect(() => node.publicKeyFromSecret('P-256', bad)).toThrow();
    }
  });
});

async function agree(jwk: PlatformJwk, alg: SignatureAlgorithm, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
  const want = node.syncVerifier(jwk, alg)!(signature, message);
  const got = await web.asyncVerifier(jwk, alg)!(signature, message);
  expect(got).toBe(want);
  return want;
}

describe('signatures: WebCrypto (web) and node:crypto (node) accept exactly the same', () => {
  const keys: Array<{ alg: SignatureAlgorithm; jwk: PlatformJwk; sign: (m: Uint8Array) => Uint8Array }> = [];
  for (const [alg, type, options] of [
    ['EdDSA', 'ed25519', {}],
    ['ES256', 'ec', { namedCurve: 'P-256' }],
    ['ES256-DER', 'ec', { namedCurve: 'P-256' }],
    ['ES384', 'ec', { namedCurve: 'P-384' }],
    ['ES512', 'ec', { namedCurve: 'P-521' }],
    ['RS256', 'rsa', { modulusLength: 2048 }],
    ['PS256', 'rsa', { modulusLength: 2048 }],
  ] as const) {
    const { privateKey, publicKey } = generateKeyPairSync(type as 'ec', options as { namedCurve: string });
    const hash = alg === 'EdDSA' ? null : alg === 'ES384' ? 'sha384' : alg === 'ES512' ? 'sha512' : 'sha256';
    const key =
      alg === 'PS256'
        ? { key: privateKey, padding: 6, saltLength: 32 }
        : alg.startsWith('ES')
          ? { key: privateKey, dsaEncoding: alg === 'ES256-DER' ? ('der' as const) : ('ieee-p1363' as const) }
          : privateKey;
    keys.push({ alg, jwk: publicKey.export({ format: 'jwk' }) as PlatformJwk, sign: (m) => new Uint8Array(nodeSign(hash, m, key)) });
  }

  for (const { alg, jwk, sign } of keys) {
    it(`${alg}: a valid signature, and any single bit flipped in signature or message`, async () => {
      const message = new TextEncoder().encode(`agent-id ${alg}`);
      const signature = sign(message);
      expect(await agree(jwk, alg, signature, message)).toBe(true);
      await fc.assert(
        fc.asyncProperty(fc.nat(), fc.nat(), fc.boolean(), async (index, bit, inSignature) => {
          const s = inSignature ? flip(signature, index, bit) : signature;
          const m = inSignature ? message : flip(message, index, bit);
          expect(await agree(jwk, alg, s, m)).toBe(false);
        }),
        { numRuns: alg.startsWith('RS') || alg === 'PS256' ? 20 : 60 },
      );
      for (const junk of [new Uint8Array(0), new Uint8Array(signature.length), signature.subarray(1), new Uint8Array([...signature, 0])]) {
        expect(await agree(jwk, alg, junk, message)).toBe(false);
      }
    });
  }

  for (const { alg, jwk, sign } of keys.filter((k) => k.alg !== 'RS256' && k.alg !== 'PS256')) {
    it(`${alg}: one verifier used again and again (its key imported once) answers as node:crypto`, async () => {
      const verifier = web.asyncVerifier(jwk, alg)!;
      const nodeVerify = node.syncVerifier(jwk, alg)!;
      const message = new TextEncoder().encode(`agent-id again ${alg}`);
      const signature = sign(message);
      // Before the import resolves and after: started together, and then one at a time.
      const early = await Promise.all([verifier(signature, message), verifier(flip(signature, 3, 1), message), verifier(signature, flip(message, 0, 0))]);
      expect(early).toEqual([true, false, false]);
      await fc.assert(
        fc.asyncProperty(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 2 }), async (index, bit, what) => {
          const s = what === 1 ? flip(signature, index, bit) : signature;
          const m = what === 2 ? flip(message, index, bit) : message;
          expect(await verifier(s, m)).toBe(nodeVerify(s, m));
        }),
        { numRuns: 60 },
      );
      for (const junk of [new Uint8Array(0), new Uint8Array(signature.length), signature.subarray(1), new Uint8Array([...signature, 0])]) {
        expect(await verifier(junk, message)).toBe(false);
      }
    });
  }

  it('EdDSA: WebCrypto signs byte for byte as node:crypto (deterministic), for any message', async () => {
    const kp = KeyPair.generate('Ed25519');
    const jwk = kp.exportPrivateJwk();
    const nodeSigner = node.syncSigner(jwk, 'EdDSA')!;
    const webSigner = web.asyncSigner(jwk, 'EdDSA')!;
    await fc.assert(fc.asyncProperty(bytes(), async (m) => {
      expect(await webSigner(m)).toEqual(nodeSigner(m));
    }));
  });

  it('ES256: what WebCrypto signs node:crypto verifies, and the reverse', async () => {
    const kp = KeyPair.generate('P-256');
    const jwk = kp.exportPrivateJwk();
    const pub = kp.publicKey.toJwk();
    await fc.assert(
      fc.asyncProperty(bytes(), async (m) => {
        expect(node.syncVerifier(pub, 'ES256')!((await web.asyncSigner(jwk, 'ES256')!(m))!, m)).toBe(true);
        expect(await web.asyncVerifier(pub, 'ES256')!(node.syncSigner(jwk, 'ES256')!(m), m)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('secp256k1 (ES256K) has no WebCrypto path: the caller verifies with @noble/curves', () => {
    const pub = KeyPair.generate('secp256k1').publicKey.toJwk();
    expect(web.asyncVerifier(pub, 'ES256K')).toBeNull();
    expect(web.syncVerifier(pub, 'ES256K')).toBeNull();
  });

  it('the portable (@noble) paths of PublicKey and the raw verifiers (a key used once too) agree with the native ones', async () => {
    for (const type of ['Ed25519', 'P-256', 'secp256k1'] as const) {
      const kp = KeyPair.generate(type);
      const key = PublicKey.fromBytes(type, kp.publicKey.bytes);
      await fc.assert(
        fc.asyncProperty(bytes(), fc.nat(), fc.nat(), fc.boolean(), async (m, index, bit, tamper) => {
          const signature = tamper ? flip(kp.sign(m), index, bit) : kp.sign(m);
          const want = key.verify(signature, m);
          expect(want).toBe(!tamper);
          expect(key.verifyPortable(signature, m)).toBe(want);
          expect(await key.verifyAsync(signature, m)).toBe(want);
          if (type === 'Ed25519') {
            const raw = ed25519RawVerifier(key.bytes);
            expect(raw.verify(signature, m)).toBe(want);
            expect(await raw.verifyAsync(signature, m)).toBe(want);
            expect(await ed25519VerifyOnceAsync(key.bytes, signature, m)).toBe(want);
          }
          if (type === 'P-256') {
            const raw = p256RawVerifier(key.bytes, 'compact');
            expect(raw.verify(signature, m)).toBe(want);
            expect(await raw.verifyAsync(signature, m)).toBe(want);
          }
        }),
        { numRuns: 40 },
      );
    }
  });

  it('signAsync gives signatures verify accepts (Ed25519 byte for byte as sign)', async () => {
    const message = new TextEncoder().encode('hello');
    for (const type of ['Ed25519', 'P-256', 'secp256k1'] as const) {
      const kp = KeyPair.generate(type);
      const signature = await kp.signAsync(message);
      expect(kp.publicKey.verify(signature, message)).toBe(true);
      if (type === 'Ed25519') expect(signature).toEqual(kp.sign(message));
    }
  });
});

describe('ed25519RawSign', () => {
  it('gives the RFC 8032 test 1 signature, and what a KeyPair signs, for any message', () => {
    const secret = Uint8Array.from(Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'));
    const expected = 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';
    expect(Buffer.from(ed25519RawSign(secret, new Uint8Array(0))).toString('hex')).toBe(expected);
    const pair = KeyPair.fromSecretKey('Ed25519', secret);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (message) => {
        expect(ed25519RawSign(secret, message)).toEqual(pair.sign(message));
      }),
      { numRuns: 50 },
    );
    expect(() => ed25519RawSign(secret.subarray(1), new Uint8Array(0))).toThrow(RangeError);
  });
});
