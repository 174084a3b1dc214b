import { AgentIdError, type AuditEntry, type AuditSink, type Clock, type ErrorCode, type PublicKey } from '@agent-id/core';
import { type AgentIdentity, type DidResolver, createAgentIdentity, issueOwnershipCredential } from '@agent-id/did';
import { type HttpAllow, HttpGuard, routeTable } from '@agent-id/http';
import { guardExpress } from '@agent-id/http/node';
import { McpGuard, agentIdOf, createDownstreamFetch } from '@agent-id/mcp';
import { mcpNodeHandler } from '@agent-id/mcp/node';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ToolDecision } from './lib/tool-client.js';
import type { Org } from './org.js';
import type { Trace } from './trace.js';

/** The MCP server's id: its capability resources are `mcp:orders`, `mcp:orders/tools/<name>`. */
export const MCP_SERVER_ID = 'orders';
/** The tools the MCP server offers (a token names the ones its holder may call). */
export const MCP_TOOLS = ['order_history', 'refund_order'] as const;

/** The orders API's records: what `GET /orders/<customer>` answers. */
const ORDERS: Readonly<Record<string, ReadonlyArray<{ id: string; item: string; quantity: number }>>> = {
  'c-42': [
    { id: 'o-1001', item: 'widget w-7', quantity: 500 },
    { id: 'o-1002', item: 'widget w-7', quantity: 1200 },
    { id: 'o-1003', item: 'widget w-9', quantity: 80 },
  ],
};

/** What the `order_history` tool answers: the orders, who the handler saw calling, and the orders API's decision on its own request. */
export interface OrderHistory {
  customer: string;
  orders: ReadonlyArray<{ id: string; item: string; quantity: number }>;
  /** The verified caller, as the tool handler read it (`agentIdOf`). */
  caller: { agent: string; onBehalfOf: string; task: string };
  /** The orders API's answer to the MCP server's request, with its decision. */
  downstream: ToolDecision;
}

/** An organisation's MCP tool server and the HTTP API it calls for the user. */
export interface McpTools {
  /** The MCP endpoint: its resource identifier, the audience its tokens name. */
  url: string;
  /** The orders API's resource identifier. */
  apiUrl: string;
  /** The MCP server as an agent: its DID (callers delegate to it by this DID, from configuration). */
  serverDid: string;
  /** Where the MCP server's RFC 9728 metadata is served. */
  metadataUrl: string;
  /**
   * Runs `operation` (one at a time) and returns how it settled with the audit entries the
   * MCP server's guard wrote meanwhile, so the trace can name the records of a request.
   */
  recording<T>(operation: () => Promise<T>): Promise<{ settled: PromiseSettledResult<T>; entries: AuditEntry[] }>;
}

/** Options of {@link startMcpTools}. */
export interface McpToolsOptions {
  clock: Clock;
  resolver: DidResolver;
  trace: Trace;
  /** Organisations whose ownership credentials vouch for the MCP server's callers. */
  callersOwnedBy: readonly Org[];
  /** Root keys of the Biscuits both servers accept, each with its issuer's DID (read from the issuer's did:web document). */
  trustedRoots: ReadonlyArray<{ issuer: string; publicKey: PublicKey }>;
  /** Whose tokens and agents the MCP server trusts, in words, for the trace. */
  trustNote: string;
}

/** Appends through `sink`, and hands each entry written to `seen` (when set). */
function observed(sink: AuditSink, seen: () => ((entry: AuditEntry) => void) | undefined): AuditSink {
  return {
    async append(record) {
      const entry = await sink.append(record);
      seen()?.(entry);
      return entry;
    },
  };
}

/**
 * Starts, on `org`'s own server, an MCP tool server at `/mcp` (the official SDK's
 * `McpServer` behind an `McpGuard`: `order_history` and `refund_order`) and the orders API
 * at `/orders` it calls (an `HttpGuard`, `GET /orders/<customer>` needs `read` on
 * `api:/orders/<customer>`). The MCP server is an agent of `org`: its own did:key and an
 * ownership credential from `org`. `order_history` calls the orders API with the hop its
 * caller delegated to it with the call, and its own proof. Both guards write to the
 * organisation's hash-chained audit log.
 */
