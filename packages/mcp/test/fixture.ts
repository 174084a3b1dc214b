import { mkdtemp } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, KeyPair, type Scope } from '@agent-id/core';
import { AuditLog } from '@agent-id/core/node';
import { type AgentIdentity, createAgentIdentity, createDidResolver, issueOwnershipCredential } from '@agent-id/did';
import { HttpGuard, routeTable } from '@agent-id/http';
import { guardNodeHandler } from '@agent-id/http/node';
import { type CapabilityToken, MemoryRevocationStore, attenuate, mintCapability } from '@agent-id/tokens';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { McpGuard, type McpGuardOptions, agentIdOf, createDownstreamFetch, mcpFetchHandler } from '../src/index.js';
import { mcpNodeHandler } from '../src/node.js';

export const USER = 'did:web:acme.example:users:alice';

/** Acme mints and vouches for agents 0..2 and for the MCP server's own agent identity. */
export async function parties() {
  const org = createAgentIdentity();
  const rootKey = KeyPair.generate('Ed25519');
  const agents = [0, 1, 2].map(() => createAgentIdentity());
  const serverAgent = createAgentIdentity();
  const credentials = await Promise.all(agents.map((a) => issueOwnershipCredential(org, { agent: a.did, onBehalfOf: USER })));
  const serverCredential = await issueOwnershipCredential(org, { agent: serverAgent.did });
  return { org, rootKey, agents, serverAgent, credentials, serverCredential };
}
export type Parties = Awaited<ReturnType<typeof parties>>;

export function signerOf(agent: AgentIdentity) {
  return { keyId: agent.keyId, keyPair: agent.keyPair };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function auditLog(): Promise<AuditLog> {
  return AuditLog.open(join(await mkdtemp(join(tmpdir(), 'agent-id-mcp-')), 'audit.jsonl'));
}

/** A downstream HTTP API guarded by an HttpGuard: POST /refunds/* needs `write`. */
export async function downstreamApi(p: Parties) {
  let handler: Parameters<typeof createServer>[1] = (_req, res) => res.end();
  const server = createServer((req, res) => handler!(req, res));
  const origin = await listen(server);
  const log = await auditLog();
  const guard = new HttpGuard({
    resource: origin,
    map: routeTable('api', [{ method: 'POST', path: '/refunds/*', action: 'write' }]),
    resolver: createDidResolver(),
    trustedIssuers: [p.org.did],
    trustedRoots: [p.rootKey.publicKey],
    audit: log,
  });
  handler = guardNodeHandler(guard, (_req, res, d) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ refunded: d.resource, agent: d.agent, onBehalfOf: d.onBehalfOf }));
  });
  return {
    origin,
    log,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await log.close();
    },
  };
}

export interface McpFixture {
  url: string;
  origin: string;
  guard: McpGuard;
  log: AuditLog;
  revocations: MemoryRevocationStore;
  /** How many times each tool's handler ran. */
  ran: Map<string, number>;
  /** The web-standard handler over the same guard options (a second guard, its own audit log). */
  fetchHandler: (request: Request) => Promise<Response>;
  close(): Promise<void>;
}

/**
 * The orders MCP server (`query_orders`, `refund_order`, `list_refunds`, a resource and a
 * prompt) on the SDK's McpServer, behind an McpGuard, on node:http at 127.0.0.1:<port>/mcp.
 * `refund_order` refunds through the downstream API with the caller's delegation.
 */
