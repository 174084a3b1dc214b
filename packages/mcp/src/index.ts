/**
 * `@agent-id/mcp`: MCP servers and clients on the official SDK (Streamable HTTP) where
 * every request presents a capability token and a proof by the agent's DID key:
 * per-tool authorization, filtered lists, the caller's identity in every handler, and
 * down-scoping to downstream APIs. The `node:http`/Express adapter is in
 * `@agent-id/mcp/node`.
 *
 * @module
 */
export { MCP_ACTIONS, MCP_CONNECT_ACTION, mcpResourceOf, type McpItemKind } from './names.js';
export { MAX_BATCH, mapMcpMessages, mcpRequestMapper, type MappedMessage, type McpMapOptions } from './request-map.js';
export { AUTH_INFO_KEY, McpGuard, type McpAllow, type McpAuth, type McpDecision, type McpGuardOptions } from './mcp-guard.js';
export { agentIdOf, type McpCaller } from './agent-id-of.js';
export type { ConnectableServer, McpHandlerOptions } from './serve.js';
export { mcpFetchHandler } from './fetch-handler.js';
export { createAgentTransport, type AgentTransportOptions } from './client-transport.js';
export {
  DELEGATION_META_KEY,
  createDownstreamFetch,
  delegationMeta,
  receivedDelegation,
  type DelegationMetaOptions,
  type DownstreamFetchOptions,
  type HandlerExtra,
  type ReceivedDelegationOptions,
} from './delegation.js';
