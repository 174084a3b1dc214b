import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, verifyAuditLog } from '@agent-id/core/node';
import { createDidResolver } from '@agent-id/did';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createAgentFetch } from '@agent-id/http';
import { expectCode } from '@agent-id/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpGuard, createAgentTransport, mapMcpMessages, mcpResourceOf } from '../src/index.js';
import { mcpNodeHandler } from '../src/node.js';
import { type Parties, parties, signerOf, tokenFor } from './fixture.js';

let p: Parties;
let url: string;
let log: AuditLog;
let close: () => Promise<void>;
const read: string[] = [];

beforeAll(async () => {
  p = await parties();
  log = await AuditLog.open(join(await mkdtemp(join(tmpdir(), 'agent-id-mcp-attack-')), 'audit.jsonl'));
  let listener: Parameters<typeof createServer>[1] = (_req, res) => res.end();
  const http = createServer((req, res) => listener!(req, res));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  const guard = new McpGuard({ serverId: 'orders', resource: url, resolver: createDidResolver(), trustedIssuers: [p.org.did], trustedRoots: [p.rootKey.publicKey], audit: log });
  listener = mcpNodeHandler(guard, () => {
    const server = new McpServer({ name: 'orders', version: '1.0.0' });
    for (const uri of ['orders://shop/public/a', 'orders://shop/private/b']) {
      server.registerResource(uri, uri, { mimeType: 'text/plain' }, async (u) => {
        read.push(u.href);
        return { contents: [{ uri: u.href, text: u.href }] };
      });
    }
    return server;
  });
  close = async () => {
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await log.close();
  };
});
afterAll(() => close());

describe('resource URIs: what is decided is what the SDK reads', () => {
  // The SDK looks a resource up by `new URL(uri).toString()`, which resolves `%2e%2e`
  // segments (and drops tabs and newlines): a URI the guard maps under an allowed prefix
  // must not name another resource once the SDK has parsed it.
  it('a token for orders://shop/public/* cannot read orders://shop/private/b through a URI the URL parser rewrites', async () => {
    const token = await tokenFor(p, url, { resources: ['mcp:orders', 'mcp:orders/resources/orders/shop/public/*'], actions: ['connect', 'read'] });
    const client = new Client({ name: 'agent', version: '1.0.0' });
    await client.connect(createAgentTransport(url, { agent: signerOf(p.agents[0]!), token, credential: p.credentials[0]! }));
    expect(await client.readResource({ uri: 'orders://shop/public/a' })).toMatchObject({ contents: [{ text: 'orders://shop/public/a' }] });
    await expect(client.readResource({ uri: 'orders://shop/private/b' })).rejects.toMatchObject({ code: 403 });
    for (const uri of ['orders://shop/public/%2e%2e/private/b', 'orders://shop/public/%2E%2E/private/b', 'orders://shop/public/.%2e/private/b', 'orders://shop/public/%2e./private/b']) {
      await expect(client.readResource({ uri }), uri).rejects.toMatchObject({ code: 400 });
    }
    await client.close();
    expect(read).toEqual(['orders://shop/public/a']);
    const denied = (await verifyAuditLog(log.path)).map((e) => e.record).filter((r) => r.decision === 'deny');
    expect(denied.length).toBeGreaterThanOrEqual(5);
  });

  it('mapMcpMessages refuses a resources/read URI that is not in the form the URL parser gives it back in', () => {
    const readOf = (uri: string) => ({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri } });
    expect(mapMcpMessages(readOf('orders://shop/public/a'), { serverId: 'orders' })[0]!.mapped).toEqual({ action: 'read', resource: mcpResourceOf('orders', 'resources', 'orders://shop/public/a') });
    for (const uri of ['orders://shop/public/%2e%2e/private/b', 'orders://shop/a/./b', 'orders://shop/a\t/b', 'orders://shop/a ', 'ORDERS://shop/a', 'file://localhost/x', 'not a uri']) {
      expectCode(() => mapMcpMessages(readOf(uri), { serverId: 'orders' }), 'malformed_input', 'mcp_name');
    }
  });
});

describe('tasks: results kept by the server for later requests', () => {
  // In stateless mode the SDK scopes its task store by session id, which is absent: every
  // caller shares one scope. A caller with only `connect` must not read, list or cancel the
  // tasks (tool results) of another agent through tasks/* requests.
  it('an agent allowed only to connect cannot list, read or cancel another agent\'s task', async () => {
    const taskStore = new InMemoryTaskStore();
    const tlog = await AuditLog.open(join(await mkdtemp(join(tmpdir(), 'agent-id-mcp-tasks-')), 'audit.jsonl'));
    let listener: Parameters<typeof createServer>[1] = (_req, res) => res.end();
    const http = createServer((req, res) => listener!(req, res));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const turl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
    const guard = new McpGuard({ serverId: 'orders', resource: turl, resolver: createDidResolver(), trustedIssuers: [p.org.did], trustedRoots: [p.rootKey.publicKey], audit: tlog });
    listener = mcpNodeHandler(
      guard,
      () => new McpServer({ name: 'orders', version: '1.0.0' }, { capabilities: { tools: {}, tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } }, taskStore }),
      { enableJsonResponse: true },
    );
    try {
      // What agent 0's task-augmented tools/call left in the store.
      const task = await taskStore.createTask({ ttl: 60_000 }, 1, { method: 'tools/call', params: { name: 'query_orders', arguments: { id: '42' } } });
      await taskStore.storeTaskResult(task.taskId, 'completed', { content: [{ type: 'text', text: 'alice: order 42, card 4242' }] });
      const token = await tokenFor(p, turl, { resources: ['mcp:orders'], actions: ['connect'] }, 1);
      const agentFetch = createAgentFetch({ agent: signerOf(p.agents[1]!), token, credential: p.credentials[1]! });
      const rpc = (method: string, params: Record<string, unknown>) =>
        agentFetch(turl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }),
        });
      for (const [method, params] of [
        ['tasks/list', {}],
        ['tasks/get', { taskId: task.taskId }],
        ['tasks/result', { taskId: task.taskId }],
        ['tasks/cancel', { taskId: task.taskId }],
        ['tools/call', { name: 'query_orders', arguments: { id: '42' }, task: { ttl: 60_000 } }],
      ] as const) {
        const response = await rpc(method, params);
        const text = await response.text();
        expect(text, method).not.toContain('card 4242');
        expect(text, method).not.toContain(task.taskId);
        expect(response.status, method).toBe(403);
        expect(JSON.parse(text), method).toMatchObject({ code: 'denied', check: 'mcp_task' });
      }
      expect((await taskStore.getTask(task.taskId))?.status).toBe('completed');
    } finally {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await tlog.close();
    }
  });
});
