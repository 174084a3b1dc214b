import { mkdtemp } from 'node:fs/promises';
import { type AddressInfo, connect as tcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, verifyAuditLog } from '@agent-id/core/node';
import { createDidResolver } from '@agent-id/did';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import express from 'express';
import { NonceIssuer, createAgentFetch, createProof } from '@agent-id/http';
import { junk } from '@agent-id/test-support';
import { attenuate } from '@agent-id/tokens';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpGuard, agentIdOf, createAgentTransport, delegationMeta } from '../src/index.js';
import { mcpNodeHandler } from '../src/node.js';
import { type McpFixture, type Parties, USER, downstreamApi, mcpServer, parties, signerOf, tokenFor } from './fixture.js';

let p: Parties;
beforeAll(async () => {
  p = await parties();
});

const INIT = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };

function textOf(result: unknown): string {
  return (result as { content: { text: string }[] }).content[0]!.text;
}

describe('server nonces', () => {
  let s: McpFixture;
  beforeAll(async () => {
    s = await mcpServer(p, { extra: { nonces: new NonceIssuer({ lifetimeSec: 60 }) } });
  });
  afterAll(() => s.close());

  it('a missing or wrong nonce gets 401 use_dpop_nonce with a fresh DPoP-Nonce; the SDK client retries once and calls the tool', async () => {
    const token = (await tokenFor(p, s.url)).serialize();
    const signer = signerOf(p.agents[0]!);
    const send = async (nonce?: string) => {
      const proof = createProof(signer, { method: 'POST', url: s.url, token, ...(nonce !== undefined ? { nonce } : {}) });
      const r = await fetch(s.url, {
        method: 'POST',
        headers: { authorization: `DPoP ${token}`, dpop: proof, 'agent-credential': p.credentials[0]!, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify(INIT),
      });
      return { status: r.status, challenge: r.headers.get('www-authenticate'), nonce: r.headers.get('dpop-nonce'), body: (await r.text().then((t) => (t.startsWith('{') ? JSON.parse(t) : {}))) as Record<string, unknown> };
    };
    const missing = await send();
    expect(missing).toMatchObject({ status: 401, body: { error: 'use_dpop_nonce', code: 'nonce_required' } });
    expect(missing.challenge).toContain('error="use_dpop_nonce"');
    expect(missing.nonce).toBeTruthy();
    const wrong = await send(`${missing.nonce!.split('.')[0]}.AAAAAAAAAAAAAAAAAAAAAA`);
    expect(wrong).toMatchObject({ status: 401, body: { error: 'use_dpop_nonce', code: 'nonce_required' } });
    expect(wrong.challenge).toContain('error="use_dpop_nonce"');
    expect((await send(missing.nonce!)).status).toBe(200);

    const client = new Client({ name: 'agent', version: '1.0.0' });
    await client.connect(createAgentTransport(s.url, { agent: signer, token, credential: p.credentials[0]! }));
    expect(JSON.parse(textOf(await client.callTool({ name: 'query_orders', arguments: { id: '9' } }))).onBehalfOf).toBe(USER);
    await client.close();
  });
});

/** One raw HTTP/1.1 request over a socket (no client library checks the header values), answered status and body. */
function raw(origin: string, head: string, body: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = tcp(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      // A chunked body: the JSON object between its size lines.
      resolve({ status, body: body.includes('{') ? body.slice(body.indexOf('{'), body.lastIndexOf('}') + 1) : body });
    });
    socket.write(Buffer.concat([Buffer.from(`${head}content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n`, 'latin1'), Buffer.from(body)]));
  });
}

