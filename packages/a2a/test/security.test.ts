import { AgentCard as SdkAgentCard, verifyAgentCardSignature } from '@a2a-js/sdk';
import { signAgentCard } from '@agent-id/a2a-cards';
import { createProof } from '@agent-id/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPABILITY_SCHEME, CREDENTIAL_SCHEME, HTTP_AUTH_SCHEME } from '../src/index.js';
import { type AgentServer, type Parties, agentServer, parties, signerOf, tokenFor } from './fixture.js';

let p: Parties;
let open: AgentServer;
let tokensOnly: AgentServer;

beforeAll(async () => {
  p = await parties();
  open = await agentServer(p);
  tokensOnly = await agentServer(p, { acceptCredentialOnly: false });
});
afterAll(async () => {
  await open.close();
  await tokensOnly.close();
});

interface WireScheme {
  httpAuthSecurityScheme?: { scheme: string; bearerFormat?: string; description?: string };
}
interface WireCard {
  securitySchemes?: Record<string, WireScheme>;
  securityRequirements?: { schemes?: Record<string, unknown> }[];
}

/** The card as a client meets it: fetched from the server, and read by the SDK too. */
async function servedCard(s: AgentServer): Promise<WireCard> {
  const json = (await (await fetch(s.cardUrl)).json()) as WireCard;
  expect(SdkAgentCard.fromJSON(json).securityRequirements.length).toBe(json.securityRequirements?.length);
  return json;
}

/** A request built only from what the card declares for one scheme: `Authorization: <scheme> <credential>` and the proof. */
async function callAsDeclared(s: AgentServer, scheme: WireScheme, credential: string, signer = signerOf(p.orchestrator)) {
  const http = scheme.httpAuthSecurityScheme!;
  return fetch(s.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'a2a-version': '1.0',
      authorization: `${http.scheme} ${credential}`,
      [http.scheme.toLowerCase()]: createProof(signer, { method: 'POST', url: s.endpoint, token: credential }),
      'agent-credential': p.credential(p.orchestrator),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] } } }),
  });
}

describe("the card's declared scheme is what the server enforces", () => {
  it('declares HTTP DPoP authentication, by capability token or by ownership credential, each a requirement of its own', async () => {
    const card = await servedCard(open);
    expect(Object.keys(card.securitySchemes ?? {}).sort()).toEqual([CAPABILITY_SCHEME, CREDENTIAL_SCHEME].sort());
    for (const scheme of Object.values(card.securitySchemes ?? {})) {
      expect(scheme.httpAuthSecurityScheme?.scheme).toBe(HTTP_AUTH_SCHEME);
      expect(scheme.httpAuthSecurityScheme?.description).toContain(open.guard.metadataUrl);
    }
    expect(card.securityRequirements?.map((r) => Object.keys(r.schemes ?? {}))).toEqual([[CAPABILITY_SCHEME], [CREDENTIAL_SCHEME]]);
    // Role names: the organisations whose agents are accepted.
    expect(card.securityRequirements?.map((r) => Object.values(r.schemes ?? {}))).toEqual([[{ list: [p.org.did] }], [{ list: [p.org.did] }]]);
  });

  it('the declaration survives signing: a card signed with @agent-id/a2a-cards carries it, and the SDK verifies the signature', async () => {
    const signed = signAgentCard(open.card, p.analyst);
    expect(signed.securityRequirements).toEqual(open.card.securityRequirements);
    const jwk = p.analyst.keyPair.publicKey.toJwk();
    // The SDK's verifier takes the card in its JSON form, as fetched.
    await verifyAgentCardSignature(async () => jwk)(signed as never);
    await expect(verifyAgentCardSignature(async () => jwk)({ ...signed, securityRequirements: [] } as never)).rejects.toThrow();
  });

  it('each declared requirement, followed as declared, is accepted; the challenge names the declared scheme', async () => {
    const card = await servedCard(open);
    const token = (await tokenFor(p, [p.orchestrator], { resources: ['a2a:/agents/analyst/a2a'], actions: ['SendMessage'], audience: [open.endpoint] })).serialize();
    const byToken = await callAsDeclared(open, card.securitySchemes![CAPABILITY_SCHEME]!, token);
    expect(byToken.status).toBe(200);
    expect(await byToken.json()).toMatchObject({ jsonrpc: '2.0', id: 1, result: { message: { role: 'ROLE_AGENT' } } });
    const byCredential = await callAsDeclared(open, card.securitySchemes![CREDENTIAL_SCHEME]!, p.credential(p.orchestrator));
    expect(await byCredential.json()).toMatchObject({ id: 1, result: { message: { role: 'ROLE_AGENT' } } });
    // Nothing declared, nothing accepted: the challenge's auth-scheme is the declared one.
    const none = await fetch(open.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{}}' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')?.split(' ')[0]).toBe(card.securitySchemes![CAPABILITY_SCHEME]!.httpAuthSecurityScheme!.scheme);
    // An undeclared scheme (Bearer) with the same token is refused.
    const bearer = await fetch(open.endpoint, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{}}' });
    expect(bearer.status).toBe(401);
    expect(await bearer.json()).toMatchObject({ code: 'signature_required', check: 'proof' });
  });

  it('a server that takes tokens only declares only the capability scheme, and refuses the credential alone', async () => {
    const card = await servedCard(tokensOnly);
    expect(Object.keys(card.securitySchemes ?? {})).toEqual([CAPABILITY_SCHEME]);
    expect(card.securityRequirements?.map((r) => Object.keys(r.schemes ?? {}))).toEqual([[CAPABILITY_SCHEME]]);
    // What the open server's card declared as a credential scheme is refused here.
    const refused = await callAsDeclared(tokensOnly, (await servedCard(open)).securitySchemes![CREDENTIAL_SCHEME]!, p.credential(p.orchestrator));
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await refused.json()).toMatchObject({ code: 'denied', check: 'credential_only' });
    const token = (await tokenFor(p, [p.orchestrator], { resources: ['a2a:/agents/analyst/a2a'], actions: ['SendMessage'], audience: [tokensOnly.endpoint] })).serialize();
    const accepted = await callAsDeclared(tokensOnly, card.securitySchemes![CAPABILITY_SCHEME]!, token);
    expect(await accepted.json()).toMatchObject({ id: 1, result: { message: { role: 'ROLE_AGENT' } } });
  });
});
