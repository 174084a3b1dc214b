import { Bitstring } from '@digitalbazaar/bitstring';
import { Resolver } from 'did-resolver';
import { verifyCredential } from 'did-jwt-vc';
import fc from 'fast-check';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { getResolver } from 'key-did-resolver';
import { describe, expect, it } from 'vitest';
import {
  MemoryStatusListStore,
  STATUS_LIST_MIN_LENGTH,
  StatusList,
  createAgentIdentity,
  decodeStatusList,
  encodeStatusList,
  issueOwnershipCredential,
  issueStatusListCredential,
} from '../src/index.js';

const agent = createAgentIdentity();
const bitOf = (bits: Uint8Array, i: number) => ((bits[i >> 3]! >> (7 - (i & 7))) & 1) === 1;
const payloadOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const indexSets = fc.uniqueArray(fc.integer({ min: 0, max: STATUS_LIST_MIN_LENGTH - 1 }), { maxLength: 300 });

describe('status lists against @digitalbazaar/bitstring', () => {
  it('a list we publish decodes there with the same bits', async () => {
    const org = createAgentIdentity();
    const list = await StatusList.open({ issuer: org, url: 'https://acme.example/status/1', statusPurpose: 'revocation', store: new MemoryStatusListStore() });
    const set = [0, 1, 7, 8, 9, 4242, 131_071];
    for (const i of set) await list.set(i, true);
    const subject = payloadOf(await list.credential()).credentialSubject as { encodedList: string };
    expect(subject.encodedList.startsWith('u')).toBe(true);
    const theirs = new Bitstring({ buffer: await Bitstring.decodeBits({ encoded: subject.encodedList.slice(1) }) });
    expect(theirs.length).toBe(STATUS_LIST_MIN_LENGTH);
    for (let i = 0; i < theirs.length; i++) if (theirs.get(i) !== set.includes(i)) expect.fail(`bit ${i} differs`);
  });

  it('a list they encode is read by us', async () => {
    const theirs = new Bitstring({ length: STATUS_LIST_MIN_LENGTH });
    for (const i of [3, 100, 65_536, 131_070]) theirs.set(i, true);
    const ours = await decodeStatusList(`u${await theirs.encodeBits()}`);
    for (let i = 0; i < STATUS_LIST_MIN_LENGTH; i++) if (bitOf(ours, i) !== theirs.get(i)) expect.fail(`bit ${i} differs`);
  });

  it('random sets of revoked indices round-trip, ours to theirs and back', async () => {
    await fc.assert(
      fc.asyncProperty(indexSets, async (indices) => {
        const bits = new Uint8Array(STATUS_LIST_MIN_LENGTH / 8);
        for (const i of indices) bits[i >> 3]! |= 0x80 >> (i & 7);
        const encoded = await encodeStatusList(bits);
        expect(Buffer.from(await decodeStatusList(encoded)).equals(bits)).toBe(true);
        const theirs = new Bitstring({ buffer: await Bitstring.decodeBits({ encoded: encoded.slice(1) }) });
        expect(indices.every((i) => theirs.get(i))).toBe(true);
        const back = await decodeStatusList(`u${await theirs.encodeBits()}`);
        expect(Buffer.from(back).equals(bits)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});

describe('credentials against independent verifiers', () => {
  it('VCDM 1.1 credentials with status still verify with did-jwt-vc verifyCredential', async () => {
    const org = createAgentIdentity();
    const list = await StatusList.open({ issuer: org, url: 'https://acme.example/status/r', statusPurpose: 'revocation' });
    const jwt = await issueOwnershipCredential(org, { agent: agent.did, onBehalfOf: 'user:alice', status: list });
    // did-jwt-vc bundles its own did-resolver types; the runtime contract is the same.
    const resolver = new Resolver(getResolver()) as unknown as Parameters<typeof verifyCredential>[1];
    const verified = await verifyCredential(jwt, resolver);
    expect(verified.issuer).toBe(org.did);
    expect(verified.verifiableCredential.credentialSubject.id).toBe(agent.did);
    expect(verified.verifiableCredential.credentialStatus).toMatchObject({ type: 'BitstringStatusListEntry', statusPurpose: 'revocation' });
  });

  it('VCDM 2.0 credentials verify with jose jwtVerify and have the VCDM 2.0 shape', async () => {
    for (const keyType of ['Ed25519', 'P-256'] as const) {
      const org = createAgentIdentity({ keyType });
      const store = new MemoryStatusListStore();
      const r = await StatusList.open({ issuer: org, url: 'https://acme.example/status/r', statusPurpose: 'revocation', store });
      const s = await StatusList.open({ issuer: org, url: 'https://acme.example/status/s', statusPurpose: 'suspension', store });
      const jwt = await issueOwnershipCredential(org, { agent: agent.did, onBehalfOf: 'user:alice', dataModel: '2.0', status: [r, s] });
      const key = await importJWK(org.keyPair.publicKey.toJwk(), org.keyPair.algorithm);
      const { payload, protectedHeader } = await jwtVerify(jwt, key, { typ: 'vc+jwt' });
      expect(protectedHeader.kid).toBe(org.keyId);
      assertVcdm2Shape(payload);
      expect(payload.issuer).toBe(org.did);
      // the status list credential itself is a VCDM 2.0 vc+jwt too
      const list = await r.credential();
      expect(decodeProtectedHeader(list).typ).toBe('vc+jwt');
      const listPayload = (await jwtVerify(list, key, { typ: 'vc+jwt' })).payload;
      assertVcdm2Shape(listPayload);
      expect(listPayload.type).toContain('BitstringStatusListCredential');
    }
  });

  it('a list credential signed from a list their library encoded is one we verify', async () => {
    const org = createAgentIdentity();
    const theirs = new Bitstring({ length: STATUS_LIST_MIN_LENGTH });
    theirs.set(12, true);
    const jwt = await issueStatusListCredential(org, { id: 'https://acme.example/status/x', statusPurpose: 'revocation', bits: theirs.bits });
    const subject = payloadOf(jwt).credentialSubject as { encodedList: string };
    expect(new Bitstring({ buffer: await Bitstring.decodeBits({ encoded: subject.encodedList.slice(1) }) }).get(12)).toBe(true);
  });
});

// The VC Data Model 2.0 (W3C Recommendation, 2025-05-15) JSON requirements for a credential:
// §4.3 contexts, §4.4 id, §4.5 types, §4.7 issuer, §4.8 credentialSubject, §4.9 validity
// (XML Schema dateTimeStamp), §4.10 status (objects with a type).
function assertVcdm2Shape(vc: Record<string, unknown>): void {
  const url = (v: unknown) => typeof v === 'string' && URL.canParse(v);
  const dateTimeStamp = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
  expect(Array.isArray(vc['@context'])).toBe(true);
  expect((vc['@context'] as unknown[])[0]).toBe('https://www.w3.org/ns/credentials/v2');
  if (vc.id !== undefined) expect(url(vc.id)).toBe(true);
  const type = Array.isArray(vc.type) ? vc.type : [vc.type];
  expect(type).toContain('VerifiableCredential');
  const issuer = typeof vc.issuer === 'object' && vc.issuer !== null ? (vc.issuer as { id?: unknown }).id : vc.issuer;
  expect(url(issuer)).toBe(true);
  const subjects = Array.isArray(vc.credentialSubject) ? vc.credentialSubject : [vc.credentialSubject];
  for (const s of subjects) {
    expect(typeof s === 'object' && s !== null && Object.keys(s).length > 0).toBe(true);
    if ((s as { id?: unknown }).id !== undefined) expect(url((s as { id: unknown }).id)).toBe(true);
  }
  for (const name of ['validFrom', 'validUntil']) if (vc[name] !== undefined) expect(vc[name]).toMatch(dateTimeStamp);
  expect(vc.issuanceDate).toBeUndefined();
  expect(vc.expirationDate).toBeUndefined();
  if (vc.credentialStatus !== undefined) {
    for (const status of Array.isArray(vc.credentialStatus) ? vc.credentialStatus : [vc.credentialStatus]) {
      expect(typeof status.type).toBe('string');
      if (status.id !== undefined) expect(url(status.id)).toBe(true);
    }
  }
}
