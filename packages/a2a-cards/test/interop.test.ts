import { canonicalizeAgentCard as sdkCanonicalize, generateAgentCardSignature, verifyAgentCardSignature } from '@a2a-js/sdk';
import { KeyPair, type KeyType, base64urlEncode } from '@agent-id/core';
import { createAgentIdentity, createDidResolver } from '@agent-id/did';
import * as fc from 'fast-check';
import * as jose from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { type AgentCard, canonicalizeAgentCard, signAgentCard, verifyAgentCard } from '../src/index.js';
import { expectCode } from '@agent-id/test-support';
import { decodeHeader, makeCard } from './helpers.js';

const resolver = createDidResolver();
const ORIGIN = 'https://acme.example';
const trust = (did: string) => ({ signers: [{ did, hosts: ['acme.example'] }] });
const sdkCard = (card: AgentCard) => card as never;
const josePublic = (kp: KeyPair) => jose.importJWK({ ...kp.publicKey.toJwk() }, kp.algorithm);
const josePrivate = (kp: KeyPair) => jose.importJWK({ ...kp.exportPrivateJwk() }, kp.algorithm);
vi.spyOn(console, 'debug').mockImplementation(() => {});

describe('canonical form equals @a2a-js/sdk canonicalizeAgentCard', () => {
  it('on a full card, on empties, aliases and oneofs', () => {
    const cards: unknown[] = [
      makeCard(ORIGIN),
      { ...makeCard(ORIGIN), description: '', skills: [], extra: { a: 1 }, capabilities: { streaming: false, extensions: [{ uri: 'u', required: false, params: { a: null, b: [1, '', null], c: { d: '' }, e: 0 } }] } },
      { name: 'x', supported_interfaces: [{ url: 'https://a', protocol_binding: 'GRPC' }], security_schemes: { k: { api_key_security_scheme: { location: 'header', name: 'X' } } } },
      { name: 'x', securitySchemes: { o: { oauth2SecurityScheme: { flows: { clientCredentials: { tokenUrl: 'https://t', scopes: { a: 'A', b: '' } }, implicit: { authorizationUrl: 'https://i' } } } }, m: { mtlsSecurityScheme: {} } } },
      { name: 'x', documentationUrl: '', iconUrl: 'https://i', capabilities: { extendedAgentCard: false } },
    ];
    for (const card of cards) expect(canonicalizeAgentCard(card)).toBe(sdkCanonicalize(card as never));
  });
});

describe('@a2a-js/sdk interop', () => {
  for (const keyType of ['Ed25519', 'P-256'] as KeyType[]) {
    it(`${keyType}: cards we sign pass the SDK's verifyAgentCardSignature`, async () => {
      const id = createAgentIdentity({ keyType });
      const card = signAgentCard(makeCard(ORIGIN), id);
      expect(decodeHeader(card.signatures![0]!.protected)).toEqual({ kid: id.keyId, typ: 'JOSE', alg: id.keyPair.algorithm });
      const seen: string[] = [];
      await verifyAgentCardSignature(async (kid) => {
        seen.push(kid);
        return (await resolver.resolveKey(kid, 'assertionMethod')).publicKey.toJwk();
      })(sdkCard(card));
      expect(seen).toEqual([id.keyId]);
      await expect(verifyAgentCardSignature(async () => id.keyPair.publicKey.toJwk())(sdkCard({ ...card, name: 'other' }))).rejects.toThrow();
    });

    it(`${keyType}: cards the SDK signs pass verifyAgentCard`, async () => {
      const id = createAgentIdentity({ keyType });
      const sign = generateAgentCardSignature(await josePrivate(id.keyPair), { alg: id.keyPair.algorithm, kid: id.keyId, typ: 'JOSE' });
      const card = (await sign(sdkCard(makeCard(ORIGIN)))) as unknown as AgentCard;
      const v = await verifyAgentCard(card, resolver, trust(id.did));
      expect(v.signers).toEqual([{ source: 'did', did: id.did, keyId: id.keyId, alg: id.keyPair.algorithm, rule: 'signers[0]', readings: ['prune-empty', 'rule-1-as-written'] }]);
      await expectCode(verifyAgentCard({ ...card, version: '9' }, resolver, trust(id.did)), 'invalid_signature');
    });
  }

  it('an SDK-signed card with a field outside the schema: the SDK ignores tampering with it; we refuse or report it', async () => {
    const id = createAgentIdentity();
    const sign = generateAgentCardSignature(await josePrivate(id.keyPair), { alg: 'EdDSA', kid: id.keyId, typ: 'JOSE' });
    const card = (await sign(sdkCard({ ...makeCard(ORIGIN), url: 'https://acme.example/a2a' } as AgentCard))) as unknown as AgentCard;
    const tampered = { ...card, url: 'https://evil.example/a2a' };
    await verifyAgentCardSignature(async () => id.keyPair.publicKey.toJwk())(sdkCard(tampered));
    await expectCode(verifyAgentCard(tampered, resolver, trust(id.did)), 'malformed_input', 'unsigned_fields');
    const v = await verifyAgentCard(tampered, resolver, { ...trust(id.did), unsignedFields: 'ignore' });
    expect(v.unsignedFields).toEqual(['$.url']);
    expect(v.card).not.toHaveProperty('url');
  });

  it('several signatures (agent + organisation) all pass the SDK and us', async () => {
    const agent = createAgentIdentity({ keyType: 'P-256' });
    const org = createAgentIdentity();
    const card = signAgentCard(signAgentCard(makeCard(ORIGIN), agent), org);
    for (const who of [agent, org]) {
      await verifyAgentCardSignature(async () => who.keyPair.publicKey.toJwk())(sdkCard({ ...card, signatures: card.signatures!.filter((s) => decodeHeader(s.protected).kid === who.keyId) }));
    }
    const v = await verifyAgentCard(card, resolver, { signers: [{ did: agent.did, hosts: ['*'] }, { did: org.did, hosts: ['*'] }], minTrustedSigners: 2 });
    expect(v.signers).toHaveLength(2);
  });

  it('ES256K signs and verifies here (jose 6 and the SDK have no secp256k1)', async () => {
    const id = createAgentIdentity({ keyType: 'secp256k1' });
    const v = await verifyAgentCard(signAgentCard(makeCard(ORIGIN), id), resolver, trust(id.did));
    expect(v.signers[0]?.alg).toBe('ES256K');
  });
});

