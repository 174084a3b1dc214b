import { AgentCard as SdkAgentCard } from '@a2a-js/sdk';
import { ClientFactory } from '@a2a-js/sdk/client';
import { verifyAuditLog } from '@agent-id/core/node';
import { createAgentIdentity, issueOwnershipCredential } from '@agent-id/did';
import { NonceIssuer, createProof } from '@agent-id/http';
import { expectCode } from '@agent-id/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REFUSAL_CODES,
  capabilityMetadata,
  createA2AClientFactory,
  dataMessage,
  dataOf,
  isMessage,
  refusalOfA2AError,
  sendDelegation,
} from '../src/index.js';
import { type AgentServer, type Parties, TASK, USER, agentServer, parties, signerOf, tempLog, tokenFor } from './fixture.js';

let p: Parties;
let s: AgentServer;

beforeAll(async () => {
  p = await parties();
  s = await agentServer(p);
});
afterAll(() => s.close());

function clientOf(agent: Parties['orchestrator'], o: { credential?: string; token?: string } = {}) {
  const factory = createA2AClientFactory({ agent: signerOf(agent), credential: o.credential ?? p.credential(agent), ...(o.token ? { tokenFor: () => o.token } : {}) });
  return factory.createFromAgentCard(SdkAgentCard.fromJSON(s.card));
}

function send(client: Awaited<ReturnType<typeof clientOf>>, data: unknown, metadata?: Record<string, unknown>) {
  return client.sendMessage({ tenant: '', message: dataMessage('user', data, metadata ? { metadata } : {}), configuration: undefined, metadata: undefined });
}

async function replyOf(promise: ReturnType<typeof send>): Promise<Record<string, unknown>> {
  const result = await promise;
  expect(isMessage(result)).toBe(true);
  return dataOf(result as Parameters<typeof dataOf>[0]) as Record<string, unknown>;
}

/** What the SDK client threw, as the server's coded refusal. */
async function refusalOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => expect.fail('the call was accepted'),
    (e: unknown) => e,
  );
  const refusal = refusalOfA2AError(error);
  if (refusal === undefined) expect.fail(`not a coded refusal: ${String(error)}`);
  return refusal;
}

async function records() {
  return (await verifyAuditLog(s.log.path)).map((e) => e.record);
}