describe('junk headers of every kind', () => {
  let s: McpFixture;
  beforeAll(async () => {
    s = await mcpServer(p);
  });
  afterAll(() => s.close());

  it('each of Authorization, DPoP, Agent-Credential replaced by junk: a coded 4xx, never an allow, a 500 or a crash', async () => {
    const token = (await tokenFor(p, s.url)).serialize();
    const path = new URL(s.url).pathname;
    const values = [
      ...junk.map(([, v]) => v).filter((v) => typeof v === 'string' && v.length < 8000 && !/[\r\n]/.test(v as string)),
      ...junk.map(([label]) => `${label}`),
      'DPoP',
      'DPoP ',
      'DPoP  x',
      'DPoP a b',
      'Basic dXNlcjpwYXNz',
      'Bearer',
      `DPoP ${token}, DPoP ${token}`,
      `DPoP ${'x'.repeat(7000)}`,
      'dpop \u00ff\u00fe',
      '\t',
      'e30.e30.e30',
    ] as string[];
    let checked = 0;
    for (const name of ['authorization', 'dpop', 'agent-credential']) {
      for (const value of values) {
        const headers: Record<string, string> = {
          authorization: `DPoP ${token}`,
          dpop: createProof(signerOf(p.agents[0]!), { method: 'POST', url: s.url, token }),
          'agent-credential': p.credentials[0]!,
          [name]: value,
        };
        const head = `POST ${path} HTTP/1.1\r\nhost: ${new URL(s.url).host}\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\n${Object.entries(headers)
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('')}`;
        const r = await raw(s.url, head, JSON.stringify(INIT));
        // The credential header is only read once the proof verified: junk there refuses the request or, when empty, is not sent at all.
        if (name === 'agent-credential' && r.status === 200) {
          expect(value.trim()).toBe('');
          continue;
        }
        expect([400, 401], `${name}: ${JSON.stringify(value.slice(0, 40))} → ${r.status}`).toContain(r.status);
        if (r.body.startsWith('{')) expect(JSON.parse(r.body)).toHaveProperty('code');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(150);
    // The header sent twice is refused too.
    const twice = await raw(
      s.url,
      `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ndpop: a\r\ndpop: b\r\nauthorization: DPoP ${token}\r\n`,
      JSON.stringify(INIT),
    );
    expect(twice.status).toBe(401);
    expect(JSON.parse(twice.body)).toMatchObject({ code: 'malformed_input', check: 'dpop' });
  });

  it('junk bodies: not JSON, not JSON-RPC, too large, too deep', async () => {
    const token = (await tokenFor(p, s.url)).serialize();
    const send = async (body: string) => {
      const proof = createProof(signerOf(p.agents[0]!), { method: 'POST', url: s.url, token });
      const r = await fetch(s.url, { method: 'POST', headers: { authorization: `DPoP ${token}`, dpop: proof, 'agent-credential': p.credentials[0]!, 'content-type': 'application/json' }, body });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    expect(await send('{')).toMatchObject({ status: 400, body: { code: 'malformed_input', check: 'body' } });
    expect(await send('')).toMatchObject({ status: 400, body: { code: 'malformed_input', check: 'body' } });
    expect(await send('"x"')).toMatchObject({ status: 400, body: { code: 'malformed_input', check: 'jsonrpc' } });
    expect(await send('{"jsonrpc":"1.0","method":"tools/call"}')).toMatchObject({ status: 400, body: { code: 'malformed_input', check: 'jsonrpc' } });
    expect(await send(`[${'{"jsonrpc":"2.0","method":"ping"},'.repeat(40)}{"jsonrpc":"2.0","method":"ping"}]`)).toMatchObject({ status: 400, body: { code: 'malformed_input' } });
    expect(await send(`{"a":"${'x'.repeat(1_100_000)}"}`)).toMatchObject({ status: 413, body: { code: 'input_too_large' } });
    expect(await send(`${'['.repeat(100)}${']'.repeat(100)}`)).toMatchObject({ status: 400, body: { code: 'malformed_input' } });
    const get = await fetch(s.url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});

describe('down-scoping to a downstream API', () => {
  let s: McpFixture;
  let api: Awaited<ReturnType<typeof downstreamApi>>;
  beforeAll(async () => {
    api = await downstreamApi(p);
    s = await mcpServer(p, { downstream: api.origin });
  });
  afterAll(async () => {
    await s.close();
    await api.close();
  });

  it('the caller delegates to the server with the call; the tool calls the API with it and its own proof; the API audits user, caller and server', async () => {
    const token = await tokenFor(p, [s.url, api.origin], {
      resources: ['mcp:orders', 'mcp:orders/tools/refund_order', 'api:/refunds/*'],
      actions: ['connect', 'call', 'write'],
    });
    const client = new Client({ name: 'agent', version: '1.0.0' });
    await client.connect(createAgentTransport(s.url, { agent: signerOf(p.agents[0]!), token, credential: p.credentials[0]! }));
    const _meta = await delegationMeta(token, {
      server: p.serverAgent.did,
      signer: p.agents[0]!.keyPair,
      trustedRoots: p.rootKey.publicKey,
      narrowing: { audience: [api.origin], resources: ['api:/refunds/42'], actions: ['write'], expiresAt: Math.floor(Date.now() / 1000) + 300, maxDepth: 0 },
    });
    const result = await client.callTool({ name: 'refund_order', arguments: { id: '42' }, _meta });
    expect(JSON.parse(textOf(result))).toEqual({ status: 200, body: { refunded: 'api:/refunds/42', agent: p.serverAgent.did, onBehalfOf: USER } });
    const record = (await verifyAuditLog(api.log.path)).at(-1)!.record;
    expect(record).toMatchObject({ decision: 'allow', agent: p.serverAgent.did, onBehalfOf: USER, task: 'task-1', action: 'write', resource: 'api:/refunds/42' });
    expect(record.chain.map((h) => [h.from, h.to])).toEqual([
      [p.org.did, p.agents[0]!.did],
      [p.agents[0]!.did, p.serverAgent.did],
    ]);
    expect(record.chain[1]!.granted).toMatchObject({ audience: [api.origin], resources: ['api:/refunds/42'], actions: ['write'], maxDepth: 0 });

    // Narrowed to refund 42: the server cannot use it for 43.
    const other = await client.callTool({ name: 'refund_order', arguments: { id: '43' }, _meta });
    expect(JSON.parse(textOf(other))).toMatchObject({ status: 403, body: {} });
    await client.close();
  });

  it('the server refuses a delegation that is missing, names another agent, was made by another, or extends another chain', async () => {
    const scope = { resources: ['mcp:orders', 'mcp:orders/tools/refund_order', 'api:/refunds/*'], actions: ['connect', 'call', 'write'] };
    const token = await tokenFor(p, [s.url, api.origin], scope, 1);
    const client = new Client({ name: 'agent', version: '1.0.0' });
    await client.connect(createAgentTransport(s.url, { agent: signerOf(p.agents[1]!), token, credential: p.credentials[1]! }));
    const refund = async (_meta?: Record<string, string>) => {
      const r = await client.callTool({ name: 'refund_order', arguments: { id: '42' }, ...(_meta ? { _meta } : {}) });
      return { isError: r.isError, ...(JSON.parse(textOf(r)) as Record<string, unknown>) };
    };
    const narrowing = { audience: [api.origin], actions: ['write'] };
    expect(await refund()).toMatchObject({ isError: true, code: 'denied', check: 'delegation' });
    const toOther = await delegationMeta(token, { server: p.agents[2]!.did, signer: p.agents[1]!.keyPair, trustedRoots: p.rootKey.publicKey, narrowing });
    expect(await refund(toOther)).toMatchObject({ isError: true, code: 'holder_mismatch', check: 'delegation_holder' });
    // Agent 0's own token, delegated by agent 0 to the server: not the caller's (agent 1's) chain.
    const root = await tokenFor(p, [s.url, api.origin], scope);
    const byOther = await delegationMeta(root, { server: p.serverAgent.did, signer: p.agents[0]!.keyPair, trustedRoots: p.rootKey.publicKey, narrowing });
    expect(await refund(byOther)).toMatchObject({ isError: true, code: 'holder_mismatch', check: 'delegation_delegator' });
    // Another token of agent 1 (same user and task, another chain) delegated to the server.
    const sibling = await attenuate(root, { to: p.agents[1]!.did, signer: p.agents[0]!.keyPair, trustedRoots: p.rootKey.publicKey, narrowing: { actions: ['call', 'write', 'connect'] } });
    const fromSibling = await delegationMeta(sibling, { server: p.serverAgent.did, signer: p.agents[1]!.keyPair, trustedRoots: p.rootKey.publicKey, narrowing });
    expect(await refund(fromSibling)).toMatchObject({ isError: true, code: 'denied', check: 'delegation_chain' });
    expect(await refund({ 'agent-id/delegation': 'junk' })).toMatchObject({ isError: true, code: 'malformed_input' });
    await client.close();
  });
});

describe('the web-standard transport (Fetch API handler)', () => {
  let s: McpFixture;
  beforeAll(async () => {
    s = await mcpServer(p);
  });
  afterAll(() => s.close());

  it('the SDK client through the fetch handler: allowed tool, filtered list, refused tool', async () => {
    const token = await tokenFor(p, s.url);
    const client = new Client({ name: 'agent', version: '1.0.0' });
    const local = (input: string | URL | Request, init?: RequestInit) => s.fetchHandler(new Request(input, init));
    await client.connect(createAgentTransport(s.url, { agent: signerOf(p.agents[0]!), token, credential: p.credentials[0]!, fetch: local }));
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['query_orders']);
    expect(JSON.parse(textOf(await client.callTool({ name: 'query_orders', arguments: { id: '5' } })))).toMatchObject({ agent: p.agents[0]!.did, onBehalfOf: USER });
    await expect(client.callTool({ name: 'refund_order', arguments: { id: '5' } })).rejects.toMatchObject({ code: 403 });
    await client.close();
    const agentFetch = createAgentFetch({ agent: signerOf(p.agents[0]!), token, credential: p.credentials[0]!, fetch: local });
    const denied = await agentFetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'refund_order' } }) });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(await denied.json()).toMatchObject({ code: 'denied', required: { action: 'call', resource: 'mcp:orders/tools/refund_order' } });
  });
});