describe('jose interop (flattened JWS, detached payload)', () => {
  for (const keyType of ['Ed25519', 'P-256'] as KeyType[]) {
    it(`${keyType}: our signature verifies with jose.flattenedVerify`, async () => {
      const id = createAgentIdentity({ keyType });
      const card = signAgentCard(makeCard(ORIGIN), id);
      const sig = card.signatures![0]!;
      const payload = base64urlEncode(canonicalizeAgentCard(card));
      const out = await jose.flattenedVerify({ payload, protected: sig.protected, signature: sig.signature }, await josePublic(id.keyPair), {
        algorithms: [id.keyPair.algorithm],
      });
      expect(out.protectedHeader).toMatchObject({ kid: id.keyId, typ: 'JOSE' });
      await expect(
        jose.flattenedVerify({ payload: base64urlEncode(canonicalizeAgentCard({ ...card, name: 'x' })), protected: sig.protected, signature: sig.signature }, await josePublic(id.keyPair)),
      ).rejects.toThrow();
    });

    it(`${keyType}: a jose FlattenedSign signature verifies here`, async () => {
      const id = createAgentIdentity({ keyType });
      const card = makeCard(ORIGIN);
      const jws = await new jose.FlattenedSign(new TextEncoder().encode(canonicalizeAgentCard(card)))
        .setProtectedHeader({ alg: id.keyPair.algorithm, kid: id.keyId, typ: 'JOSE' })
        .sign(await josePrivate(id.keyPair));
      const v = await verifyAgentCard({ ...card, signatures: [{ protected: jws.protected!, signature: jws.signature }] }, resolver, trust(id.did));
      expect(v.signers[0]?.keyId).toBe(id.keyId);
    });
  }
});

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function shuffleKeys(value: Json, seed: number): Json {
  if (Array.isArray(value)) return value.map((v, i) => shuffleKeys(v, seed + i + 1));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  let s = seed;
  for (let i = keys.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  return Object.fromEntries(keys.map((k) => [k, shuffleKeys(value[k]!, s + k.length)]));
}

function leafPaths(value: Json, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leafPaths(v, [...path, i]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...path, k]));
  return [path];
}

function mutate(value: Json, path: (string | number)[]): Json {
  const copy = structuredClone(value) as Record<string | number, Json>;
  let target = copy;
  for (const k of path.slice(0, -1)) target = target[k] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  const old = target[last];
  target[last] = typeof old === 'string' ? `${old}x` : typeof old === 'boolean' ? !old : typeof old === 'number' ? old + 1 : 'x';
  return copy as Json;
}

describe('properties', () => {
  const id = createAgentIdentity();
  const signed = signAgentCard(makeCard(ORIGIN), id) as unknown as { [k: string]: Json };
  const { signatures, ...body } = signed;
  const paths = leafPaths(body);

  it('reordering JSON members keeps the signature valid', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), async (seed) => {
        const card = { ...(shuffleKeys(body, seed) as object), signatures };
        const v = await verifyAgentCard(JSON.stringify(card), resolver, trust(id.did));
        expect(v.signers).toHaveLength(1);
      }),
      { numRuns: 100 },
    );
  });

  it('changing any signed value breaks it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: paths.length - 1 }), async (i) => {
        const card = { ...(mutate(body, paths[i]!) as object), signatures };
        await expectCode(verifyAgentCard(card, resolver, { signers: [{ did: id.did, hosts: ['*'] }] }), 'invalid_signature');
      }),
      { numRuns: 150 },
    );
  });

  it('our canonical form equals the SDK one on random cards', () => {
    const str = fc.string({ maxLength: 8 });
    const card = fc.record(
      {
        name: str,
        description: str,
        version: str,
        supportedInterfaces: fc.array(fc.record({ url: str, protocolBinding: str, protocolVersion: str, tenant: str }, { requiredKeys: [] }), { maxLength: 3 }),
        capabilities: fc.record({ streaming: fc.boolean(), pushNotifications: fc.boolean(), extensions: fc.array(fc.record({ uri: str, required: fc.boolean(), params: fc.dictionary(str.filter((k) => k !== '__proto__'), fc.jsonValue({ maxDepth: 2 })) }, { requiredKeys: [] }), { maxLength: 2 }) }, { requiredKeys: [] }),
        skills: fc.array(fc.record({ id: str, name: str, description: str, tags: fc.array(str, { maxLength: 3 }) }, { requiredKeys: [] }), { maxLength: 2 }),
        defaultInputModes: fc.array(str, { maxLength: 2 }),
        iconUrl: str,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(card, (c) => {
        let ours: string;
        try {
          ours = canonicalizeAgentCard(c);
        } catch (e) {
          expect(e).toMatchObject({ code: 'malformed_input' }); // values JSON cannot carry (lone surrogates) are refused here
          return;
        }
        expect(ours).toBe(sdkCanonicalize(c as never));
      }),
      { numRuns: 300 },
    );
  });
});

it('KeyPair import is real (sanity)', () => {
  expect(KeyPair.generate().algorithm).toBe('EdDSA');
});
