import type { GuardedRequest } from '@agent-id/http';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { DEFAULT_MAX_BODY_BYTES, readJsonBody } from './body.js';
import type { McpGuard } from './mcp-guard.js';
import { type ConnectableServer, type McpHandlerOptions, filterLists, plainRefusal } from './serve.js';

function json(status: number, headers: Record<string, string>, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers });
}

async function* chunksOf(request: Request): AsyncGenerator<Uint8Array> {
  if (request.body === null) return;
  const reader = request.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * A Fetch API handler (`Request → Response`: Hono, Deno, Bun, Workers, Node 20+) serving an
 * MCP endpoint on the SDK's `WebStandardStreamableHTTPServerTransport`, stateless, with
 * the same checks and answers as `mcpNodeHandler` of `@agent-id/mcp/node`.
 *
 * @example
 * ```ts
 * const handle = mcpFetchHandler(mcp, () => buildOrdersServer(), { enableJsonResponse: true });
 * const response = await handle(request);
 * ```
 */
export function mcpFetchHandler(mcp: McpGuard, createServer: () => ConnectableServer | Promise<ConnectableServer>, options: McpHandlerOptions = {}): (request: Request) => Promise<Response> {
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const metadataPath = new URL(mcp.guard.metadataUrl).pathname;
  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname === metadataPath && (request.method === 'GET' || request.method === 'HEAD')) {
      return json(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }, mcp.guard.metadata());
    }
    if (request.method !== 'POST') {
      const r = plainRefusal(405, 'malformed_input', 'method', 'this MCP endpoint is stateless: only POST');
      return json(r.status, { ...r.headers, allow: 'POST' }, r.body);
    }
    const read = await readJsonBody(chunksOf(request), request.headers.get('content-length'), max);
    if (!('json' in read)) return json(read.status, read.headers, read.body);
    const guarded: GuardedRequest = {
      method: request.method,
      target: `${url.pathname}${url.search}`,
      header: (name) => request.headers.get(name) ?? undefined,
      body: read.json,
    };
    const decision = await mcp.check(guarded);
    if (decision.decision === 'deny') return json(decision.status, decision.headers, decision.body);
    const server = await createServer();
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, ...(options.enableJsonResponse ? { enableJsonResponse: true } : {}) });
    filterLists(transport, mcp, decision);
    await server.connect(transport);
    const response = await transport.handleRequest(request, { parsedBody: read.json, authInfo: decision.authInfo });
    // A JSON answer is complete here; an SSE stream ends when its last response is sent, and the transport with it.
    if (options.enableJsonResponse) await Promise.all([transport.close(), server.close()]);
    return response;
  };
}
