import type { GuardDecision, GuardRequest } from '@agent-id/tokens';
import { type Clock, type KeyPair, systemClock } from '@agent-id/core';
import { type Challenge, presentOwnership } from '@agent-id/did';

/** What an agent asks a tool/resource server to do. */
export type ToolRequest = GuardRequest;

/** The server's answer: the guard's decision (without its audit entry) and, when allowed, the tool's output. */
export type ToolDecision = Omit<GuardDecision, 'entry'> & { result?: unknown };

/** Options of {@link invokeTool}. */
export interface InvokeToolOptions {
  /** The presenting agent: its DID and the key that controls it. */
  agent: { did: string; keyId: string; keyPair: KeyPair };
  /** The agent's ownership credential (VC-JWT) from its organisation. */
  credential: string;
  /** Serialized capability token held by the agent. */
  token: string;
  request: ToolRequest;
  clock?: Clock;
  /** Per-request timeout, ms. Default 5,000. */
  timeoutMs?: number;
}

/**
 * Calls a tool server guarded by {@link ResourceGuard}: fetches a fresh one-time challenge,
 * answers it with a presentation signed by the agent's DID key (proof of control, with the
 * ownership credential inside), and sends it with the token and the request.
 *
 * @example
 * ```ts
 * const d = await invokeTool('http://127.0.0.1:4100/services/tools', { agent, credential, token, request: { resource: 'crm:/customers/c-42', action: 'read', task: 't-1' } });
 * if (d.decision === 'deny') console.log(d.code, d.reason);
 * ```
 */
export async function invokeTool(serviceUrl: string, options: InvokeToolOptions): Promise<ToolDecision> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const challengeResponse = await fetch(`${serviceUrl}/challenge`, { method: 'POST', signal: AbortSignal.timeout(timeoutMs) });
  if (!challengeResponse.ok) throw new Error(`challenge request to ${serviceUrl} failed: HTTP ${challengeResponse.status}`);
  const challenge = (await challengeResponse.json()) as Challenge;
  const presentation = presentOwnership(options.agent, options.credential, challenge, { clock: options.clock ?? systemClock, request: options.request });
  const response = await fetch(`${serviceUrl}/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ presentation, token: options.token, request: options.request }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.status !== 200 && response.status !== 403 && response.status !== 400) {
    throw new Error(`tool call to ${serviceUrl} failed: HTTP ${response.status}`);
  }
  return (await response.json()) as ToolDecision;
}