describe('Express', () => {
  it('mcpNodeHandler in an Express 5 router under a mount path, after express.json(): allowed and refused tools', async () => {
    const app = express();
    app.use(express.json());
    let handler: ReturnType<typeof mcpNodeHandler> | undefined;
    const router = express.Router();
    router.post('/mcp', (req, res) => handler!(req, res));
    app.use('/v1', router);
    const listening = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => listening.once('listening', () => resolve()));
    const url = `http://127.0.0.1:${(listening.address() as AddressInfo).port}/v1/mcp`;
    const log = await AuditLog.open(join(await mkdtemp(join(tmpdir(), 'agent-id-mcp-')), 'audit.jsonl'));
    const guard = new McpGuard({ serverId: 'orders', resource: url, resolver: createDidResolver(), trustedIssuers: [p.org.did], trustedRoots: [p.rootKey.publicKey], audit: log });
    handler = mcpNodeHandler(guard, () => {
      const server = new McpServer({ name: 'x', version: '1' });
      server.registerTool('query_orders', {}, async (extra) => ({ content: [{ type: 'text', text: String(agentIdOf(extra)?.agent) }] }));
      server.registerTool('refund_order', {}, async () => ({ content: [{ type: 'text', text: 'refunded' }] }));
      return server;
    });
    try {
      const token = await tokenFor(p, url);
      const client = new Client({ name: 'agent', version: '1.0.0' });
      await client.connect(createAgentTransport(url, { agent: signerOf(p.agents[0]!), token, credential: p.credentials[0]! }));
      expect(textOf(await client.callTool({ name: 'query_orders', arguments: {} }))).toBe(p.agents[0]!.did);
      await expect(client.callTool({ name: 'refund_order', arguments: {} })).rejects.toMatchObject({ code: 403 });
      await client.close();
      expect((await verifyAuditLog(log.path)).map((e) => [e.record.decision, e.record.resource]).slice(-1)).toEqual([['deny', 'mcp:orders/tools/refund_order']]);
    } finally {
      listening.closeAllConnections();
      await new Promise<void>((resolve) => listening.close(() => resolve()));
      await log.close();
    }
  });
});
