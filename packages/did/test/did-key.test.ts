import { KEY_TYPES, KeyPair } from '@agent-id/core';
import { multibaseEncode } from '@agent-id/core/internal';
import { Resolver } from 'did-resolver';
import { getResolver } from 'key-did-resolver';
import { describe, expect, it } from 'vitest';
import { createAgentIdentity, createDidResolver, didKeyFromPublicKey, publicKeyFromDidKey, publicKeyFromVerificationMethod } from '../src/index.js';
import { expectCode } from '@agent-id/test-support';

const independent = new Resolver(getResolver());

describe('did:key', () => {
  it.each([...KEY_TYPES])('%s: our did:key resolves with key-did-resolver to the same key', async (type) => {
    const kp = KeyPair.generate(type);
    const did = didKeyFromPublicKey(kp.publicKey);
    expect(did).toMatch({ Ed25519: /^did:key:z6Mk/, 'P-256': /^did:key:zDn/, secp256k1: /^did:key:zQ3s/ }[type]);
    const result = await independent.resolve(did);
    const vm = result.didDocument?.verificationMethod?.[0];
    // key-did-resolver 4 drops leading zero bytes of P-256 JWK coordinates (RFC 7518 wants
    // them full length); pad them back before comparing.
    const jwk = vm?.publicKeyJwk as { x?: string; y?: string } | undefined;
    const pad = (c: string) => Buffer.concat([Buffer.alloc(32), Buffer.from(c, 'base64url')]).subarray(-32).toString('base64url');
    const fixed = jwk?.x && jwk.y ? { ...vm, publicKeyJwk: { ...jwk, x: pad(jwk.x), y: pad(jwk.y) } } : vm;
    expect(publicKeyFromVerificationMethod(fixed).equals(kp.publicKey)).toBe(true);
    expect(publicKeyFromDidKey(did).equals(kp.publicKey)).toBe(true);
  });

  it('resolves P-256 did:keys whose coordinates start with a zero byte', async () => {
    let kp = KeyPair.generate('P-256');
    const leadingZero = (k: KeyPair) => {
      const { x, y } = k.publicKey.toJwk() as { x: string; y: string };
      return Buffer.from(x, 'base64url')[0] === 0 || Buffer.from(y, 'base64url')[0] === 0;
    };
    while (!leadingZero(kp)) kp = KeyPair.generate('P-256');
    const did = didKeyFromPublicKey(kp.publicKey);
    const key = await createDidResolver().resolveKey(`${did}#${did.slice('did:key:'.length)}`, 'assertionMethod');
    expect(key.publicKey.equals(kp.publicKey)).toBe(true);
  });

  it('decodes the did:key specification example', () => {
    const key = publicKeyFromDidKey('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK');
    expect(key.type).toBe('Ed25519');
    expect(key.toMultibase()).toBe('z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK');
  });

  it('identities: did:key with a key id that resolves for every relationship', async () => {
    const resolver = createDidResolver();
    for (const keyType of KEY_TYPES) {
      const agent = createAgentIdentity({ keyType });
      for (const rel of ['authentication', 'assertionMethod', 'capabilityDelegation', 'capabilityInvocation'] as const) {
        const { publicKey } = await resolver.resolveKey(agent.keyId, rel);
        expect(publicKey.equals(agent.keyPair.publicKey)).toBe(true);
      }
    }
  });

  it('refuses malformed and foreign identifiers with codes', async () => {
    await expectCode(() => publicKeyFromDidKey('did:key:zzzz'), 'malformed_input');
    await expectCode(() => publicKeyFromDidKey('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2do0'), 'malformed_input');
    await expectCode(() => publicKeyFromDidKey('did:web:example.com'), 'unknown_did');
    // One key, one DID: the uncompressed encoding of a P-256 key is refused.
    const p256 = KeyPair.generate('P-256').publicKey;
    const jwk = p256.toJwk() as { x: string; y: string };
    const uncompressed = new Uint8Array([0x80, 0x24, 4, ...Buffer.from(jwk.x, 'base64url'), ...Buffer.from(jwk.y, 'base64url')]);
    await expectCode(() => publicKeyFromDidKey(`did:key:${multibaseEncode(uncompressed)}`), 'malformed_input', 'did_syntax');
    // A valid base58 value with an unsupported multicodec (X25519, 0xec01).
    const x25519 = multibaseEncode(new Uint8Array([0xec, 0x01, ...KeyPair.generate().publicKey.bytes]));
    await expectCode(() => publicKeyFromDidKey(`did:key:${x25519}`), 'unsupported_algorithm');
    const resolver = createDidResolver();
    await expectCode(resolver.resolve('did:key:zzzz'), 'malformed_input');
    await expectCode(resolver.resolve('did:example:123'), 'unknown_did');
    await expectCode(resolver.resolve('not a did'), 'malformed_input');
  });
});