describe('an A2A server on the official SDK, every caller authenticated', () => {
  it('accepts an agent with only its ownership credential and a proof, and a delegation addressed to the server by that caller; both sides audit', async () => {
    const client = await clientOf(p.orchestrator);
    const delegated = await tokenFor(p, [p.orchestrator, p.analyst]);
    const clientLog = await tempLog('client-audit');
    const { result } = await sendDelegation(client, dataMessage('user', { ask: 'analyse c-42' }), { token: delegated, task: TASK, from: p.orchestrator.did, to: p.analyst.did, audit: clientLog });
    const reply = dataOf(result as Parameters<typeof dataOf>[0]) as Record<string, unknown>;
    expect(reply).toMatchObject({
      caller: { agent: p.orchestrator.did, operator: p.org.did, onBehalfOf: USER, authenticatedBy: 'credential' },
      delegated: { task: TASK, to: p.analyst.did, from: p.orchestrator.did },
      order: { ask: 'analyse c-42' },
    });
    // The server: the authentication, then the delegation, both allowed, naming both principals.
    const [auth, delegation] = (await records()).slice(-2);
    expect(auth).toMatchObject({ decision: 'allow', agent: p.orchestrator.did, onBehalfOf: USER, action: 'SendMessage', resource: 'a2a:/agents/analyst/a2a', verifier: s.endpoint, http: { method: 'POST', path: '/agents/analyst/a2a' } });
    expect(delegation).toMatchObject({ decision: 'allow', agent: p.orchestrator.did, onBehalfOf: USER, task: TASK, action: 'delegate', resource: p.analyst.did, verifier: p.analyst.did });
    expect(delegation!.chain.map((h) => `${h.from}>${h.to}`)).toEqual([`${p.org.did}>${p.orchestrator.did}`, `${p.orchestrator.did}>${p.analyst.did}`]);
    // The client: what it sent, accepted.
    await clientLog.close();
    const sent = (await verifyAuditLog(clientLog.path)).map((e) => e.record);
    expect(sent).toEqual([expect.objectContaining({ decision: 'allow', agent: p.orchestrator.did, action: 'delegate', resource: p.analyst.did, task: TASK, onBehalfOf: USER })]);
    // A second call needs no credential header: the server's cache vouches.
    expect(await replyOf(send(client, { ask: 'again' }))).toMatchObject({ caller: { agent: p.orchestrator.did }, delegated: null });
  });

  it('accepts a capability token for the endpoint, authorizing each JSON-RPC method as an action on it', async () => {
    const token = await tokenFor(p, [p.orchestrator], { resources: ['a2a:/agents/analyst/a2a'], actions: ['SendMessage'], audience: [s.endpoint] });
    const client = await clientOf(p.orchestrator, { token: token.serialize() });
    expect(await replyOf(send(client, { ask: 'with a token' }))).toMatchObject({ caller: { agent: p.orchestrator.did, authenticatedBy: 'capability', onBehalfOf: USER } });
    const last = (await records()).at(-1)!;
    expect(last).toMatchObject({ decision: 'allow', action: 'SendMessage', resource: 'a2a:/agents/analyst/a2a', task: TASK });
    // GetTask is not among the token's actions: 403 insufficient_scope, surfaced as a coded JSON-RPC error.
    const refused = await refusalOf(client.getTask({ tenant: '', id: 'task-x', historyLength: undefined }));
    expect({ code: refused.code, check: refused.check }).toEqual({ code: 'denied', check: 'actions' });
  });

  it('refuses an unauthenticated caller: the stock SDK client gets 401 with a DPoP challenge', async () => {
    const stock = await new ClientFactory().createFromAgentCard(SdkAgentCard.fromJSON(s.card));
    await expect(send(stock, { ask: 'anyone?' })).rejects.toThrow(/401/);
    const raw = await fetch(s.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: {} }) });
    expect(raw.status).toBe(401);
    expect(raw.headers.get('www-authenticate')).toBe(`DPoP algs="EdDSA ES256 ES256K", resource_metadata="${s.guard.metadataUrl}"`);
    expect(await raw.json()).toMatchObject({ code: 'credential_required', check: 'authorization' });
    const metadata = await (await fetch(s.guard.metadataUrl)).json();
    expect(metadata).toMatchObject({ resource: s.endpoint, dpop_bound_access_tokens_required: true, agent_id_trusted_issuers: [p.org.did] });
    expect((await records()).at(-1)).toMatchObject({ decision: 'deny', code: 'credential_required', agent: 'unverified' });
  });

  it("refuses a caller whose proof is another agent's: with a credential, and with a token", async () => {
    // Mallory signs the proof but presents the orchestrator's credential.
    const impostor = await createA2AClientFactory({ agent: signerOf(p.mallory), credential: p.credential(p.orchestrator) }).createFromAgentCard(SdkAgentCard.fromJSON(s.card));
    const byCredential = await refusalOf(send(impostor, { ask: 'as the orchestrator' }));
    expect({ code: byCredential.code, check: byCredential.check }).toEqual({ code: 'wrong_subject', check: 'subject' });
    // Mallory presents the orchestrator's token for the endpoint with its own proof and credential.
    const token = (await tokenFor(p, [p.orchestrator], { resources: ['a2a:/agents/analyst/a2a'], actions: ['SendMessage'], audience: [s.endpoint] })).serialize();
    const withToken = await createA2AClientFactory({ agent: signerOf(p.mallory), credential: p.credential(p.mallory), tokenFor: () => token }).createFromAgentCard(SdkAgentCard.fromJSON(s.card));
    const byToken = await refusalOf(send(withToken, { ask: 'with a stolen token' }));
    expect(byToken.code).toBe('holder_mismatch');
    // Over raw HTTP: 401, WWW-Authenticate invalid_token.
    const credential = p.credential(p.orchestrator);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'SendMessage', params: { message: {} } });
    const raw = await fetch(s.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `DPoP ${credential}`, dpop: createProof(signerOf(p.mallory), { method: 'POST', url: s.endpoint, token: credential }) },
      body,
    });
    expect(raw.status).toBe(401);
    expect(raw.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await raw.json()).toMatchObject({ code: 'wrong_subject' });
    expect((await records()).at(-1)).toMatchObject({ decision: 'deny', code: 'wrong_subject', agent: p.mallory.did });
  });

  it('refuses a delegation addressed to another agent, and one whose last hop someone other than the caller made; both sides audit the refusal', async () => {
    const clientLog = await tempLog('client-audit');
    const toOther = await tokenFor(p, [p.orchestrator, p.writer]);
    const client = await clientOf(p.orchestrator);
    const misaddressed = await expectCode(
      sendDelegation(client, dataMessage('user', { ask: 'x' }), { token: toOther, task: TASK, from: p.orchestrator.did, to: p.analyst.did, audit: clientLog }),
      'holder_mismatch',
      'delegation_to',
    );
    expect(misaddressed.message).toContain('addressed to another agent');
    expect((await records()).at(-1)).toMatchObject({ decision: 'deny', code: 'holder_mismatch', agent: p.orchestrator.did, action: 'delegate', resource: p.analyst.did, task: TASK });
    // The orchestrator's hop to the analyst, handed on by mallory.
    const relayed = await tokenFor(p, [p.orchestrator, p.analyst]);
    const mallory = await clientOf(p.mallory);
    await expectCode(sendDelegation(mallory, dataMessage('user', { ask: 'y' }), { token: relayed, task: TASK, from: p.mallory.did, to: p.analyst.did, audit: clientLog }), 'holder_mismatch', 'delegation_from');
    expect((await records()).at(-1)).toMatchObject({ decision: 'deny', code: 'holder_mismatch', agent: p.mallory.did });
    await clientLog.close();
    const sent = (await verifyAuditLog(clientLog.path)).map((e) => e.record);
    expect(sent.map((r) => [r.decision, r.code, r.agent])).toEqual([
      ['deny', 'holder_mismatch', p.orchestrator.did],
      ['deny', 'holder_mismatch', p.mallory.did],
    ]);
    // On the wire: a JSON-RPC error, code -31403, ErrorInfo with code and check.
    const credential = p.credential(p.orchestrator);
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 'r1',
      method: 'SendMessage',
      params: { message: { messageId: 'm1', role: 'ROLE_USER', parts: [{ text: 'hi' }], metadata: capabilityMetadata(toOther, TASK) } },
    });
    const raw = await fetch(s.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `DPoP ${credential}`, dpop: createProof(signerOf(p.orchestrator), { method: 'POST', url: s.endpoint, token: credential }) },
      body,
    });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toEqual({
      jsonrpc: '2.0',
      id: 'r1',
      error: {
        code: REFUSAL_CODES.permissionDenied,
        message: 'delegation refused: the delegated token is addressed to another agent',
        data: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'HOLDER_MISMATCH', domain: 'agent-id', metadata: { code: 'holder_mismatch', check: 'delegation_to' } }],
      },
    });
  });

  it('refuses a delegation for another task than the message names, an expired one, and one whose chain is revoked', async () => {
    const client = await clientOf(p.orchestrator);
    const token = await tokenFor(p, [p.orchestrator, p.analyst]);
    const wrongTask = await refusalOf(send(client, { ask: 'x' }, capabilityMetadata(token, 'task-2')));
    expect([wrongTask.code, wrongTask.check]).toEqual(['wrong_task', 'task']);
    const expired = await tokenFor(p, [p.orchestrator, p.analyst], { expiresAt: Math.floor(Date.now() / 1000) - 5 });
    const old = await refusalOf(send(client, { ask: 'x' }, capabilityMetadata(expired, TASK)));
    expect([old.code, old.check]).toEqual(['expired', 'expiry']);
    const fresh = await tokenFor(p, [p.orchestrator, p.writer, p.analyst]);
    await s.revocations.revoke({ kind: 'agent', did: p.writer.did });
    const writer = await clientOf(p.writer);
    const revoked = await refusalOf(send(writer, { ask: 'x' }, capabilityMetadata(fresh, TASK)));
    expect([revoked.code, revoked.check]).toEqual(['revoked', 'revocation_agent']);
  });

  it('refuses a credential from an untrusted organisation and a revoked agent; a nonce challenge is met by one retry', async () => {
    const stranger = createAgentIdentity();
    const foreign = await issueOwnershipCredential(stranger, { agent: p.mallory.did });
    const outsider = await createA2AClientFactory({ agent: signerOf(p.mallory), credential: foreign }).createFromAgentCard(SdkAgentCard.fromJSON(s.card));
    const untrusted = await refusalOf(send(outsider, { ask: 'x' }));
    expect(untrusted.code).toBe('untrusted_issuer');
    const retired = createAgentIdentity();
    const retiredCredential = await issueOwnershipCredential(p.org, { agent: retired.did, onBehalfOf: USER });
    await s.revocations.revoke({ kind: 'agent', did: retired.did });
    const revoked = await refusalOf(send(await clientOf(retired, { credential: retiredCredential }), { ask: 'x' }));
    expect([revoked.code, revoked.check]).toEqual(['revoked', 'revocation_agent']);
    const n = await agentServer(p, { nonces: new NonceIssuer({ lifetimeSec: 60 }) });
    try {
      const client = await createA2AClientFactory({ agent: signerOf(p.orchestrator), credential: p.credential(p.orchestrator) }).createFromAgentCard(SdkAgentCard.fromJSON(n.card));
      expect(await replyOf(send(client, { ask: 'with a nonce' }))).toMatchObject({ caller: { agent: p.orchestrator.did } });
      const credential = p.credential(p.orchestrator);
      const raw = await fetch(n.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `DPoP ${credential}`, dpop: createProof(signerOf(p.orchestrator), { method: 'POST', url: n.endpoint, token: credential }) },
        body: '{"jsonrpc":"2.0","id":1,"method":"GetTask","params":{"id":"t"}}',
      });
      expect(raw.status).toBe(401);
      expect(raw.headers.get('www-authenticate')).toContain('error="use_dpop_nonce"');
      expect(raw.headers.get('dpop-nonce')).toBeTruthy();
      expect(await raw.json()).toMatchObject({ code: 'nonce_required' });
    } finally {
      await n.close();
    }
  });

  it('checks a delegation in a streamed message (SendStreamingMessage) the same way', async () => {
    const client = await clientOf(p.orchestrator);
    const stream = (token: Awaited<ReturnType<typeof tokenFor>>) =>
      client.sendMessageStream({ tenant: '', message: dataMessage('user', { ask: 'stream' }, { metadata: capabilityMetadata(token, TASK) }), configuration: undefined, metadata: undefined });
    const events = [];
    for await (const event of stream(await tokenFor(p, [p.orchestrator, p.analyst]))) events.push(event);
    expect(events.length).toBeGreaterThan(0);
    expect((await records()).at(-1)).toMatchObject({ decision: 'allow', action: 'delegate', http: { method: 'POST', path: '/agents/analyst/a2a' } });
    const misaddressed = stream(await tokenFor(p, [p.orchestrator, p.mallory]));
    const refusal = await refusalOf(misaddressed.next());
    expect([refusal.code, refusal.check]).toEqual(['holder_mismatch', 'delegation_to']);
  });

  it('accepts a proof once: a replayed request is refused', async () => {
    const credential = p.credential(p.orchestrator);
    const proof = createProof(signerOf(p.orchestrator), { method: 'POST', url: s.endpoint, token: credential });
    const request = () =>
      fetch(s.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `DPoP ${credential}`, dpop: proof },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 'none' } }),
      });
    const results = await Promise.all([request(), request(), request(), request()]);
    const bodies = await Promise.all(results.map((r) => r.json() as Promise<Record<string, unknown>>));
    // One passes authentication (and meets the SDK's TaskNotFound); the others are replays.
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(bodies.filter((b) => b.code === 'replayed')).toHaveLength(3);
  });
});
