import { verifyAuditLog } from '@agent-id/core/node';
import { createProof, metadataUrlOf } from '@agent-id/http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentTransport } from '../src/index.js';
import { type McpFixture, type Parties, USER, mcpServer, parties, signerOf, tokenFor } from './fixture.js';

let p: Parties;
let s: McpFixture;

beforeAll(async () => {
  p = await parties();
  s = await mcpServer(p);
});
afterAll(() => s.close());

async function connect(token: Awaited<ReturnType<typeof tokenFor>>, who = 0, fixture = s): Promise<Client> {
  const client = new Client({ name: 'agent', version: '1.0.0' });
  await client.connect(createAgentTransport(fixture.url, { agent: signerOf(p.agents[who]!), token, credential: p.credentials[who]! }));
  return client;
}

const INIT = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
const call = (name: string, id: number | string = 1) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: { id: '42' } } });

/** A JSON-RPC POST signed by hand: token, proof by `signer` for `method url`, the credential. */
async function post(body: unknown, o: { token?: string; proof?: string | null; scheme?: string; credential?: string | null; url?: string; headers?: Record<string, string> } = {}) {
  const url = o.url ?? s.url;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...o.headers };
  if (o.token !== undefined) headers.authorization = `${o.scheme ?? 'DPoP'} ${o.token}`;
  if (typeof o.proof === 'string') headers.dpop = o.proof;
  if (typeof o.credential === 'string') headers['agent-credential'] = o.credential;
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {}
  return { status: response.status, challenge: response.headers.get('www-authenticate'), nonce: response.headers.get('dpop-nonce'), body: json, text };
}

/** A hand-signed POST by agent `who` with a fresh, correct proof. */
async function signedPost(body: unknown, token: string, who = 0, extra: Parameters<typeof post>[1] = {}) {
  const proof = createProof(signerOf(p.agents[who]!), { method: 'POST', url: s.url, token });
  return post(body, { token, proof, credential: p.credentials[who]!, ...extra });
}

function textOf(result: unknown): string {
  return ((result as { content: { text: string }[] }).content[0]!).text;
}

