import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { expectCode } from '@agent-id/test-support';

// core's keys, JWS and verification keys as a browser, Deno, Bun or workerd runs them: with
// the web platform layer (WebCrypto, @noble) in place of node:crypto. Every answer is
// checked against node:crypto itself.
vi.mock('#platform', async () => await import('../src/platform/web.js'));

const { KeyPair, PublicKey, VerificationKey, parseCompactJws, signCompactJws, verifyJwsSignatureAsync, verifySignature } = await import('../src/index.js');
const { PLATFORM, ed25519PublicKeyFromSecretAsync, ed25519RawVerifier, ed25519VerifyOnceAsync, sha256Hex, sha256PartsAsync } = await import('../src/internal.js');
const { base64urlDecode } = await import('../src/index.js');

const flip = (data: Uint8Array, index: number, bit: number) => {
  const out = Uint8Array.from(data);
  if (out.length > 0) out[index % out.length]! ^= 1 << bit % 8;
  return out;
};

describe('core on the web platform', () => {
  it('runs on the web platform here', () => {
    expect(PLATFORM).toBe('web');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  for (const type of ['Ed25519', 'P-256', 'secp256k1'] as const) {
    it(`${type}: sign, signAsync, verify and verifyAsync agree with node:crypto, tampered or not`, async () => {
      const kp = KeyPair.generate(type);
      const nodeKey = { key: { ...kp.publicKey.toJwk() }, format: 'jwk' as const };
      const nodeCheck = (signature: Uint8Array, message: Uint8Array) => {
        try {
          return type === 'Ed25519' ? nodeVerify(null, message, nodeKey, signature) : nodeVerify('sha256', message, { ...nodeKey, dsaEncoding: 'ieee-p1363' }, signature);
        } catch {
          return false;
        }
      };
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.nat(), fc.boolean(), async (message, index, bit, tamper) => {
          const signed = tamper ? kp.sign(message) : await kp.signAsync(message);
          const signature = tamper ? flip(signed, index, bit) : signed;
          // secp256k1: node:crypto accepts high-S signatures, which agent-id refuses (JWS ES256K).
          const want = type === 'secp256k1' && !tamper ? true : nodeCheck(signature, message);
          expect(kp.publicKey.verify(signature, message)).toBe(want);
          expect(await kp.publicKey.verifyAsync(signature, message)).toBe(want);
        }),
        { numRuns: 40 },
      );
    });
  }

  it('Ed25519 signAsync (WebCrypto) is byte for byte the RFC 8032 signature', async () => {
    const kp = KeyPair.fromSecretKey('Ed25519', Uint8Array.from(Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex')));
    const expected = 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';
    expect(Buffer.from(await kp.signAsync(new Uint8Array(0))).toString('hex')).toBe(expected);
    expect(Buffer.from(kp.sign(new Uint8Array(0))).toString('hex')).toBe(expected);
  });

  it('JWS: verifyJwsSignatureAsync accepts what node-signed keys sign and refuses a tampered one with invalid_signature', async () => {
    const kp = KeyPair.generate('Ed25519');
    const jws = signCompactJws({ typ: 'JWT' }, new TextEncoder().encode('{"a":1}'), kp);
    await verifyJwsSignatureAsync(parseCompactJws(jws), kp.publicKey);
    const [h, p, s] = jws.split('.');
    const bad = `${h}.${p}.${s!.startsWith('A') ? `B${s!.slice(1)}` : `A${s!.slice(1)}`}`;
    await expectCode(verifyJwsSignatureAsync(parseCompactJws(bad), kp.publicKey), 'invalid_signature');
    expect(verifySignature('EdDSA', kp.publicKey, parseCompactJws(jws).signature, parseCompactJws(jws).signingInput)).toBe(true);
  });

  it('VerificationKey: RSA and the big curves through WebCrypto; RSA refuses a synchronous verify with unsupported_algorithm (check runtime)', async () => {
    const message = new TextEncoder().encode('card');
    for (const [alg, type, options, hash] of [
      ['RS256', 'rsa', { modulusLength: 2048 }, 'sha256'],
      ['PS256', 'rsa', { modulusLength: 2048 }, 'sha256'],
      ['ES384', 'ec', { namedCurve: 'P-384' }, 'sha384'],
      ['ES512', 'ec', { namedCurve: 'P-521' }, 'sha512'],
    ] as const) {
      const { privateKey, publicKey } = generateKeyPairSync(type as 'ec', options as { namedCurve: string });
      const signKey = alg === 'PS256' ? { key: privateKey, padding: 6, saltLength: 32 } : alg.startsWith('ES') ? { key: privateKey, dsaEncoding: 'ieee-p1363' as const } : privateKey;
      const signature = new Uint8Array(nodeSign(hash, message, signKey));
      const key = VerificationKey.fromJwk({ ...publicKey.export({ format: 'jwk' }), alg });
      expect(await key.verifyAsync(alg, signature, message)).toBe(true);
      expect(await key.verifyAsync(alg, flip(signature, 7, 3), message)).toBe(false);
      expect(await key.verifyAsync(alg, signature, flip(message, 0, 0))).toBe(false);
      if (type === 'rsa') {
        expectCode(() => key.verify(alg, signature, message), 'unsupported_algorithm');
      } else {
        expect(key.verify(alg, signature, message)).toBe(true);
        expect(key.verify(alg, flip(signature, 7, 3), message)).toBe(false);
      }
    }
  });

  it('Ed25519 with S + L (a malleated signature): refused on every path, as node:crypto refuses it', async () => {
    const kp = KeyPair.generate('Ed25519');
    const message = new TextEncoder().encode('m');
    const signature = kp.sign(message);
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i]!);
    const bumped = s + L;
    const malleated = Uint8Array.from(signature);
    for (let i = 0; i < 32; i++) malleated[32 + i] = Number((bumped >> BigInt(8 * i)) & 0xffn);
    expect(nodeVerify(null, message, { key: { ...kp.publicKey.toJwk() }, format: 'jwk' }, malleated)).toBe(false);
    expect(kp.publicKey.verify(malleated, message)).toBe(false);
    expect(await kp.publicKey.verifyAsync(malleated, message)).toBe(false);
    const raw = ed25519RawVerifier(kp.publicKey.bytes);
    expect(raw.verify(malleated, message)).toBe(false);
    expect(await raw.verifyAsync(malleated, message)).toBe(false);
    expect(await raw.verifyAsync(signature, message)).toBe(true);
  });

  it('PublicKey parsing is the same: a small-order Ed25519 key is refused with malformed_input', () => {
    expectCode(() => PublicKey.fromBytes('Ed25519', new Uint8Array(32)), 'malformed_input');
  });

  it('ed25519PublicKeyFromSecretAsync (WebCrypto) derives the key node:crypto derives, for any secret; a secret of another length is a RangeError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), async (secret) => {
        const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), secret]);
        const expected = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({ format: 'jwk' }).x;
        const derived = await ed25519PublicKeyFromSecretAsync(secret);
        expect(derived && Buffer.from(derived).toString('base64url')).toBe(expected);
      }),
      { numRuns: 50 },
    );
    await expect(ed25519PublicKeyFromSecretAsync(new Uint8Array(31))).rejects.toThrow(RangeError);
  });

  it('ed25519VerifyOnceAsync answers as node:crypto for any key, signature and message, tampered or not, and as @noble where WebCrypto lacks Ed25519', async () => {
    const kp = KeyPair.generate('Ed25519');
    const nodeKey = (raw: Uint8Array) => ({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' as const });
    const nodeCheck = (raw: Uint8Array, signature: Uint8Array, message: Uint8Array) => {
      try {
        return nodeVerify(null, message, nodeKey(raw), signature);
      } catch {
        return false;
      }
    };
    const verdicts = { true: 0, false: 0 };
    for (const lacking of [false, true]) {
      const refuse = lacking ? vi.spyOn(globalThis.crypto.subtle, 'importKey').mockImplementation(() => Promise.reject(new DOMException('unsupported', 'NotSupportedError'))) : undefined;
      try {
        await fc.assert(
          fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), fc.constantFrom('key', 'signature', 'message', 'none'), async (message, index, bit, what) => {
            const signature = kp.sign(message);
            const raw = what === 'key' ? flip(kp.publicKey.bytes, index, bit) : kp.publicKey.bytes;
            const sig = what === 'signature' ? flip(signature, index, bit) : signature;
            const msg = what === 'message' ? flip(message, index, bit) : message;
            const got = await ed25519VerifyOnceAsync(raw, sig, msg);
            expect(got).toBe(nodeCheck(raw, sig, msg));
            verdicts[String(got) as 'true' | 'false']++;
          }),
          { numRuns: 150 },
        );
        // Where WebCrypto refused every key, @noble answered.
        if (refuse) expect(refuse).toHaveBeenCalled();
      } finally {
        refuse?.mockRestore();
      }
    }
    expect(verdicts.true).toBeGreaterThan(0);
    expect(verdicts.false).toBeGreaterThan(0);
    // S + L (the same signature, malleated) and a signature of another length are refused before WebCrypto.
    const message = new TextEncoder().encode('once');
    const signature = kp.sign(message);
    const verify = vi.spyOn(globalThis.crypto.subtle, 'verify');
    try {
      expect(await ed25519VerifyOnceAsync(kp.publicKey.bytes, signature.subarray(0, 63), message)).toBe(false);
      const s = signature.slice();
      let carry = 0;
      const L = [237, 211, 245, 92, 26, 99, 18, 88, 214, 156, 247, 162, 222, 249, 222, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16];
      for (let i = 0; i < 32; i++) {
        const sum = s[32 + i]! + L[i]! + carry;
        s[32 + i] = sum & 0xff;
        carry = sum >> 8;
      }
      expect(await ed25519VerifyOnceAsync(kp.publicKey.bytes, s, message)).toBe(false);
      expect(verify).not.toHaveBeenCalled();
      expect(await ed25519VerifyOnceAsync(kp.publicKey.bytes, signature, message)).toBe(true);
      expect(verify).toHaveBeenCalledTimes(1);
    } finally {
      verify.mockRestore();
    }
    expect(() => ed25519VerifyOnceAsync(new Uint8Array(31), signature, message)).toThrow(RangeError);
  });

  it('ed25519VerifyOnceAsync where WebCrypto refuses a raw key but not its JWK, or throws while verifying: as ed25519RawVerifier', async () => {
    const kp = KeyPair.generate('Ed25519');
    const message = new TextEncoder().encode('once');
    const signature = kp.sign(message);
    const subtle = globalThis.crypto.subtle;
    const importKey = subtle.importKey.bind(subtle) as (...args: unknown[]) => Promise<unknown>;
    const rawRefused = vi.spyOn(subtle, 'importKey').mockImplementation(((format: string, ...rest: unknown[]) =>
      format === 'raw' ? Promise.reject(new DOMException('unsupported', 'NotSupportedError')) : importKey(format, ...rest)) as never);
    const verify = vi.spyOn(subtle, 'verify');
    try {
      for (const [sig, want] of [[signature, true], [flip(signature, 3, 1), false]] as const) {
        expect(await ed25519VerifyOnceAsync(kp.publicKey.bytes, sig, message)).toBe(want);
        expect(await ed25519RawVerifier(kp.publicKey.bytes).verifyAsync(sig, message)).toBe(want);
      }
      // WebCrypto verified, through the JWK.
      expect(verify).toHaveBeenCalledTimes(4);
      expect(rawRefused.mock.calls.filter(([format]) => (format as string) === 'jwk')).toHaveLength(4);
    } finally {
      rawRefused.mockRestore();
      verify.mockRestore();
    }
    const throwing = vi.spyOn(subtle, 'verify').mockImplementation((() => {
      throw new TypeError('a WebCrypto that throws');
    }) as never);
    try {
      expect(await ed25519VerifyOnceAsync(kp.publicKey.bytes, signature, message)).toBe(false);
      expect(await ed25519RawVerifier(kp.publicKey.bytes).verifyAsync(signature, message)).toBe(false);
    } finally {
      throwing.mockRestore();
    }
  });

  it("ed25519RawVerifier keeps its own copy of the key, even of a Buffer's bytes (whose slice is a view): the buffer reused later changes nothing", () => {
    const honest = KeyPair.generate('Ed25519');
    const other = KeyPair.generate('Ed25519');
    const shared = Buffer.alloc(64);
    shared.set(honest.publicKey.bytes, 16);
    const verifier = ed25519RawVerifier(shared.subarray(16, 48));
    const message = new TextEncoder().encode('anything');
    const forged = other.sign(message);
    shared.set(other.publicKey.bytes, 16);
    expect(verifier.verify(forged, message)).toBe(false);
    expect(verifier.verify(honest.sign(message), message)).toBe(true);
  });

  it('sha256PartsAsync: by WebCrypto where there is one, by JavaScript where there is none (no secure context), the same text in both encodings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 1500 }), { maxLength: 8 }), fc.constantFrom('hex', 'base64url' as const), async (parts, encoding) => {
        const want = createHash('sha256').update(Buffer.concat(parts)).digest(encoding);
        expect(await sha256PartsAsync(parts, encoding)).toBe(want);
      }),
      { numRuns: 200 },
    );
    const parts = [new TextEncoder().encode('ab'), new TextEncoder().encode('c')];
    const digest = vi.spyOn(globalThis.crypto.subtle, 'digest');
    expect(await sha256PartsAsync(parts, 'hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(digest).toHaveBeenCalledTimes(1);
    digest.mockRestore();
    vi.stubGlobal('crypto', undefined);
    try {
      expect(await sha256PartsAsync(parts, 'base64url')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    } finally {
      vi.unstubAllGlobals();
    }
    expect(globalThis.crypto.subtle).toBeDefined();
  });

  it('sha256PartsAsync (WebCrypto) gives node:crypto SHA-256, for any bytes, a view into a larger buffer and shared memory too', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.nat(8), async (data, offset) => {
        const padded = new Uint8Array(data.length + offset + 3);
        padded.set(data, offset);
        const shared = new Uint8Array(new SharedArrayBuffer(data.length));
        shared.set(data);
        const expected = createHash('sha256').update(data).digest('hex');
        for (const input of [data, padded.subarray(offset, offset + data.length), shared]) expect(await sha256PartsAsync([input], 'hex')).toBe(expected);
      }),
      { numRuns: 50 },
    );
  });

  it('base64urlDecode stays strict whichever decoder the runtime has: whitespace, padding, other alphabets and non-canonical bits are malformed_input', () => {
    for (const text of ['AAAA ', ' AAAA', 'AA AA', 'AA\nAA', 'AA\tA', 'AA==', 'AAA=', 'AA+/', 'AA/A', 'AB', 'AAB', 'A', '\u00e9A', 'AA\u3000']) {
      expectCode(() => base64urlDecode(text), 'malformed_input');
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (data) => {
        const text = Buffer.from(data).toString('base64url');
        expect(Buffer.from(base64urlDecode(text)).equals(Buffer.from(data))).toBe(true);
      }),
    );
  });

  it('verifyAsync of a message or signature in shared memory or a view of a larger buffer gives the answer of a plain copy', async () => {
    const kp = KeyPair.generate('Ed25519');
    const message = new TextEncoder().encode('a message in shared memory');
    const signature = kp.sign(message);
    const inShared = (bytes: Uint8Array) => {
      const out = new Uint8Array(new SharedArrayBuffer(bytes.length));
      out.set(bytes);
      return out;
    };
    const inLarger = (bytes: Uint8Array) => {
      const out = new Uint8Array(bytes.length + 10);
      out.set(bytes, 5);
      return out.subarray(5, 5 + bytes.length);
    };
    for (const wrap of [inShared, inLarger]) {
      expect(await kp.publicKey.verifyAsync(wrap(signature), wrap(message))).toBe(true);
      expect(await kp.publicKey.verifyAsync(wrap(signature), wrap(flip(message, 0, 0)))).toBe(false);
    }
  });
});
