import type { HttpAllow } from '@agent-id/http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { AUTH_INFO_KEY, type McpAuth } from './mcp-guard.js';

/** What {@link agentIdOf} returns: the request's verified presentation and this message's decision. */
export interface McpCaller extends McpAuth {
  /** The allow decision for this message (its action, resource and audit entry), when it is a request. */
  decision: HttpAllow | undefined;
}

/**
 * The verified agent, user, task and chain of the request a tool, resource or prompt
 * handler serves, read from the SDK's `extra` (`authInfo.extra`). Returns `undefined`
 * when the request did not pass an `McpGuard` (a server mounted without one): a handler
 * should then refuse.
 *
 * @example
 * ```ts
 * server.registerTool('query_orders', { inputSchema: { id: z.string() } }, async ({ id }, extra) => {
 *   const caller = agentIdOf(extra);
 *   return { content: [{ type: 'text', text: `order ${id} for ${caller?.onBehalfOf}` }] };
 * });
 * ```
 */
export function agentIdOf(extra: { authInfo?: AuthInfo | undefined; requestId?: string | number | undefined }): McpCaller | undefined {
  const auth = extra?.authInfo?.extra?.[AUTH_INFO_KEY] as McpAuth | undefined;
  if (auth === undefined || typeof auth !== 'object' || !(auth.decisions instanceof Map)) return undefined;
  const decision = extra.requestId !== undefined ? auth.decisions.get(extra.requestId) : undefined;
  return { ...auth, decision };
}
