import { type AgentFetchOptions, createAgentFetch } from '@agent-id/http';
import { StreamableHTTPClientTransport, type StreamableHTTPClientTransportOptions } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** Options of {@link createAgentTransport}: the agent's presentation, and the SDK transport's own options. */
export interface AgentTransportOptions extends AgentFetchOptions {
  /** Passed on to the SDK's `StreamableHTTPClientTransport` (its `fetch` is this package's). */
  transport?: Omit<StreamableHTTPClientTransportOptions, 'fetch' | 'authProvider'>;
}

/**
 * The SDK's `StreamableHTTPClientTransport` for an agent: every HTTP request it makes
 * carries the agent's token (`Authorization: DPoP`) and a fresh proof signed by its DID
 * key, its ownership credential on first contact, and is retried once on a nonce
 * challenge (`createAgentFetch` of `@agent-id/http` is its `fetch`). Refusals reach the
 * caller as the SDK's `StreamableHTTPError` with the HTTP status in `code`.
 *
 * @example
 * ```ts
 * const client = new Client({ name: 'orchestrator', version: '1.0.0' });
 * await client.connect(createAgentTransport(new URL('https://tools.example/mcp'), { agent, token, credential }));
 * const result = await client.callTool({ name: 'query_orders', arguments: { id: '42' } });
 * ```
 */
export function createAgentTransport(url: URL | string, options: AgentTransportOptions): StreamableHTTPClientTransport {
  const { transport, ...presentation } = options;
  return new StreamableHTTPClientTransport(new URL(url), { ...transport, fetch: createAgentFetch(presentation) });
}