describe('an MCP server behind an McpGuard, with the SDK client', () => {
  it('calls an allowed tool; the handler sees agent, user, task, chain and the decision', async () => {
    const token = await tokenFor(p, s.url, {}, 1);
    const client = await connect(token, 1);
    const result = await client.callTool({ name: 'query_orders', arguments: { id: '42' } });
    const seen = JSON.parse(textOf(result)) as Record<string, unknown>;
    // What a handler could log: the agent as clientId, never the token's text.
    expect(seen.clientId).toBe(p.agents[1]!.did);
    expect(seen.authInfo).not.toContain(token.serialize().slice(0, 24));
    expect(seen.authInfo).not.toContain(token.serialize().slice(-24));
    delete seen.authInfo;
    delete seen.clientId;
    expect(seen).toEqual({
      id: '42',
      agent: p.agents[1]!.did,
      onBehalfOf: USER,
      task: 'task-1',
      chain: [p.agents[0]!.did, p.agents[1]!.did],
      decided: 'mcp:orders/tools/query_orders',
    });
    await client.close();
    const records = (await verifyAuditLog(s.log.path)).map((e) => e.record);
    const allow = records.filter((r) => r.action === 'call').at(-1)!;
    expect(allow).toMatchObject({ decision: 'allow', agent: p.agents[1]!.did, onBehalfOf: USER, task: 'task-1', resource: 'mcp:orders/tools/query_orders', http: { method: 'POST', path: '/mcp' } });
    expect(records.some((r) => r.action === 'connect' && r.resource === 'mcp:orders' && r.decision === 'allow')).toBe(true);
  });

  it('lists only the tools, resources and prompts the token allows', async () => {
    const client = await connect(await tokenFor(p, s.url));
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['query_orders']);
    expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(['orders://42']);
    expect((await client.listPrompts()).prompts).toEqual([]);
    expect(await client.readResource({ uri: 'orders://42' })).toMatchObject({ contents: [{ text: '{"id":42}' }] });
    await expect(client.readResource({ uri: 'orders://43' })).rejects.toMatchObject({ code: 403 });
    await client.close();
    const wide = await connect(await tokenFor(p, s.url, { resources: ['mcp:orders', 'mcp:orders/tools/*', 'mcp:orders/prompts/summarize'], actions: ['connect', 'call', 'get'] }));
    expect((await wide.listTools()).tools.map((t) => t.name).sort()).toEqual(['list_refunds', 'query_orders', 'refund_order']);
    expect((await wide.listPrompts()).prompts.map((x) => x.name)).toEqual(['summarize']);
    expect((await wide.listResources()).resources).toEqual([]);
    await wide.close();
  });

  it('refuses a tool the token does not name: 403 insufficient_scope before the SDK sees it, audited', async () => {
    const token = await tokenFor(p, s.url);
    const client = await connect(token);
    const refused = await client.callTool({ name: 'refund_order', arguments: { id: '42' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(StreamableHTTPError);
    expect(refused).toMatchObject({ code: 403 });
    await client.close();
    const raw = await signedPost(call('refund_order'), token.serialize());
    expect(raw).toMatchObject({ status: 403, body: { error: 'insufficient_scope', code: 'denied', check: 'resources', required: { action: 'call', resource: 'mcp:orders/tools/refund_order' } } });
    expect(raw.challenge).toContain('error="insufficient_scope"');
    expect(raw.challenge).toContain(`resource_metadata="${metadataUrlOf(s.url)}"`);
    expect(s.ran.get('refund_order')).toBeUndefined();
    const denied = (await verifyAuditLog(s.log.path)).map((e) => e.record).filter((r) => r.decision === 'deny' && r.resource === 'mcp:orders/tools/refund_order');
    expect(denied.length).toBeGreaterThanOrEqual(2);
    expect(denied[0]).toMatchObject({ agent: p.agents[0]!.did, onBehalfOf: USER, code: 'denied' });
  });

  it('a batch is audited once decided: a record for each message of an allowed batch, only the refusal of a refused one', async () => {
    const token = (await tokenFor(p, s.url)).serialize();
    const records = async () => (await verifyAuditLog(s.log.path)).map((e) => e.record);
    const start = (await records()).length;
    // Allowed, then refused: no allow record for the first call, which never ran.
    const refused = await signedPost([call('query_orders', 1), { jsonrpc: '2.0', method: 'notifications/initialized' }, call('refund_order', 2)], token);
    expect(refused).toMatchObject({ status: 403, body: { code: 'denied', required: { resource: 'mcp:orders/tools/refund_order' } } });
    const afterRefused = (await records()).slice(start);
    expect(afterRefused.map((r) => [r.decision, r.resource])).toEqual([['deny', 'mcp:orders/tools/refund_order']]);
    // Every message allowed: one allow record each, in the batch's order.
    const allowed = await signedPost([call('query_orders', 3), { jsonrpc: '2.0', method: 'notifications/initialized' }, call('query_orders', 4)], token);
    expect(allowed.status).toBe(200);
    const afterAllowed = (await records()).slice(start + 1);
    expect(afterAllowed.map((r) => [r.decision, r.action, r.resource])).toEqual([
      ['allow', 'call', 'mcp:orders/tools/query_orders'],
      ['allow', 'connect', 'mcp:orders'],
      ['allow', 'call', 'mcp:orders/tools/query_orders'],
    ]);
  });

  it('a batch cannot smuggle a call past the check: every message is decided, one refusal refuses all', async () => {
    const token = (await tokenFor(p, s.url)).serialize();
    const before = s.ran.get('query_orders') ?? 0;
    const batch = await signedPost([call('query_orders', 1), call('refund_order', 2)], token);
    expect(batch).toMatchObject({ status: 403, body: { code: 'denied', required: { resource: 'mcp:orders/tools/refund_order' } } });
    const reversed = await signedPost([{ jsonrpc: '2.0', method: 'notifications/initialized' }, call('refund_order', 'x')], token);
    expect(reversed).toMatchObject({ status: 403, body: { code: 'denied' } });
    expect(s.ran.get('refund_order')).toBeUndefined();
    expect(s.ran.get('query_orders') ?? 0).toBe(before);
    // Two requests with one id, a name that is not a string, and an empty batch are malformed.
    expect(await signedPost([call('query_orders', 7), call('query_orders', 7)], token)).toMatchObject({ status: 400, body: { code: 'malformed_input', check: 'jsonrpc' } });
    expect(await signedPost({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: ['refund_order'] } }, token)).toMatchObject({ status: 400, body: { code: 'malformed_input' } });
    expect(await signedPost([], token)).toMatchObject({ status: 400, body: { code: 'malformed_input' } });
    // A name or method behind a "__proto__" key is no name or method to the check, nor to the SDK.
    const hidden = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"__proto__":{"name":"refund_order"},"name":"query_orders","arguments":{"id":"1"}}}';
    const viaProto = await signedPost(JSON.parse(hidden), token);
    expect(viaProto.status).toBe(200);
    expect(viaProto.text).toContain('query_orders');
    expect(await signedPost(JSON.parse('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"__proto__":{"name":"refund_order"}}}'), token)).toMatchObject({ status: 400, body: { code: 'malformed_input' } });
    expect(s.ran.get('refund_order')).toBeUndefined();
    expect(await signedPost({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: '..' } }, token)).toMatchObject({ status: 400, body: { code: 'malformed_input', check: 'mcp_name' } });
    // A / in a tool name is refused; a * is an encoded character of one segment, never a pattern.
    expect(await signedPost(call('query_orders/../refund_order'), token)).toMatchObject({ status: 400, body: { code: 'malformed_input', check: 'mcp_name' } });
    expect(await signedPost(call('*'), token)).toMatchObject({ status: 403, body: { code: 'denied', required: { resource: 'mcp:orders/tools/%2A' } } });
  });

  it('serves RFC 9728 metadata for the MCP resource', async () => {
    const response = await fetch(metadataUrlOf(s.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ resource: s.url, dpop_bound_access_tokens_required: true, agent_id_trusted_issuers: [p.org.did] });
  });
});