export async function mcpServer(p: Parties, o: { downstream?: string; extra?: Partial<McpGuardOptions> } = {}): Promise<McpFixture> {
  let listener: Parameters<typeof createServer>[1] = (_req, res) => res.end();
  const http = createServer((req, res) => listener!(req, res));
  const origin = await listen(http);
  const url = `${origin}/mcp`;
  const log = await auditLog();
  const revocations = new MemoryRevocationStore();
  const ran = new Map<string, number>();
  const count = (name: string) => ran.set(name, (ran.get(name) ?? 0) + 1);
  const options: McpGuardOptions = {
    serverId: 'orders',
    resource: url,
    resolver: createDidResolver(),
    trustedIssuers: [p.org.did],
    trustedRoots: [p.rootKey.publicKey],
    revocations,
    audit: log,
    ...o.extra,
  };
  const guard = new McpGuard(options);
  const build = () => {
    const server = new McpServer({ name: 'orders', version: '1.0.0' });
    server.registerTool('query_orders', { description: 'Read an order', inputSchema: { id: z.string() } }, async ({ id }, extra) => {
      count('query_orders');
      const caller = agentIdOf(extra);
      const body = { id, agent: caller?.agent, onBehalfOf: caller?.onBehalfOf, task: caller?.task, chain: caller?.chain.map((h) => h.to), decided: caller?.decision?.resource, authInfo: JSON.stringify(extra.authInfo), clientId: extra.authInfo?.clientId };
      return { content: [{ type: 'text', text: JSON.stringify(body) }] };
    });
    server.registerTool('refund_order', { description: 'Refund an order', inputSchema: { id: z.string() } }, async ({ id }, extra) => {
      count('refund_order');
      if (o.downstream === undefined) return { content: [{ type: 'text', text: 'no downstream' }], isError: true };
      try {
        const pay = await createDownstreamFetch(extra, { self: p.serverAgent.did, agent: signerOf(p.serverAgent), credential: p.serverCredential, trustedRoots: p.rootKey.publicKey });
        const response = await pay(`${o.downstream}/refunds/${id}`, { method: 'POST' });
        return { content: [{ type: 'text', text: JSON.stringify({ status: response.status, body: await response.json() }) }] };
      } catch (error) {
        return { content: [{ type: 'text', text: JSON.stringify({ code: (error as { code?: string }).code, check: (error as { check?: string }).check }) }], isError: true };
      }
    });
    server.registerTool('list_refunds', { description: 'List refunds' }, async () => {
      count('list_refunds');
      return { content: [{ type: 'text', text: '[]' }] };
    });
    server.registerResource('order-42', 'orders://42', { mimeType: 'application/json' }, async (uri) => ({ contents: [{ uri: uri.href, text: '{"id":42}' }] }));
    server.registerResource('order-43', 'orders://43', { mimeType: 'application/json' }, async (uri) => ({ contents: [{ uri: uri.href, text: '{"id":43}' }] }));
    server.registerPrompt('summarize', { description: 'Summarize orders' }, () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'summarize' } }] }));
    return server;
  };
  listener = mcpNodeHandler(guard, build);
  const fetchLog = await auditLog();
  const fetchHandler = mcpFetchHandler(new McpGuard({ ...options, audit: fetchLog }), build, { enableJsonResponse: true });
  return {
    url,
    origin,
    guard,
    log,
    revocations,
    ran,
    fetchHandler,
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await log.close();
      await fetchLog.close();
    },
  };
}

/** A root token minted by Acme for agent 0 for `audience`, and one hop to each later agent in turn. */
export async function tokenFor(p: Parties, audience: string | string[], scope: Partial<Scope> = {}, hops = 0, clock?: Clock): Promise<CapabilityToken> {
  let token = await mintCapability(
    {
      onBehalfOf: USER,
      holder: p.agents[0]!.did,
      task: 'task-1',
      resources: ['mcp:orders', 'mcp:orders/tools/query_orders', 'mcp:orders/resources/orders/42'],
      actions: ['connect', 'call', 'read'],
      audience: Array.isArray(audience) ? audience : [audience],
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
      maxDepth: 4,
      ...scope,
    },
    { format: 'biscuit', rootKey: p.rootKey, issuer: p.org.did, ...(clock ? { clock } : {}) },
  );
  for (let i = 1; i <= hops; i++) token = await attenuate(token, { to: p.agents[i]!.did, signer: p.agents[i - 1]!.keyPair, trustedRoots: p.rootKey.publicKey });
  return token;
}
