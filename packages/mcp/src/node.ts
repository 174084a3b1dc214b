/**
 * `node:http` and Express adapter of `@agent-id/mcp`: an MCP endpoint on the SDK's
 * `StreamableHTTPServerTransport`, every request checked by an {@link McpGuard}.
 *
 * @module node
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { guardedRequestOf } from '@agent-id/http/node';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { DEFAULT_MAX_BODY_BYTES, readJsonBody } from './body.js';
import type { McpGuard } from './mcp-guard.js';
import { type ConnectableServer, type McpHandlerOptions, filterLists, plainRefusal } from './serve.js';

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  res.writeHead(status, headers);
  res.end(JSON.stringify(body));
}

/**
 * A `node:http` request listener (also an Express handler: `app.post('/mcp', handler)`, under
 * a router's mount path too: Express's `req.originalUrl` is the target checked)
 * serving an MCP endpoint in the SDK's stateless Streamable HTTP mode: it serves the
 * RFC 9728 metadata, reads the JSON body (or Express's `req.body`), runs the
 * {@link McpGuard} and answers its refusals itself; an allowed request goes to a fresh
 * server from `createServer` on a fresh `StreamableHTTPServerTransport`, with the
 * verified presentation in `req.auth` (handlers read it with `agentIdOf(extra)`), and
 * list answers filtered to what the token allows. GET and DELETE (SSE streams, sessions)
 * are answered 405, as in the SDK's stateless examples.
 *
 * @example
 * ```ts
 * const handler = mcpNodeHandler(mcp, () => buildOrdersServer());
 * createServer(handler).listen(0, '127.0.0.1');
 * ```
 */
export function mcpNodeHandler(
  mcp: McpGuard,
  createServer: () => ConnectableServer | Promise<ConnectableServer>,
  options: McpHandlerOptions = {},
): (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => void {
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const metadataPath = new URL(mcp.guard.metadataUrl).pathname;
  const serve = async (req: IncomingMessage & { body?: unknown; auth?: AuthInfo; originalUrl?: string }, res: ServerResponse): Promise<void> => {
    // Express rewrites req.url under a mount path; the proof signs the URL the client requested.
    const target = typeof req.originalUrl === 'string' ? req.originalUrl : (req.url ?? '/');
    const path = target.split('?')[0];
    if (path === metadataPath && (req.method === 'GET' || req.method === 'HEAD')) {
      send(res, 200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }, mcp.guard.metadata());
      return;
    }
    if (req.method !== 'POST') {
      const r = plainRefusal(405, 'malformed_input', 'method', 'this MCP endpoint is stateless: only POST');
      send(res, r.status, { ...r.headers, allow: 'POST' }, r.body);
      return;
    }
    let body = req.body;
    if (body === undefined) {
      const read = await readJsonBody(req, req.headers['content-length'], max);
      if (!('json' in read)) {
        send(res, read.status, read.headers, read.body);
        return;
      }
      body = read.json;
    }
    const decision = await mcp.check({ ...guardedRequestOf(req, body), target });
    if (decision.decision === 'deny') {
      send(res, decision.status, decision.headers, decision.body);
      return;
    }
    const server = await createServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, ...(options.enableJsonResponse ? { enableJsonResponse: true } : {}) });
    filterLists(transport, mcp, decision);
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    req.auth = decision.authInfo;
    await transport.handleRequest(req, res, body);
  };
  return (req, res) => {
    serve(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { 'content-type': 'application/json' }, { error: 'server_error', code: 'internal', check: 'internal' });
      else res.destroy();
    });
  };
}
