import { KEY_TYPES, KeyPair } from '@agent-id/core';
import { multibaseEncode } from '@agent-id/core/internal';
import { Resolver } from 'did-resolver';
import { getResolver } from 'key-did-resolver';
import { describe, expect, it } from 'vitest';
import { createAgentIdentity, createDidResolver, didKeyDocument, didKeyFromPublicKey, publicKeyFromDidKey, publicKeyFromVerificationMethod } from '../src/index.js';
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

  it.each([...KEY_TYPES])('%s: our did:key documents are the ones key-did-resolver gives', async (type) => {
    const resolver = createDidResolver({ cacheTtlMs: 0 });
    // key-did-resolver 4 drops leading zero bytes of P-256 JWK coordinates; ours keep RFC
    // 7518's full 32 bytes, so theirs are padded back before comparing.
    const pad = (c: string) => Buffer.concat([Buffer.alloc(32), Buffer.from(c, 'base64url')]).subarray(-32).toString('base64url');
    for (let i = 0; i < 24; i++) {
      const did = didKeyFromPublicKey(KeyPair.generate(type).publicKey);
      const theirs = (await independent.resolve(did)).didDocument as unknown as Record<string, unknown>;
      const vm = (theirs.verificationMethod as { publicKeyJwk?: { x: string; y: string } }[])[0]!;
      if (vm.publicKeyJwk) vm.publicKeyJwk = { ...vm.publicKeyJwk, x: pad(vm.publicKeyJwk.x), y: pad(vm.publicKeyJwk.y) };
      expect(didKeyDocument(did)).toStrictEqual(theirs);
      expect(await resolver.resolve(did)).toStrictEqual(theirs);
    }
  });

  it('builds the document of the did:key specification example, X25519 key agreement included', () => {
    const did = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    const doc = didKeyDocument(`${did}#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK`);
    expect(doc.id).toBe(did);
    expect(doc.verificationMethod).toMatchObject([{ id: `${did}#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK`, type: 'Ed25519VerificationKey2018', controller: did }]);
    // The X25519 key the did:key specification's example lists for this DID.
    expect(doc.keyAgreement).toMatchObject([
      { id: `${did}#z6LSj72tK8brWgZja8NLRwPigth2T9QRiG1uH9oKZuKjdh9p`, type: 'X25519KeyAgreementKey2019', controller: did },
    ]);
  });

  it('refuses a malformed, non-canonical or unsupported did:key with a code', () => {
    expectCode(() => didKeyDocument('did:key:zzz'), 'malformed_input');
    expectCode(() => didKeyDocument('did:web:acme.example'), 'unknown_did');
    for (const junk of [undefined, null, 42, {}, []]) expectCode(() => didKeyDocument(junk as unknown as string), 'malformed_input');
    // P-384 (0x1201): key-did-resolver knows it; agent-id keys are Ed25519, P-256, secp256k1.
    const p384 = `did:key:${multibaseEncode(new Uint8Array([0x81, 0x24, 0x02, ...new Uint8Array(48).fill(7)]))}`;
    expectCode(() => didKeyDocument(p384), 'unsupported_algorithm');
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
