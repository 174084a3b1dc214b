import type { DelegationHop, ErrorCode } from '@agent-id/core';
import type { AgentFetch } from '@agent-id/http';

/** What an agent asks a tool server to do. */
export interface ToolRequest {
  resource: string;
  action: string;
}

/** A tool server's answer as the calling agent reads it. */
export interface ToolDecision {
  decision: 'allow' | 'deny';
  code?: ErrorCode;
  check?: string;
  reason: string;
  /** The tool server's resource identifier. */
  verifier: string;
  agent?: string;
  operator?: string;
  onBehalfOf?: string;
  chain?: DelegationHop[];
  /** The audit record the server wrote for it. */
  auditSeq?: number;
  /** The HTTP status of the answer. */
  status?: number;
  result?: unknown;
}

/**
 * Calls a guarded tool server (`POST <service>/call`) in one request: `agentFetch` presents
 * the agent's token with a fresh proof (see `createAgentFetch` of `@agent-id/http`).
 *
 * @example
 * ```ts
 * const d = await invokeTool(agentFetch, 'http://127.0.0.1:4100/services/tools', { resource: 'crm:/customers/c-42', action: 'read' });
 * ```
 */
export async function invokeTool(agentFetch: AgentFetch, service: string, request: ToolRequest, timeoutMs = 5_000): Promise<ToolDecision> {
  const response = await agentFetch(`${service}/call`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status === 200) return { ...(body as unknown as ToolDecision), status: 200 };
  if (typeof body.code !== 'string') throw new Error(`tool call to ${service} failed: HTTP ${response.status}`);
  const denied: ToolDecision = {
    decision: 'deny',
    code: body.code as ErrorCode,
    // As the server's audit record words it: the failed check, then why.
    reason: `${String(body.check)}: ${String(body.error_description ?? '')}`,
    verifier: service,
    status: response.status,
  };
  if (typeof body.check === 'string') denied.check = body.check;
  if (typeof body.auditSeq === 'number') denied.auditSeq = body.auditSeq;
  if (Array.isArray(body.chain)) denied.chain = body.chain as DelegationHop[];
  if (typeof body.onBehalfOf === 'string' && body.onBehalfOf !== 'unverified') denied.onBehalfOf = body.onBehalfOf;
  return denied;
}