export async function startMcpTools(org: Org, options: McpToolsOptions): Promise<McpTools> {
  const { clock, resolver, trace } = options;
  const url = `${org.origin}/mcp`;
  const apiUrl = `${org.origin}/orders`;
  const self: AgentIdentity = createAgentIdentity();
  const credential = await issueOwnershipCredential(org.authority, { agent: self.did, agentName: 'orders-mcp', agentVersion: '1.0.0', ttlMs: 86_400_000, clock, status: [org.statusList] });
  const name = `${org.name}/orders-mcp`;
  trace.name(self.did, name);
  trace.name(url, name);
  trace.name(apiUrl, `${org.name}/orders-api`);
  // A roomier Datalog time budget than the 20 ms default: CI machines run several suites at once.
  const limits = { maxDatalogMicros: 200_000 };
  const trustedRoots = [...options.trustedRoots];

  const api = new HttpGuard({
    resource: apiUrl,
    map: routeTable('api', [{ method: 'GET', path: '/orders/*', action: 'read' }]),
    resolver,
    trustedIssuers: [org.authority.did],
    trustedRoots,
    revocations: org.revocations,
    statusLists: org.statusLists,
    audit: org.audit,
    clock,
    resourceName: `${org.displayName} orders API`,
    limits,
  });
  org.app.get(new URL(api.metadataUrl).pathname, (_req, res) => {
    res.json(api.metadata());
  });
  org.app.get('/orders/:customer', guardExpress(api), (req, res) => {
    const d = res.locals.agentId as HttpAllow;
    const answer: ToolDecision = {
      decision: 'allow',
      reason: d.entry.record.reason,
      verifier: api.resource,
      agent: d.agent,
      operator: d.operator,
      onBehalfOf: d.onBehalfOf,
      chain: d.chain,
      auditSeq: d.entry.seq,
      result: ORDERS[req.params.customer] ?? [],
    };
    res.json(answer);
  });

  let collect: ((entry: AuditEntry) => void) | undefined;
  const mcp = new McpGuard({
    serverId: MCP_SERVER_ID,
    resource: url,
    resolver,
    trustedIssuers: options.callersOwnedBy.map((o) => o.authority.did),
    trustedRoots,
    revocations: org.revocations,
    statusLists: org.statusLists,
    audit: observed(org.audit, () => collect),
    clock,
    resourceName: `${org.displayName} orders (MCP)`,
    limits,
  });
  const server = () => {
    const s = new McpServer({ name: `${org.name}-orders`, version: '1.0.0' });
    s.registerTool('order_history', { description: "A customer's orders, read from the orders API for the calling user", inputSchema: { customer: z.string() } }, async ({ customer }, extra) => {
      const caller = agentIdOf(extra);
      if (caller === undefined) return { content: [{ type: 'text', text: 'not authenticated' }], isError: true };
      let downstream: ToolDecision;
      try {
        // The caller's delegation, narrowed by it to this one read: the orders API sees the user, the caller and this server.
        const ordersApi = await createDownstreamFetch(extra, { self: self.did, trustedRoots, agent: self, credential, clock });
        const response = await ordersApi(`${apiUrl}/${encodeURIComponent(customer)}`);
        const body = (await response.json()) as ToolDecision & { code?: ErrorCode; check?: string; error_description?: string };
        downstream =
          response.status === 200
            ? body
            : { decision: 'deny', reason: `${String(body.check)}: ${String(body.error_description ?? '')}`, verifier: apiUrl, status: response.status, ...(body.code ? { code: body.code } : {}) };
      } catch (error) {
        const code: ErrorCode = error instanceof AgentIdError ? error.code : 'internal';
        downstream = { decision: 'deny', code, reason: error instanceof AgentIdError ? `${error.check}: ${error.message}` : 'the delegation could not be used', verifier: apiUrl };
      }
      const answer: OrderHistory = {
        customer,
        orders: Array.isArray(downstream.result) ? (downstream.result as OrderHistory['orders']) : [],
        caller: { agent: caller.agent, onBehalfOf: caller.onBehalfOf, task: caller.task },
        downstream: { ...downstream, result: undefined },
      };
      return { content: [{ type: 'text', text: JSON.stringify(answer) }], ...(downstream.decision === 'allow' ? {} : { isError: true }) };
    });
    s.registerTool('refund_order', { description: 'Refunds an order', inputSchema: { order: z.string() } }, async ({ order }) => ({ content: [{ type: 'text', text: `refunded ${order}` }] }));
    return s;
  };
  org.app.get(new URL(mcp.guard.metadataUrl).pathname, (_req, res) => {
    res.json(mcp.guard.metadata());
  });
  org.app.all('/mcp', mcpNodeHandler(mcp, server));

  trace.emit('setup', `MCP server ${url} (${name} = ${self.did.slice(0, 24)}…; ownership credential by ${org.name}), tools ${MCP_TOOLS.join(', ')}, trusts ${options.trustNote}`, {
    actor: org.name,
  });
  trace.emit('setup', `orders API ${apiUrl}, called by ${name} for the user, trusts the same Biscuits, from agents owned by ${org.displayName}`, { actor: org.name });
  const recording = async <T>(operation: () => Promise<T>): Promise<{ settled: PromiseSettledResult<T>; entries: AuditEntry[] }> => {
    if (collect !== undefined) throw new Error('one recording at a time');
    const entries: AuditEntry[] = [];
    collect = (entry) => entries.push(entry);
    try {
      const [settled] = await Promise.allSettled([operation()]);
      return { settled: settled!, entries };
    } finally {
      collect = undefined;
    }
  };
  return { url, apiUrl, serverDid: self.did, metadataUrl: mcp.guard.metadataUrl, recording };
}