describe('broken presentations, each with status, WWW-Authenticate and code', () => {
  it('wrong audience: the SDK client cannot connect; a raw request gets 401 invalid_token wrong_audience', async () => {
    const elsewhere = await tokenFor(p, 'https://other.example/mcp');
    await expect(connect(elsewhere)).rejects.toMatchObject({ code: 401 });
    const raw = await signedPost(INIT, elsewhere.serialize());
    expect(raw).toMatchObject({ status: 401, body: { error: 'invalid_token', code: 'wrong_audience' } });
    expect(raw.challenge).toContain('error="invalid_token"');
  });

  it('no token, a bearer token, no proof, a proof by another agent, for another URL or method, for another token', async () => {
    const token = (await tokenFor(p, s.url)).serialize();
    const cred = p.credentials[0]!;
    const proof = (o: Partial<Parameters<typeof createProof>[1]> = {}, who = 0) => createProof(signerOf(p.agents[who]!), { method: 'POST', url: s.url, token, ...o });

    const none = await post(INIT);
    expect(none).toMatchObject({ status: 401, body: { code: 'credential_required', check: 'authorization' } });
    expect(none.challenge).toBe(`DPoP algs="EdDSA ES256 ES256K", resource_metadata="${metadataUrlOf(s.url)}"`);

    const bearer = await post(INIT, { token, scheme: 'Bearer', credential: cred });
    expect(bearer).toMatchObject({ status: 401, body: { error: 'invalid_token', code: 'signature_required', check: 'proof' } });
    expect(bearer.challenge).toContain('error="invalid_token"');

    const noProof = await post(INIT, { token, credential: cred });
    expect(noProof).toMatchObject({ status: 401, body: { error: 'invalid_dpop_proof', code: 'signature_required' } });
    expect(noProof.challenge).toContain('error="invalid_dpop_proof"');

    const other = await post(INIT, { token, proof: proof({}, 1), credential: p.credentials[1]! });
    expect(other).toMatchObject({ status: 401, body: { error: 'invalid_token', code: 'holder_mismatch' } });
    expect(other.challenge).toContain('error="invalid_token"');

    const url = await post(INIT, { token, proof: proof({ url: `${s.origin}/other` }), credential: cred });
    expect(url).toMatchObject({ status: 401, body: { error: 'invalid_dpop_proof', code: 'request_mismatch', check: 'htu' } });
    expect(url.challenge).toContain('error="invalid_dpop_proof"');
    const method = await post(INIT, { token, proof: proof({ method: 'GET' }), credential: cred });
    expect(method).toMatchObject({ status: 401, body: { error: 'invalid_dpop_proof', code: 'request_mismatch', check: 'htm' } });
    expect(method.challenge).toContain('error="invalid_dpop_proof"');
    const otherToken = (await tokenFor(p, s.url)).serialize();
    expect(await post(INIT, { token, proof: proof({ token: otherToken }), credential: cred })).toMatchObject({ status: 401, body: { code: 'request_mismatch', check: 'ath' } });
    for (const r of [none, bearer, noProof, other, url]) expect(r.text).not.toContain(token.slice(0, 40));
  });

  it('a replayed proof: one of 12 concurrent copies is accepted, the rest and a later copy refused', async () => {
    const token = (await tokenFor(p, s.url)).serialize();
    const proof = createProof(signerOf(p.agents[0]!), { method: 'POST', url: s.url, token });
    const results = await Promise.all(Array.from({ length: 12 }, () => post(INIT, { token, proof, credential: p.credentials[0]! })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r).toMatchObject({ status: 401, body: { error: 'invalid_dpop_proof', code: 'replayed', check: 'jti' } });
      expect(r.challenge).toContain('error="invalid_dpop_proof"');
    }
    expect(await post(INIT, { token, proof, credential: p.credentials[0]! })).toMatchObject({ status: 401, body: { code: 'replayed' } });
  });

  it('a stale or future iat', async () => {
    const token = (await tokenFor(p, s.url)).serialize();
    const at = (ms: number) => createProof(signerOf(p.agents[0]!), { method: 'POST', url: s.url, token, clock: () => Date.now() + ms });
    const stale = await post(INIT, { token, proof: at(-120_000), credential: p.credentials[0]! });
    expect(stale).toMatchObject({ status: 401, body: { error: 'invalid_dpop_proof', code: 'expired', check: 'proof_iat' } });
    expect(stale.challenge).toContain('error="invalid_dpop_proof"');
    expect(await post(INIT, { token, proof: at(60_000), credential: p.credentials[0]! })).toMatchObject({ status: 401, body: { code: 'not_yet_valid', check: 'proof_iat' } });
  });

  it('expired and revoked tokens: the SDK client is refused, raw requests get 401 invalid_token', async () => {
    const expired = await tokenFor(p, s.url, { expiresAt: Math.floor(Date.now() / 1000) - 10 });
    await expect(connect(expired)).rejects.toMatchObject({ code: 401 });
    const raw = await signedPost(INIT, expired.serialize());
    expect(raw).toMatchObject({ status: 401, body: { error: 'invalid_token', code: 'expired' } });
    expect(raw.challenge).toContain('error="invalid_token"');

    const token = await tokenFor(p, s.url, {}, 2);
    const client = await connect(token, 2);
    expect(JSON.parse(textOf(await client.callTool({ name: 'query_orders', arguments: { id: '1' } }))).agent).toBe(p.agents[2]!.did);
    await s.revocations.revoke({ kind: 'agent', did: p.agents[1]!.did });
    await expect(client.callTool({ name: 'query_orders', arguments: { id: '1' } })).rejects.toMatchObject({ code: 401 });
    const revoked = await signedPost(call('query_orders'), token.serialize(), 2);
    expect(revoked).toMatchObject({ status: 401, body: { error: 'invalid_token', code: 'revoked', check: 'revocation_agent' } });
    expect(revoked.challenge).toContain('error="invalid_token"');
    await client.close().catch(() => undefined);
  });
});
