import { createHash, randomUUID } from 'node:crypto';
import { PublicKey } from '@agent-id/core';
import { didKeyFromPublicKey, issueOwnershipCredential } from '@agent-id/did';
import { createProof } from '@agent-id/http';
import { SignJWT, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentServer, type Parties, USER, agentServer, parties, signerOf } from './fixture.js';

let p: Parties;
let s: AgentServer;

beforeAll(async () => {
  p = await parties();
  s = await agentServer(p);
});
afterAll(() => s.close());

const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] } } });

describe('proofs interoperate with jose, an implementation that is not ours', () => {
  it('accepts a credential-only call whose proof jose made (key named by its jwk: the did:key of that key)', async () => {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const jwk = await exportJWK(publicKey);
    const did = didKeyFromPublicKey(PublicKey.fromJwk(jwk));
    const credential = await issueOwnershipCredential(p.org, { agent: did, onBehalfOf: USER });
    const proof = await new SignJWT({
      htm: 'POST',
      htu: s.endpoint,
      jti: randomUUID(),
      ath: createHash('sha256').update(credential).digest('base64url'),
    })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'dpop+jwt', jwk })
      .setIssuedAt()
      .sign(privateKey);
    const response = await fetch(s.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `DPoP ${credential}`, dpop: proof },
      body,
    });
    expect(await response.json()).toMatchObject({ id: 1, result: { message: { role: 'ROLE_AGENT' } } });
  });

  it('our proof for an A2A call verifies with jose against the jwk it carries', async () => {
    const credential = p.credential(p.orchestrator);
    const proof = createProof(signerOf(p.orchestrator), { method: 'POST', url: s.endpoint, token: credential });
    const header = decodeProtectedHeader(proof);
    expect(header).toMatchObject({ typ: 'dpop+jwt', alg: 'EdDSA', kid: p.orchestrator.keyId });
    const { payload } = await jwtVerify(proof, await importJWK(header.jwk!, 'EdDSA'), { typ: 'dpop+jwt' });
    expect(payload).toMatchObject({ htm: 'POST', htu: s.endpoint, ath: createHash('sha256').update(credential).digest('base64url') });
  });
});
